import { IConstruct } from 'constructs';
import { EncryptionModeKind } from '../nag/engine/encryption-mode-kind';
import { SecureBucketConfigError } from '../private/errors';

const KINDS: string[] = Object.values(EncryptionModeKind);

/**
 * Throws a SecureBucketConfigError unless `kind` is an EncryptionModeKind
 * (apps that read the mode from configuration, and jsii languages, can pass any string).
 */
export function assertEncryptionModeKind(kind: unknown, at: IConstruct, prop: string): asserts kind is EncryptionModeKind {
  if (typeof kind === 'string' && KINDS.includes(kind)) return;
  const upper = typeof kind === 'string' ? kind.toUpperCase().replace(/-/g, '_') : undefined;
  const hint = upper !== undefined && KINDS.includes(upper) ? ` (did you mean '${upper}'?)` : '';
  throw new SecureBucketConfigError(at, prop, `${JSON.stringify(kind) ?? String(kind)} is not an encryption mode${hint}`,
    `use one of EncryptionModeKind.${KINDS.join(', EncryptionModeKind.')} (the strings ${KINDS.map((k) => `'${k}'`).join(', ')})`);
}
