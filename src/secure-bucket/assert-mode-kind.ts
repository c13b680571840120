import { IConstruct } from 'constructs';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { allModeKinds, findModeRow } from '../encryption-modes/mode-lookup';
import { SecureBucketConfigError } from '../private/errors';

/**
 * Throws a SecureBucketConfigError unless `kind` is an EncryptionModeKind
 * (apps that read the mode from configuration, and jsii languages, can pass any string).
 */
export function assertEncryptionModeKind(kind: unknown, at: IConstruct, prop: string): asserts kind is EncryptionModeKind {
  if (findModeRow(kind) !== undefined) return;
  const kinds: string[] = allModeKinds();
  const upper = typeof kind === 'string' ? kind.toUpperCase().replace(/-/g, '_') : undefined;
  const hint = upper !== undefined && findModeRow(upper) !== undefined ? ` (did you mean '${upper}'?)` : '';
  throw new SecureBucketConfigError(at, prop, `${JSON.stringify(kind) ?? String(kind)} is not an encryption mode${hint}`,
    `use one of EncryptionModeKind.${kinds.join(', EncryptionModeKind.')} (the strings ${kinds.map((k) => `'${k}'`).join(', ')})`);
}
