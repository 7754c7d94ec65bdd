import { describe, expect, test } from "vitest";
import { type CachedKey, KeyCache } from "./keyCache.ts";

const entry = (disabled: boolean): CachedKey => ({
  keyId: "k1",
  scopes: [],
  isActive: true,
  expiresAt: null,
  graceUntil: null,
  rateLimit: null,
  user: { id: "u1", email: "u@example.com", name: "", role: "user", disabled },
  cachedAt: Date.now(),
});

describe("KeyCache", () => {
  test("an entry loaded before an invalidation is not cached (it may hold the old state)", () => {
    const cache = new KeyCache();
    const seen = cache.generation;
    // …the database read happens here; meanwhile an admin disables the user:
    cache.invalidateUser("u1");
    cache.set("hash", entry(false), seen);
    expect(cache.get("hash")).toBeUndefined();

    cache.set("hash", entry(true), cache.generation);
    expect(cache.get("hash")?.user.disabled).toBe(true);
    cache.invalidateUser("u1");
    expect(cache.get("hash")).toBeUndefined();
  });
});
