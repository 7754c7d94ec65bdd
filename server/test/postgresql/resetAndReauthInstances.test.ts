// Password reset and sudo mode with two instances on one PostgreSQL database and one Redis: a
// password confirmed through one instance opens sensitive actions on the other at once (the gate
// reads the session row, not either instance's cache), and a reset link works once, whichever
// instances it is sent to. (PostgreSQL leg only: one SQLite database serves one process.)
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { createUser } from "../../src/services/users.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { eventually } from "../support/sse.ts";
import { createPostgresDatabase, deleteRedisKeys, dropPostgresDatabase } from "../support/testDatabases.ts";

const prefix = `fim-test-${randomUUID()}:`;
let databaseUrl: string;
let first: TestServer;
let second: TestServer;
const firstLog: string[] = [];

beforeAll(async () => {
  databaseUrl = await createPostgresDatabase();
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: "redis://127.0.0.1:6379",
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET: randomBytes(48).toString("base64url"),
    API_KEY_SECRET: randomBytes(48).toString("base64url"),
  };
  first = await startTestServer(env, {
    logger: createLogger("info", { write: (line: string) => firstLog.push(line) }),
  });
  second = await startTestServer(env);
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await dropPostgresDatabase(databaseUrl);
  await deleteRedisKeys(prefix);
});

function advanceBoth(seconds: number): void {
  first.clock.advance(seconds);
  second.clock.advance(seconds);
}

test("a password confirmed through one instance opens the gate on the other at once", async () => {
  const { access_token: token } = await first.login(ADMIN.email, ADMIN.password);
  advanceBoth(600);
  // The second instance refuses, and now holds the session in its cache.
  const refused = await second.api("POST", "/api/me/api-keys", { token, body: { name: "full" } });
  expect(refused.status).toBe(403);
  expect(refused.body.reauthenticate).toBe(true);

  expect(
    (await first.api("POST", "/api/auth/reauthenticate", { token, body: { password: ADMIN.password } })).status,
  ).toBe(200);
  const created = await second.api("POST", "/api/me/api-keys", { token, body: { name: "full" } });
  expect(created.status).toBe(201);
});

test("a reset link works once across instances, and ends the sessions on both", async () => {
  await createUser(first.ctx, { email: "twice@example.com", password: "twice-password-1" });
  const { access_token: token } = await second.login("twice@example.com", "twice-password-1");
  expect((await second.api("GET", "/api/me", { token })).status).toBe(200); // cached on the second

  expect((await first.api("POST", "/api/auth/password/forgot", { body: { email: "twice@example.com" } })).status).toBe(
    202,
  );
  await first.ctx.background.settled();
  const line = firstLog.find((entry) => entry.includes("twice@example.com") && entry.includes("reset_link"));
  const link = new URL((JSON.parse(line ?? "{}") as { reset_link?: string }).reset_link ?? "");
  const resetToken = link.searchParams.get("token");

  const attempts = await Promise.all(
    [first, second].map((server, index) =>
      server.api("POST", "/api/auth/password/reset", {
        body: { token: resetToken, new_password: `new-password-${index}-ok` },
      }),
    ),
  );
  expect(attempts.map((attempt) => attempt.status).sort()).toEqual([200, 400]);
  // The second instance forgets the session it cached (announced over Redis, or read from the
  // Revocation table within a second).
  await eventually(async () => (await second.api("GET", "/api/me", { token })).status === 401);
});
