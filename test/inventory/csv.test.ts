import { CsvRowReader } from '../../src/inventory/csv';

function parse(chunks: string[]): string[][] {
  const rows: string[][] = [];
  const r = new CsvRowReader();
  for (const c of chunks) r.push(c, (f) => rows.push([...f]));
  r.end((f) => rows.push([...f]));
  return rows;
}

const TEXT = '"b","k ""q"", 1","",x\r\n"b","multi\nline","SSE-KMS",\n\n"b",,"last"';
const EXPECTED = [['b', 'k "q", 1', '', 'x'], ['b', 'multi\nline', 'SSE-KMS', ''], ['b', '', 'last']];

test('quoted fields, doubled quotes, empty fields, CRLF, a line end inside quotes, a last row without a line end', () => {
  expect(parse([TEXT])).toEqual(EXPECTED);
});

test('the same rows whatever the chunking (every split point, and one character at a time)', () => {
  for (let i = 0; i <= TEXT.length; i++) {
    expect(parse([TEXT.slice(0, i), TEXT.slice(i)])).toEqual(EXPECTED);
  }
  expect(parse([...TEXT])).toEqual(EXPECTED);
});

test('a quote left open at the end is an error', () => {
  expect(() => parse(['"b","unterminated'])).toThrow(/ends inside a quoted field/);
});

test('only the wanted columns are read; the others are empty', () => {
  const rows: string[][] = [];
  const r = new CsvRowReader([false, true, false, true]);
  for (let i = 0; i < TEXT.length; i += 3) r.push(TEXT.slice(i, i + 3), (f) => rows.push([...f]));
  r.end((f) => rows.push([...f]));
  expect(rows).toEqual([['', 'k "q", 1', '', 'x'], ['', 'multi\nline', '', ''], ['', '', '']]);
});
