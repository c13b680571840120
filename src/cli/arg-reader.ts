import { InputError } from '../cli-input/input-error';

/**
 * The command line of a `cdk-secure-bucket` command, read one option at a time: `--opt value` and
 * `--opt=value` alike; a flag (an option that takes no value) given `=value` is an error, not a
 * path; an option's value must be there and must not be another option.
 */
export class ArgReader {
  private readonly args: string[];

  /** `flags`: the options of the command that take no value. */
  constructor(argv: readonly string[], private readonly flags: readonly string[]) {
    this.args = [...argv];
  }

  /** The next option or operand, or undefined at the end. */
  public next(): string | undefined {
    const raw = this.args.shift();
    if (raw === undefined) return undefined;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    if (eq <= 0) return raw;
    const arg = raw.slice(0, eq);
    if (this.flags.includes(arg)) throw new InputError(`${arg} takes no value (got '${raw}')`);
    this.args.unshift(raw.slice(eq + 1));
    return arg;
  }

  /** The value of the option `opt` just read. */
  public value(opt: string): string {
    const v = this.args.shift();
    if (v === undefined || v.startsWith('--')) throw new InputError(`${opt} needs a value`);
    return v;
  }
}
