// Per-key rate limits: set at creation and by PATCH (null for none), a server-wide default for
// keys without one, 429 rate_limited with Retry-After past the limit, the IETF RateLimit fields
// on every answer to a limited key; and usage counted by outcome: served, refused, rate-limited.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer, withAdminServer } from "./harness.ts";

let server: TestServer;
let token: string;

withAdminServer((started) => {
  ({ server, token } = started);
});

const verify = (key: string) => server.api("GET", "/api/auth/verify", { token: key });

describe("a key's own limit", () => {
  test("lets `requests` through per window, says where it stands, then answers 429", async () => {
    const created = await server.api("POST", "/api/me/api-keys", {
      token,
      body: { name: "three a minute", rate_limit: { requests: 3, window_seconds: 60 } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      rate_limit: { requests: 3, window_seconds: 60 },
      effective_rate_limit: { requests: 3, window_seconds: 60 },
    });
    const key = created.body.key;
    for (const remaining of [2, 1, 0]) {
      const answer = await verify(key);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("ratelimit-policy")).toBe('"key";q=3;w=60');
      expect(answer.headers.get("ratelimit")).toMatch(new RegExp(`^"key";r=${remaining};t=\\d+$`));
    }
    const refused = await verify(key);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      error: "rate_limited",
      message: expect.stringMatching(/3 requests every 60 s/),
    });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("ratelimit")).toBe(`"key";r=0;t=${retryAfter}`);
    // Other routes too: the limit is the key's, not the route's.
    expect((await server.api("GET", "/api/me", { token: key })).status).toBe(429);
    // The owner's login session is not limited.
    expect((await server.api("GET", "/api/me", { token })).headers.get("ratelimit")).toBeNull();
  });

  test("PATCH changes it (a fresh count under the new policy) and null removes it", async () => {
    const { key, id } = await server.createKey(token, {
      name: "changing",
      rate_limit: { requests: 1, window_seconds: 60 },
    });
    expect((await verify(key)).status).toBe(200);
    expect((await verify(key)).status).toBe(429);
    const raised = await server.api("PATCH", `/api/me/api-keys/${id}`, {
      token,
      body: { rate_limit: { requests: 5, window_seconds: 30 } },
    });
    expect(raised.body.rate_limit).toEqual({ requests: 5, window_seconds: 30 });
    const after = await verify(key);
    expect(after.status).toBe(200);
    expect(after.headers.get("ratelimit-policy")).toBe('"key";q=5;w=30');
    await server.api("PATCH", `/api/me/api-keys/${id}`, { token, body: { rate_limit: null } });
    const unlimited = await verify(key);
    expect(unlimited.status).toBe(200);
    expect(unlimited.headers.get("ratelimit-policy")).toBeNull();
  });

  test.each([
    [{ requests: 0, window_seconds: 60 }, "rate_limit.requests"],
    [{ requests: 1.5, window_seconds: 60 }, "rate_limit.requests"],
    [{ requests: 10, window_seconds: 86_401 }, "rate_limit.window_seconds"],
    [{ requests: 10 }, "rate_limit.window_seconds"],
    [{ requests: 10, window_seconds: 60, burst: 5 }, "rate_limit.burst"],
    ["100/60", "rate_limit"],
  ])("%j is refused naming %s", async (rate_limit, field) => {
    const answer = await server.api("POST", "/api/me/api-keys", { token, body: { name: "bad limit", rate_limit } });
    expect(answer.status).toBe(400);
    expect(answer.body.details.map((d: any) => d.field)).toContain(field);
  });
});

describe("the server's default", () => {
  let limited: TestServer;
  let adminToken: string;
  beforeAll(async () => {
    limited = await startTestServer({ DEFAULT_KEY_RATE_LIMIT: "2/120" });
    adminToken = (await limited.login(ADMIN.email, ADMIN.password)).access_token;
  });
  afterAll(() => limited.close());

  test("applies to keys without a limit of their own; a key's own limit wins", async () => {
    const plain = await limited.api("POST", "/api/me/api-keys", { token: adminToken, body: { name: "plain" } });
    expect(plain.body).toMatchObject({ rate_limit: null, effective_rate_limit: { requests: 2, window_seconds: 120 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await limited.api("GET", "/api/auth/verify", { token: plain.body.key })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);

    const own = await limited.createKey(adminToken, { name: "own", rate_limit: { requests: 4, window_seconds: 10 } });
    const answer = await limited.api("GET", "/api/auth/verify", { token: own.key });
    expect(answer.headers.get("ratelimit-policy")).toBe('"key";q=4;w=10');
  });
});

describe("usage by outcome", () => {
  test("served, refused (401 after the key is known, 403 scope) and rate-limited, per day and in total", async () => {
    const { key, id } = await server.createKey(token, {
      name: "outcomes",
      scopes: "kb",
      rate_limit: { requests: 4, window_seconds: 600 },
    });
    expect((await server.api("GET", "/api/knowledge-bases", { token: key })).status).toBe(200); // served
    expect((await server.api("GET", "/api/agents", { token: key })).status).toBe(403); // refused: scope
    expect((await server.api("GET", "/api/auth/verify", { token: key })).status).toBe(200); // served
    expect((await server.api("GET", "/api/auth/verify", { token: key })).status).toBe(200); // served
    expect((await server.api("GET", "/api/auth/verify", { token: key })).status).toBe(429); // rate-limited
    await server.api("PATCH", `/api/me/api-keys/${id}`, { token, body: { is_active: false } });
    expect((await server.api("GET", "/api/auth/verify", { token: key })).status).toBe(401); // refused: disabled

    const usage = await server.api("GET", `/api/me/api-keys/${id}/usage?days=1`, { token });
    expect(usage.body.days).toEqual([
      { day: new Date().toISOString().slice(0, 10), count: 3, refused: 2, rate_limited: 1 },
    ]);
    expect(usage.body).toMatchObject({ total: 3, refused: 2, rate_limited: 1 });
    // total_requests counts authenticated requests: served, forbidden and rate-limited (not the
    // 401, made after the key was switched off).
    const view = await server.api("GET", `/api/me/api-keys/${id}`, { token });
    expect(view.body.total_requests).toBe(5);
    // And all of it survives the flush.
    await server.ctx.usage.flush();
    const stored = await server.ctx.db.apiKeyUsageDay.findMany({ where: { apiKeyId: id } });
    expect(stored.map(({ count, refused, rateLimited }) => ({ count, refused, rateLimited }))).toEqual([
      { count: 3, refused: 2, rateLimited: 1 },
    ]);
  });
});
