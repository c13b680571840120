/**
 * A small least-recently-used map that tells its owner about every entry it
 * drops, so the owner can zero key material held by the entry.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  /**
   * @param capacity maximum number of entries (positive integer)
   * @param onRemove called with every entry that leaves the cache (replaced, deleted, evicted, cleared)
   */
  constructor(private readonly capacity: number, private readonly onRemove: (value: V) => void) {}

  public get size(): number {
    return this.entries.size;
  }

  /** The entry, marked most recently used; `undefined` if absent. */
  public get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Insert as most recently used; returns how many entries were evicted to make room. */
  public set(key: string, value: V): number {
    this.delete(key);
    this.entries.set(key, value);
    let evicted = 0;
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
      evicted++;
    }
    return evicted;
  }

  public delete(key: string): boolean {
    const value = this.entries.get(key);
    if (value === undefined) return false;
    this.entries.delete(key);
    this.onRemove(value);
    return true;
  }

  public clear(): void {
    for (const key of [...this.entries.keys()]) this.delete(key);
  }
}
