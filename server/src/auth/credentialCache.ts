// In-memory cache of verified credentials, so a key or session seen before costs no database
// query: API keys by their fingerprint (keyFingerprint: a SHA-256 of the key, never the key), login
// sessions (what an access token names) by id.
//
// Why it is never wrong for long:
// - Every write that changes what a credential may do goes through the service layer, which calls
//   `invalidateKey` / `invalidateSession` / `invalidateUser` once the write is committed: a key
//   disabled, deleted, re-scoped, re-dated, rolled or given another IP allow-list; a session logged out or revoked; a user
//   disabled, re-roled or renamed, their sessions ended, their password changed. On this
//   instance the change holds from the very next request.
// - A request that loaded a credential from the database while an invalidation happened does not
//   cache what it read (the generation check in `setKey` / `setSession`), so a stale row cannot
//   slip back in.
// - Other processes learn of it twice: published over Redis, so every other instance forgets the
//   entry about a millisecond later, and written to the Revocation table, which every process
//   reads once a second (revocationFeed.ts). A revocation thus reaches every instance (and a
//   server whose database the CLI changed) within a second, even when Redis drops the message or
//   is away.
// - Entries live TTL_MS at most, whatever happens.
//
// Memory is bounded: at most MAX_KEYS keys and MAX_SESSIONS sessions (about 0.5 KB each); past
// that the oldest entry goes first. A busy credential that is evicted costs one query to return.
//
// Access tokens: a token's signature is checked once (about 30 µs of HMAC and parsing) and its
// claims kept by token; each request still checks its expiry, its type was checked with the
// signature, and the session it names still decides. Nothing to invalidate: a token never changes.
//
// Unknown keys: a key with a valid checksum that matches no stored key is remembered (by
// fingerprint, MAX_UNKNOWN of them, UNKNOWN_TTL_MS) so that repeating it costs no query. A key is a
// random 226-bit secret made when it is created, so a fingerprint seen unknown cannot become a real
// key later.
// (Fresh unknown keys from one client are bounded separately: see unknownKeys.ts.)
import type { BlockList } from "node:net";
import type { KeyRateLimit } from "./keyRateLimits.ts";
import type { Scope } from "./scopes.ts";

export interface CachedUser {
  id: string;
  email: string;
  name: string;
  role: "user" | "admin";
  disabled: boolean;
  createdAt: Date;
}

export interface CachedKey {
  keyId: string;
  scopes: Scope[];
  /** The key's IP allow-list, compiled; null: usable from anywhere. */
  allowedFrom: BlockList | null;
  isActive: boolean;
  expiresAt: Date | null;
  /** When the key was matched through its pre-roll secret: when that secret stops working. */
  graceUntil: Date | null;
  /** The key's own rate limit (null: the server default, if any). */
  rateLimit: KeyRateLimit | null;
  user: CachedUser;
  cachedAt: number;
}

/** The claims of an access token whose signature was checked (a token cannot change, so neither can they). */
export interface VerifiedToken {
  sub: string;
  sid: string;
  exp: number;
  cachedAt: number;
}

export interface CachedSession {
  sessionId: string;
  revoked: boolean;
  expiresAt: Date;
  user: CachedUser;
  cachedAt: number;
}

/** A change to forget, as announced to (and by) the other instances. */
export interface CacheChange {
  kind: "key" | "session" | "user";
  id: string;
}

const TTL_MS = 60_000;
const MAX_KEYS = 50_000;
const MAX_SESSIONS = 50_000;
const MAX_UNKNOWN = 10_000;
const MAX_TOKENS = 20_000;
const UNKNOWN_TTL_MS = 10 * 60_000;

/** A Map that holds at most `max` entries, dropping the oldest inserted first, each for `ttlMs`. */
class Bounded<V extends { cachedAt: number }> {
  readonly entries = new Map<string, V>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  get(id: string): V | undefined {
    const entry = this.entries.get(id);
    if (entry && Date.now() - entry.cachedAt > this.ttlMs) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  set(id: string, entry: V): void {
    this.entries.delete(id);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, entry);
  }

  /** Removes every entry `matches` picks: a scan, paid only by the rare changes that need it. */
  deleteWhere(matches: (entry: V) => boolean): void {
    for (const [id, entry] of this.entries) if (matches(entry)) this.entries.delete(id);
  }
}

export class CredentialCache {
  private readonly keys = new Bounded<CachedKey>(MAX_KEYS, TTL_MS);
  private readonly sessions = new Bounded<CachedSession>(MAX_SESSIONS, TTL_MS);
  private readonly unknown = new Bounded<{ cachedAt: number }>(MAX_UNKNOWN, UNKNOWN_TTL_MS);
  /** Signatures already checked, by token; each use still checks the expiry (and the session). */
  private readonly tokens = new Bounded<VerifiedToken>(MAX_TOKENS, TTL_MS);
  private invalidations = 0;
  private readonly loading = new Map<string, Promise<unknown>>();

