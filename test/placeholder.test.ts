import { PLACEHOLDER } from '../src';
test('placeholder', () => { expect(PLACEHOLDER).toBe(1); });
