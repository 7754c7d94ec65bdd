// Unknown API keys with a valid checksum: anyone can make them, so each client address gets a
// budget of lookups that match nothing (60 a minute); past it, its uncached keys are refused with
// 429 before any database query, while keys already in use keep working from that address and
// every other address is unaffected. A repeated unknown key is answered from memory.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateApiKey } from "../../src/auth/apiKeyFormat.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: "loopback" });
  admin = (await server.login(ADMIN.email, ADMIN.password)).access_token;
});
afterAll(() => server.close());

const from = (address: string, key: string) =>
  server.api("GET", "/api/auth/verify", { token: key, headers: { "x-forwarded-for": address } });

describe("lookups of unknown keys", () => {
  test("60 fresh unknown keys from one address are 401; the next is 429 with Retry-After; other addresses and known keys go on", async () => {
    const attacker = "198.51.100.7";
    const { key: inUse } = await server.createKey(admin, { name: "in use from the attacker's address" });
    expect((await from(attacker, inUse)).status).toBe(200);
    const { key: neverUsed } = await server.createKey(admin, { name: "not used yet" });

    const tried: string[] = [];
    for (let i = 0; i < 60; i++) {
      const key = generateApiKey();
      tried.push(key);
      const answer = await from(attacker, key);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: "invalid_token" });
    }
    const refused = await from(attacker, generateApiKey());
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);

    // A key this address already used is in memory and needs no lookup: still served.
    expect((await from(attacker, inUse)).status).toBe(200);
    // An unknown key already tried is answered from memory too: 401, not 429.
    expect((await from(attacker, tried[0] ?? "")).status).toBe(401);
    // A real key this address never used would need a lookup: refused until the window ends…
    expect((await from(attacker, neverUsed)).status).toBe(429);
    // …while from another address it works, and the attacker's budget is not anyone else's.
    expect((await from("198.51.100.8", neverUsed)).status).toBe(200);
    expect((await from("198.51.100.8", generateApiKey())).status).toBe(401);
  });

  test("IPv6 hosts of one /64 share a budget; another /64 has its own", async () => {
    for (let i = 0; i < 60; i++) {
      expect((await from(`2001:db8:7:7::${(i + 1).toString(16)}`, generateApiKey())).status).toBe(401);
    }
    expect((await from("2001:db8:7:7:ffff::1", generateApiKey())).status).toBe(429);
    expect((await from("2001:db8:7:8::1", generateApiKey())).status).toBe(401);
  });
});
