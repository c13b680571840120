/**
 * Text from an inventory (object keys, bucket names, file keys), made safe to print on a
 * terminal. An object key may hold any Unicode character, and a key of terminal escape
 * sequences (ESC [ ... ) or carriage returns can erase lines on screen and print a fake
 * "✓ compliant"; bidirectional overrides (U+202E) and zero-width characters make a key read
 * as another. Every such character is printed as a visible escape instead:
 *
 * - C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F): `\x1B`;
 * - Unicode format characters (category Cf: bidi controls U+200E/F, U+202A-E, U+2066-9, zero-width
 *   U+200B-D, U+2060, U+FEFF, soft hyphen, ...), line and paragraph separators (U+2028/9) and
 *   lone surrogates: `\u202E`;
 * - the backslash itself: `\\`, so an escape in the output always means an escaped character.
 *
 * JSON output needs none of this (JSON.stringify escapes C0 controls, and a JSON reader gets the
 * exact key back); only text output is escaped.
 */
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]|\p{Cs}/gu;

export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\\') return '\\\\';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}
