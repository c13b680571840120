/**
 * A streaming CSV reader for S3 Inventory data files: pure (text in, rows out, no I/O), so
 * memory is bounded by one chunk plus one unfinished row, whatever the file's size.
 *
 * S3 Inventory writes RFC 4180 CSV with every field in double quotes and no header row (the
 * columns are the manifest's `fileSchema`); a quote inside a field is doubled. Unquoted
 * fields and CRLF line ends are read too. A quoted field may span lines.
 */
export class CsvRowReader {
  private field = '';
  /** The index of the field being read in the current row. */
  private col = 0;
  private row: string[] = [];
  private quoted = false;
  /** Inside quotes, the last character was a quote: either the closing one or the first of a pair. */
  private quoteSeen = false;
  private rowHasData = false;
  /** Characters of the current row read in earlier pushes. */
  private carried = 0;

  /**
   * @param wanted the columns to return; the others read as '' (never sliced out of the text, so
   *   a row costs one string per wanted column). Default: all.
   * @param maxRowLength the most characters a row may have (line end excluded): a longer one
   *   throws a {@link RowTooLongError} as soon as it is seen, so a row is never held whole.
   */
  constructor(private readonly wanted?: readonly boolean[], private readonly maxRowLength = Infinity) {}

  /**
   * Feeds the next piece of text; calls `onRow` for every row it completes. The array passed to
   * `onRow` is reused for the next row: copy it to keep it.
   */
  public push(text: string, onRow: (fields: string[]) => void): void {
    const wanted = this.wanted;
    let field = this.field;
    let start = 0;
    let rowStart = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === QUOTE) {
            // "" inside quotes: one literal quote (the first one was left out of the field).
            start = i;
            continue;
          }
          this.quoted = false;
          // fall through: the character after the closing quote is read as unquoted.
        } else if (c === QUOTE) {
          if (wanted === undefined || wanted[this.col] === true) field += text.slice(start, i);
          this.quoteSeen = true;
          start = i + 1;
          continue;
        } else {
          continue;
        }
      }
      if (c === COMMA) {
        this.row.push(wanted === undefined || wanted[this.col] === true ? field + text.slice(start, i) : '');
        this.col += 1;
        field = '';
        start = i + 1;
        this.rowHasData = true;
      } else if (c === LF || c === CR) {
        if (this.carried + i - rowStart > this.maxRowLength) throw new RowTooLongError(this.maxRowLength);
        this.carried = 0;
        rowStart = i + 1;
        const value = wanted === undefined || wanted[this.col] === true ? field + text.slice(start, i) : '';
        if (this.rowHasData || i > start || field.length > 0) {
          this.row.push(value);
          onRow(this.row);
        }
        this.row.length = 0;
        this.col = 0;
        this.rowHasData = false;
        field = '';
        start = i + 1;
      } else if (c === QUOTE && start === i && field === '') {
        this.quoted = true;
        this.rowHasData = true;
        start = i + 1;
      }
    }
    this.carried += n - rowStart;
    if (this.carried > this.maxRowLength) throw new RowTooLongError(this.maxRowLength);
    this.field = field + (wanted === undefined || wanted[this.col] === true ? text.slice(start) : '');
  }

  /**
   * Ends the input: a last row without a line end is returned. Throws on a quote left open.
   */
  public end(onRow: (fields: string[]) => void): void {
    if (this.quoted && !this.quoteSeen) throw new Error('the file ends inside a quoted field');
    if (this.rowHasData || this.field.length > 0) {
      this.row.push(this.field);
      onRow(this.row);
    }
    this.row.length = 0;
    this.col = 0;
    this.field = '';
    this.quoted = false;
    this.quoteSeen = false;
    this.rowHasData = false;
    this.carried = 0;
  }
}

/** A row longer than the reader's `maxRowLength`. */
export class RowTooLongError extends Error {
  constructor(public readonly maxRowLength: number) {
    super(`a row is longer than ${maxRowLength} characters`);
    this.name = 'RowTooLongError';
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