  /** `announce` tells the other instances of a change made here (no-op for one instance). */
  constructor(private readonly announce: (change: CacheChange) => void = () => {}) {}

  /**
   * Changes with every invalidation. Whoever loads a credential from the database reads it first
   * and hands it back to `setKey` / `setSession`, so an entry loaded before a concurrent
   * invalidation (say, the owner being disabled) is not cached with the stale state.
   */
  get generation(): number {
    return this.invalidations;
  }

  /** How many entries are held, for the health of the cache (and tests of its bounds). */
  get size(): { keys: number; sessions: number; unknown: number; tokens: number } {
    return {
      keys: this.keys.entries.size,
      sessions: this.sessions.entries.size,
      unknown: this.unknown.entries.size,
      tokens: this.tokens.entries.size,
    };
  }

  /**
   * A key not cached: read once for all the requests asking for it at the same time (a client
   * opening many connections at once, a cache just emptied), and cached unless an invalidation
   * happened while it was read. A request that arrives after an invalidation never shares a read
   * begun before it (`forget` lets go of the reads in flight).
   */
  loadKey(fingerprint: string, load: () => Promise<CachedKey | undefined>): Promise<CachedKey | undefined> {
    return this.loadShared(`key:${fingerprint}`, load, (entry, generation) =>
      this.setKey(fingerprint, entry, generation),
    );
  }

  /** A session not cached: as `loadKey`. */
  loadSession(sessionId: string, load: () => Promise<CachedSession | undefined>): Promise<CachedSession | undefined> {
    return this.loadShared(`session:${sessionId}`, load, (entry, generation) => this.setSession(entry, generation));
  }

  private loadShared<T>(
    id: string,
    load: () => Promise<T | undefined>,
    keep: (entry: T, loadedAtGeneration: number) => void,
  ): Promise<T | undefined> {
    let pending = this.loading.get(id) as Promise<T | undefined> | undefined;
    if (!pending) {
      const generation = this.invalidations;
      const started: Promise<T | undefined> = load()
        .then((entry) => {
          if (entry !== undefined) keep(entry, generation);
          return entry;
        })
        .finally(() => {
          if (this.loading.get(id) === started) this.loading.delete(id);
        });
      pending = started;
      this.loading.set(id, pending);
    }
    return pending;
  }

  getKey(fingerprint: string): CachedKey | undefined {
    return this.keys.get(fingerprint);
  }

  setKey(fingerprint: string, entry: CachedKey, loadedAtGeneration: number): void {
    if (loadedAtGeneration === this.invalidations) this.keys.set(fingerprint, entry);
  }

  /** Whether this key (by fingerprint) was looked up recently and matched nothing. */
  isUnknownKey(fingerprint: string): boolean {
    return this.unknown.get(fingerprint) !== undefined;
  }

  rememberUnknownKey(fingerprint: string): void {
    this.unknown.set(fingerprint, { cachedAt: Date.now() });
  }

  getVerifiedToken(token: string): VerifiedToken | undefined {
    return this.tokens.get(token);
  }

  setVerifiedToken(token: string, claims: VerifiedToken): void {
    this.tokens.set(token, claims);
  }

  getSession(sessionId: string): CachedSession | undefined {
    return this.sessions.get(sessionId);
  }

  setSession(entry: CachedSession, loadedAtGeneration: number): void {
    if (loadedAtGeneration === this.invalidations) this.sessions.set(entry.sessionId, entry);
  }

  invalidateKey(keyId: string): void {
    this.change({ kind: "key", id: keyId });
  }

  invalidateSession(sessionId: string): void {
    this.change({ kind: "session", id: sessionId });
  }

  /** The user's keys and sessions: their role, name or state changed, or their sessions ended. */
  invalidateUser(userId: string): void {
    this.change({ kind: "user", id: userId });
  }

  /** A change announced by another instance: forgotten here, not announced again. */
  apply(change: unknown): void {
    const { kind, id } = (change ?? {}) as Partial<CacheChange>;
    if ((kind === "key" || kind === "session" || kind === "user") && typeof id === "string") this.forget({ kind, id });
  }

  clear(): void {
    this.invalidations++;
    this.keys.entries.clear();
    this.sessions.entries.clear();
  }

  private change(change: CacheChange): void {
    this.forget(change);
    this.announce(change);
  }

  private forget(change: CacheChange): void {
    this.invalidations++;
    this.loading.clear();
    if (change.kind === "key") this.keys.deleteWhere((entry) => entry.keyId === change.id);
    else if (change.kind === "session") this.sessions.entries.delete(change.id);
    else {
      this.keys.deleteWhere((entry) => entry.user.id === change.id);
      this.sessions.deleteWhere((entry) => entry.user.id === change.id);
    }
  }
}
