/**
 * A one-line progress report on a terminal (files, objects, rate), rewritten in place at most
 * every 250 ms; nothing at all when standard error is not a TTY.
 */
export class Progress {
  private readonly started = Date.now();
  private last = 0;
  private shown = false;

  constructor(private readonly out: { isTTY?: boolean; write(s: string): unknown }, private readonly files: number) {}

  public update(filesDone: number, objects: number): void {
    if (this.out.isTTY !== true) return;
    const now = Date.now();
    if (now - this.last < 250 && filesDone < this.files) return;
    this.last = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = Math.round(objects / seconds).toLocaleString('en-US');
    this.out.write(`\r\x1b[Kaudit-inventory: ${filesDone}/${this.files} file(s), ${objects.toLocaleString('en-US')} object(s), ${rate} objects/s`);
    this.shown = true;
  }

  /** Clears the line. */
  public done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
