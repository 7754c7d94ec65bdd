import { describe, expect, test } from "vitest";
import { type CachedKey, type CachedSession, CredentialCache } from "./credentialCache.ts";

const user = (disabled: boolean) => ({
  id: "u1",
  email: "u@example.com",
  name: "",
  role: "user" as const,
  disabled,
  createdAt: new Date(),
});

const key = (disabled: boolean): CachedKey => ({
  keyId: "k1",
  scopes: [],
  allowedFrom: null,
  isActive: true,
  expiresAt: null,
  graceUntil: null,
  rateLimit: null,
  user: user(disabled),
  cachedAt: Date.now(),
});

const session = (id: string): CachedSession => ({
  sessionId: id,
  revoked: false,
  expiresAt: new Date(Date.now() + 60_000),
  user: user(false),
  cachedAt: Date.now(),
});

describe("CredentialCache", () => {
  test("an entry loaded before an invalidation is not cached (it may hold the old state)", () => {
    const cache = new CredentialCache();
    const seen = cache.generation;
    // …the database read happens here; meanwhile an admin disables the user:
    cache.invalidateUser("u1");
    cache.setKey("hash", key(false), seen);
    cache.setSession(session("s1"), seen);
    expect(cache.getKey("hash")).toBeUndefined();
    expect(cache.getSession("s1")).toBeUndefined();

    cache.setKey("hash", key(true), cache.generation);
    expect(cache.getKey("hash")?.user.disabled).toBe(true);
    cache.invalidateUser("u1");
    expect(cache.getKey("hash")).toBeUndefined();
  });

  test("a session is forgotten by its own change, its user's, and an announced one; another session stays", () => {
    const announced: unknown[] = [];
    const cache = new CredentialCache((change) => announced.push(change));
    cache.setSession(session("s1"), cache.generation);
    cache.setSession(session("s2"), cache.generation);
    cache.invalidateSession("s1");
    expect(cache.getSession("s1")).toBeUndefined();
    expect(cache.getSession("s2")).toBeDefined();
    expect(announced).toEqual([{ kind: "session", id: "s1" }]);

    cache.apply({ kind: "session", id: "s2" });
    expect(cache.getSession("s2")).toBeUndefined();
    expect(announced).toHaveLength(1); // what others announced is not announced again

    cache.setSession(session("s3"), cache.generation);
    cache.apply({ kind: "user", id: "u1" });
    expect(cache.getSession("s3")).toBeUndefined();
    cache.apply({ kind: "nonsense", id: 3 }); // ignored
  });

  test("concurrent loads of one credential share one read", async () => {
    const cache = new CredentialCache();
    let reads = 0;
    const row = key(false);
    const load = async () => {
      reads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return row;
    };
    const answers = await Promise.all([1, 2, 3].map(() => cache.loadKey("h", load)));
    expect(answers).toEqual([row, row, row]);
    expect(reads).toBe(1);
    expect(cache.getKey("h")).toBe(row);
    await cache.loadKey("h", load); // finished loads are not kept: a later one reads again
    expect(reads).toBe(2);
  });

  test("a read overtaken by an invalidation is not cached, and later requests do not share it", async () => {
    const cache = new CredentialCache();
    let release: () => void = () => {};
    const stale = cache.loadKey(
      "h",
      () =>
        new Promise<CachedKey>((resolve) => {
          release = () => resolve(key(false));
        }),
    );
    // …while the first read is in flight, an administrator disables the user:
    cache.invalidateUser("u1");
    let reads = 0;
    const fresh = cache.loadKey("h", async () => {
      reads++;
      return key(true);
    });
    expect((await fresh)?.user.disabled).toBe(true);
    expect(reads).toBe(1);
    release();
    expect((await stale)?.user.disabled).toBe(false);
    expect(cache.getKey("h")?.user.disabled).toBe(true);
  });

  test("holds at most its bound of unknown keys, dropping the oldest", () => {
    const cache = new CredentialCache();
    for (let i = 0; i < 10_005; i++) cache.rememberUnknownKey(`h${i}`);
    expect(cache.size.unknown).toBe(10_000);
    expect(cache.isUnknownKey("h0")).toBe(false);
    expect(cache.isUnknownKey("h10004")).toBe(true);
  });
});
