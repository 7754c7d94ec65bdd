// In-memory cache of verified API keys, by hash, so a key seen before costs no database query.
//
// Why it is never wrong for long:
// - Every write that changes what a key may do (disable, delete, scope or expiry change, roll,
//   its user disabled or their role changed) goes through the service layer, which calls
//   `invalidateKey` / `invalidateUser` after the write: on this instance the change holds from
//   the very next request.
// - A request that loaded a key from the database while an invalidation happened does not cache
//   what it read (the generation check in `set`), so a stale row cannot slip back in.
// - With several instances (PostgreSQL), the invalidation is announced twice: published over
//   Redis, so every other instance forgets the entry about a millisecond later, and written to
//   the Revocation table, which every instance reads once a second (revocationFeed.ts). A
//   revocation thus reaches every instance within a second even when Redis drops the message
//   or is away.
// - Entries live TTL_MS at most, whatever happens.
import type { KeyRateLimit } from "./keyRateLimits.ts";
import type { Scope } from "./scopes.ts";

export interface CachedKey {
  keyId: string;
  scopes: Scope[];
  isActive: boolean;
  expiresAt: Date | null;
  /** When the key was matched through its pre-roll secret: when that secret stops working. */
  graceUntil: Date | null;
  /** The key's own rate limit (null: the server default, if any). */
  rateLimit: KeyRateLimit | null;
  user: { id: string; email: string; name: string; role: "user" | "admin"; disabled: boolean };
  cachedAt: number;
}

/** A change to forget, as announced to (and by) the other instances. */
export interface CacheChange {
  kind: "key" | "user";
  id: string;
}

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

export class KeyCache {
  private byHash = new Map<string, CachedKey>();
  private invalidations = 0;

  /** `announce` tells the other instances of a change made here (no-op for one instance). */
  constructor(private readonly announce: (change: CacheChange) => void = () => {}) {}

  /**
   * Changes with every invalidation. A request reads it before loading a key from the database
   * and hands it back to `set`, so an entry loaded before a concurrent invalidation (say, the
   * owner being disabled) is not cached with the stale state.
   */
  get generation(): number {
    return this.invalidations;
  }

  get(hash: string): CachedKey | undefined {
    const entry = this.byHash.get(hash);
    if (entry && Date.now() - entry.cachedAt > TTL_MS) {
      this.byHash.delete(hash);
      return undefined;
    }
    return entry;
  }

  set(hash: string, entry: CachedKey, loadedAtGeneration?: number): void {
    if (loadedAtGeneration !== undefined && loadedAtGeneration !== this.invalidations) return;
    if (this.byHash.size >= MAX_ENTRIES) {
      const oldest = this.byHash.keys().next().value;
      if (oldest !== undefined) this.byHash.delete(oldest);
    }
    this.byHash.set(hash, entry);
  }

  invalidateKey(keyId: string): void {
    this.forget({ kind: "key", id: keyId });
    this.announce({ kind: "key", id: keyId });
  }

  invalidateUser(userId: string): void {
    this.forget({ kind: "user", id: userId });
    this.announce({ kind: "user", id: userId });
  }

  /** A change announced by another instance: forgotten here, not announced again. */
  apply(change: unknown): void {
    const { kind, id } = (change ?? {}) as Partial<CacheChange>;
    if ((kind === "key" || kind === "user") && typeof id === "string") this.forget({ kind, id });
  }

  clear(): void {
    this.invalidations++;
    this.byHash.clear();
  }

  private forget(change: CacheChange): void {
    this.invalidations++;
    for (const [hash, entry] of this.byHash) {
      const matches = change.kind === "key" ? entry.keyId === change.id : entry.user.id === change.id;
      if (matches) this.byHash.delete(hash);
    }
  }
}
