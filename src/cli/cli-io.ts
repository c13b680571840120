/** Where the command reads and writes. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  /** `isTTY`: whether a progress line may be drawn there (audit-inventory). */
  readonly stderr: { isTTY?: boolean; write(s: string): unknown };
  /** Where `-` reads a template from (default: none, so `-` reads an empty text). */
  readonly stdin?: AsyncIterable<string | Buffer>;
}
