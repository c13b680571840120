/**
 * Which byte ranges of which ArrayBuffers whole-buffer decryptions are using right now.
 *
 * `decrypt` awaits the key unwrap before it touches the ciphertext, so two calls on one buffer overlap. An in-place
 * decryption writes plaintext over its bytes: a second call reading them would decrypt plaintext as ciphertext, fail
 * the tag and zero the buffer, so the first call would resolve with zeros. A claim made before the first await lets
 * the second call refuse at once, with a typed error, and leaves the first one undisturbed.
 * Readers may share a range; a writer (in place) shares it with no one. Ranges of one ArrayBuffer that do not
 * overlap (two small Buffers from Node's pool) do not conflict.
 */
import { InvalidArgumentError } from '../errors';

interface Claim {
  readonly start: number;
  readonly end: number;
  readonly writes: boolean;
}

// Keyed weakly by the ArrayBuffer itself: a buffer nobody references any more takes its (released) claims with it.
const claims = new WeakMap<ArrayBufferLike, Claim[]>();

/** Claim `view`'s bytes for reading (`writes: false`) or in-place decryption; returns the release function. */
export function claimBytes(view: Uint8Array, writes: boolean): () => void {
  const claim: Claim = { start: view.byteOffset, end: view.byteOffset + view.byteLength, writes };
  const held = claims.get(view.buffer) ?? [];
  const conflict = held.find((c) => (c.writes || writes) && c.start < claim.end && claim.start < c.end);
  if (conflict) {
    throw new InvalidArgumentError(conflict.writes
      ? 'the ciphertext buffer is being decrypted in place by another call; wait for it, or decrypt a copy'
      : 'inPlace decryption of a buffer that another call is still decrypting; wait for it, or decrypt without inPlace');
  }
  held.push(claim);
  claims.set(view.buffer, held);
  return () => {
    const i = held.indexOf(claim);
    if (i >= 0) {
      held.splice(i, 1);
    }
  };
}
