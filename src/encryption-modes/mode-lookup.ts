import { EncryptionModeKind } from './encryption-mode-kind';
import { EncryptionModeRow, MODE_TABLE } from './mode-table';

// Lookups over the mode table. Each reads MODE_TABLE when called, so a table with another row
// (test/encryption-modes/hypothetical-mode.test.ts) reaches every consumer.

/** The row of a mode kind, or undefined when `kind` is none (configuration, jsii callers). */
export function findModeRow(kind: unknown): EncryptionModeRow | undefined {
  return MODE_TABLE.find((row) => row.kind === kind);
}

/** The row of a mode kind. */
export function modeRow(kind: EncryptionModeKind): EncryptionModeRow {
  const row = findModeRow(kind);
  if (row === undefined) throw new Error(`unknown encryption mode '${kind}' (internal error: every EncryptionModeKind has a row in the mode table)`);
  return row;
}

/** Every mode kind, in table order. */
export function allModeKinds(): EncryptionModeKind[] {
  return MODE_TABLE.map((row) => row.kind);
}

/** Every mode's label (`SSE-KMS`), in table order. */
export function allModeLabels(): string[] {
  return MODE_TABLE.map((row) => row.label);
}

/** The rows that satisfy `test`, in table order. */
export function modeRows(test: (row: EncryptionModeRow) => boolean = () => true): EncryptionModeRow[] {
  return MODE_TABLE.filter(test);
}

/** The label of a mode (`SSE-KMS`), or the value itself when it is no mode. */
export function modeLabel(kind: EncryptionModeKind): string {
  return findModeRow(kind)?.label ?? String(kind);
}

/** The row whose label (S3 Inventory / Metadata encryption status) is `label`. */
export function findModeRowByLabel(label: string): EncryptionModeRow | undefined {
  return MODE_TABLE.find((row) => row.label === label);
}

/** The row of a mode name in any spelling: `SSE_KMS`, `SSE-KMS`, `sse-kms`, ` Sse_Kms `. */
export function parseModeName(name: string): EncryptionModeRow | undefined {
  const norm = name.trim().toUpperCase().replace(/-/g, '_');
  return MODE_TABLE.find((row) => row.kind === norm);
}

/** `A, B, C or D` (or `and`): a list of names for messages. */
export function listWords(words: readonly string[], last: 'or' | 'and' = 'or'): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

/** The labels of the rows that satisfy `test`, as a list for messages: `SSE-S3, SSE-KMS, DSSE-KMS or SSE-C`. */
export function modeLabels(test?: (row: EncryptionModeRow) => boolean, last: 'or' | 'and' = 'or'): string {
  return listWords(modeRows(test).map((row) => row.label), last);
}
