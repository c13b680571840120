/**
 * String matching over symbolic values.
 *
 * Resolved template values may hold opaque tokens: `${Bucket}`, `${Key.Arn}`,
 * `${AWS::Partition}`. A token stands for a value known only at deploy time,
 * so a pattern proves something about it only when it treats the token as a
 * whole: the same token written in the pattern, or a `*` spanning it. A
 * pattern's literal characters never match inside a token (`arn:...:::$*`
 * does not cover `${Bucket}`: a real bucket name never starts with `$`), and
 * `?` never matches a token (its length is unknown).
 */

const TOKEN = /\$\{[^}]*\}/g;

/**
 * A size-capped memo for the pure functions below: a rule run asks the same questions of the same
 * strings many times (every bucket of a stack against the same trail selectors and statement patterns),
 * and SecureBucket runs the rules at every synth. Dropped whole when full: never wrong, only slower.
 */
class Memo<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit = 20_000) {}
  public get(key: string, compute: () => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      if (this.map.size >= this.limit) this.map.clear();
      v = compute();
      this.map.set(key, v);
    }
    return v;
  }
}

const atomsMemo = new Memo<readonly string[]>();
const matchesMemo = new Memo<boolean>();

/** Splits a value into literal characters and whole tokens (memoized; the result is shared: never modify it). */
function atoms(s: string): readonly string[] {
  return atomsMemo.get(s, () => splitAtoms(s));
}

function splitAtoms(s: string): readonly string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of s.matchAll(TOKEN)) {
    for (const ch of s.slice(last, m.index)) out.push(ch);
    out.push(m[0]);
    last = m.index! + m[0].length;
  }
  for (const ch of s.slice(last)) out.push(ch);
  return Object.freeze(out);
}

const isToken = (a: string) => a.length > 1;

/** Pattern atoms: literal characters, whole tokens, `*` and `?` (IAM wildcards). */
function patternAtoms(pattern: string): Array<{ kind: 'lit' | 'star' | 'one'; text: string }> {
  return atoms(pattern).map((a) => a === '*' ? { kind: 'star' as const, text: a }
    : a === '?' ? { kind: 'one' as const, text: a } : { kind: 'lit' as const, text: a });
}

/**
 * Whether the IAM wildcard `pattern` (`*`, `?`) provably matches `value`,
 * tokens treated as opaque (see the module comment).
 */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  // JSON of the arguments: an unambiguous key whatever characters the strings hold.
  return matchesMemo.get(JSON.stringify([ignoreCase, pattern, value]), () => wildcardMatchesUncached(pattern, value, ignoreCase));
}

function wildcardMatchesUncached(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = patternAtoms(ignoreCase ? pattern.toLowerCase() : pattern);
  const v = atoms(ignoreCase ? value.toLowerCase() : value);
  // dp[j]: p[0..i) matches v[0..j)
  let dp = new Array<boolean>(v.length + 1).fill(false);
  dp[0] = true;
  for (const atom of p) {
    const next = new Array<boolean>(v.length + 1).fill(false);
    if (atom.kind === 'star') {
      let any = false;
      for (let j = 0; j <= v.length; j++) {
        any = any || dp[j];
        next[j] = any;
      }
    } else {
      for (let j = 1; j <= v.length; j++) {
        if (!dp[j - 1]) continue;
        const a = v[j - 1];
        next[j] = atom.kind === 'one' ? !isToken(a) : atom.text === a;
      }
    }
    dp = next;
  }
  return dp[v.length];
}

/**
 * Whether the IAM wildcard `pattern` MAY match `value` (with `prefix`: may
 * match `value` followed by some string): an over-approximation, false only
 * when no deployed value can match. A token on either side that is not
 * matched by the same token or spanned by `*` may stand for anything, so it
 * answers "may". Used where a proof needs a NON-match (NotAction, NotResource).
 */
export function mayMatch(pattern: string, value: string, prefix: boolean): boolean {
  const p = patternAtoms(pattern);
  const v = atoms(value);
  // Live pattern positions after reading a value prefix; a `*` at position i may absorb more, or be skipped.
  const close = (set: Set<number>) => {
    for (const i of [...set].sort((a, b) => a - b)) {
      for (let k = i; k < p.length && p[k].kind === 'star'; k++) set.add(k + 1);
    }
    return set;
  };
  let live = close(new Set([0]));
  for (const a of v) {
    const next = new Set<number>();
    for (const i of live) {
      if (i >= p.length) continue;
      const atom = p[i];
      if (atom.kind === 'star') {
        next.add(i);
      } else if (isToken(a) || isToken(atom.text)) {
        if (atom.kind === 'lit' && atom.text === a) next.add(i + 1);
        else return true; // a token against something else: cannot tell
      } else if (atom.kind === 'one' || atom.text === a) {
        next.add(i + 1);
      }
    }
    if (next.size === 0) return false;
    live = close(next);
  }
  if (prefix) return live.size > 0;
  return live.has(p.length);
}

/** Whether `s` holds an IAM wildcard. */
export function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

/**
 * Whether the pattern provably matches `prefix` followed by ANY string (an
 * object key): it ends in `*` and matches `prefix` itself, the final `*`
 * then absorbing the rest.
 */
export function matchesEveryExtension(pattern: string, prefix: string): boolean {
  return pattern.endsWith('*') && wildcardMatches(pattern, prefix);
}

/** How a literal prefix `p` relates to the strings that start with `base`. */
export enum PrefixRelation {
  /** Every string starting with `base` starts with `p`. */
  COVERS_ALL = 'COVERS_ALL',
  /** No string starting with `base` starts with `p`. */
  COVERS_NONE = 'COVERS_NONE',
  /** Some do, some do not; or it cannot be told (the strings differ inside a token). */
  SOME_OR_UNKNOWN = 'SOME_OR_UNKNOWN',
}

/** Relates a literal prefix (CloudTrail `StartsWith`) to every string beginning with `base`. */
export function prefixRelation(p: string, base: string): PrefixRelation {
  const pa = atoms(p);
  const ba = atoms(base);
  const n = Math.min(pa.length, ba.length);
  for (let i = 0; i < n; i++) {
    if (pa[i] === ba[i]) continue;
    // A difference inside or against a token cannot be decided.
    if (isToken(pa[i]) || isToken(ba[i])) return PrefixRelation.SOME_OR_UNKNOWN;
    return PrefixRelation.COVERS_NONE;
  }
  if (pa.length <= ba.length) return PrefixRelation.COVERS_ALL;
  return PrefixRelation.SOME_OR_UNKNOWN; // p is longer than base: only some continuations
}
