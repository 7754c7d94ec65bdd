// Redis going away while the server runs: nothing fails and nothing is let through. Limits keep
// being enforced, per instance, from memory; the server keeps answering; when Redis is back,
// counting is shared again. Redis is reached through a proxy the test can cut, so the Redis that
// other tests use stays up.
import { randomUUID } from "node:crypto";
import { createClient } from "@redis/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { eventually } from "../support/sse.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.ts";

let proxy: TcpProxy;
let server: TestServer;
let token: string;
const prefix = `fim-test-${randomUUID()}:`;
const redis = createClient({ url: "redis://127.0.0.1:6379" });

beforeAll(async () => {
  await redis.connect();
  proxy = await startTcpProxy({ host: "127.0.0.1", port: 6379 });
  server = await startTestServer({
    REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    REDIS_KEY_PREFIX: prefix,
    DEFAULT_KEY_RATE_LIMIT: "4/600",
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
  });
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
});
afterAll(async () => {
  await server.close();
  await proxy.close();
  for (const key of await redis.keys(`${prefix}*`)) await redis.del(key);
  await redis.close();
});

const verify = (key: string) => server.api("GET", "/api/auth/verify", { token: key });

test("limits are counted in Redis while it is there, in memory while it is not, and never dropped", async () => {
  const { key, id } = await server.createKey(token, { name: "through the outage" });
  for (let i = 0; i < 2; i++) expect((await verify(key)).status).toBe(200);
  const counters = await redis.keys(`${prefix}key-rate:*${id}*`);
  expect(counters).toHaveLength(1);
  expect(await redis.get(counters[0] as string)).toBe("2");

  await proxy.cut();
  await eventually(() => !server.ctx.shared.commands?.isReady, 5000);
  // The server answers, and the key is still limited: the fallback counts from zero, per
  // instance, so this instance lets through at most the limit (4) and refuses the next one.
  const during = [];
  for (let i = 0; i < 5; i++) during.push((await verify(key)).status);
  expect(during).toEqual([200, 200, 200, 200, 429]);
  const refused = await verify(key);
  expect(refused.headers.get("retry-after")).not.toBeNull();
  expect(refused.headers.get("ratelimit-policy")).toBe('"key";q=4;w=600');

  // Login throttling is still on too (from memory).
  const guesses = [];
  for (let i = 0; i < 4; i++) {
    guesses.push(
      (await server.api("POST", "/api/auth/login", { body: { email: ADMIN.email, password: `wrong-${i}` } })).status,
    );
  }
  expect(guesses).toEqual([401, 401, 401, 429]);

  await proxy.restore();
  await eventually(() => server.ctx.shared.commands?.isReady === true, 10_000);
  // Back on the shared count: it had 2, and goes on from there.
  expect((await verify(key)).status).toBe(200);
  expect(await redis.get(counters[0] as string)).toBe("3");
});
