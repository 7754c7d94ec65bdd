// In-memory cache of verified API keys, by hash. Every write that can change what a key may do
// (disable, delete, scope or expiry change, roll, user disabled or role changed) goes through
// the service layer, which invalidates here, so the change holds from the very next request.
import type { Scope } from "./scopes.ts";

export interface CachedKey {
  keyId: string;
  scopes: Scope[];
  isActive: boolean;
  expiresAt: Date | null;
  /** When the key was matched through its pre-roll secret: when that secret stops working. */
  graceUntil: Date | null;
  user: { id: string; email: string; name: string; role: "user" | "admin"; disabled: boolean };
  cachedAt: number;
}

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

export class KeyCache {
  private byHash = new Map<string, CachedKey>();
  private invalidations = 0;

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
    this.invalidations++;
    for (const [hash, entry] of this.byHash) if (entry.keyId === keyId) this.byHash.delete(hash);
  }

  invalidateUser(userId: string): void {
    this.invalidations++;
    for (const [hash, entry] of this.byHash) if (entry.user.id === userId) this.byHash.delete(hash);
  }

  clear(): void {
    this.invalidations++;
    this.byHash.clear();
  }
}
