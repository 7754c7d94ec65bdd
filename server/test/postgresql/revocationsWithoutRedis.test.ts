// Without Redis, instances of a PostgreSQL deployment still agree on revocations: each writes
// them to a table every instance reads each second, so a key deleted through one instance is
// refused by the other within a second by the database alone (and a session logged out).
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { eventually } from "../support/sse.ts";
import { createPostgresDatabase, dropPostgresDatabase } from "../support/testDatabases.ts";

const secret = () => randomBytes(48).toString("base64url");
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function sharedDatabase(): Promise<Record<string, string>> {
  const url = await createPostgresDatabase();
  cleanup.push(() => dropPostgresDatabase(url));
  return { DATABASE_URL: url };
}

describe("revocations without Redis", () => {
  test("a key deleted and a session ended through one instance are refused by the other within a second, by the database alone", async () => {
    const database = await sharedDatabase();
    const env = { ...database, JWT_SECRET: secret(), API_KEY_SECRET: secret() };
    const a: TestServer = await startTestServer(env);
    const b: TestServer = await startTestServer(env);
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    const token = (await a.login(ADMIN.email, ADMIN.password)).access_token;
    const { key, id } = await a.createKey(token, { name: "revoked everywhere" });
    for (let i = 0; i < 3; i++) expect((await b.api("GET", "/api/auth/verify", { token: key })).status).toBe(200);
    expect(b.ctx.shared.enabled).toBe(false);

    const deletedAt = Date.now();
    await a.api("DELETE", `/api/me/api-keys/${id}`, { token });
    await eventually(async () => (await b.api("GET", "/api/auth/verify", { token: key })).status === 401, 1500);
    expect(Date.now() - deletedAt).toBeLessThan(1500);

    // A login session too: logged out through one, refused by the other (which cached it).
    const other = await a.login(ADMIN.email, ADMIN.password);
    for (let i = 0; i < 3; i++) expect((await b.api("GET", "/api/me", { token: other.access_token })).status).toBe(200);
    const loggedOutAt = Date.now();
    expect((await a.api("POST", "/api/auth/logout", { token: other.access_token })).status).toBe(204);
    await eventually(async () => (await b.api("GET", "/api/me", { token: other.access_token })).status === 401, 1500);
    expect(Date.now() - loggedOutAt).toBeLessThan(1500);
  });
});
