/**
 * Bad input to a `cdk-secure-bucket` command: an unreadable file, something that is not a
 * template or an inventory, a bad option. The CLI prints its message and exits with status 2.
 * A leaf: the CLI and the libraries it calls (check, inventory) all throw it.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
    Object.setPrototypeOf(this, InputError.prototype);
  }
}
