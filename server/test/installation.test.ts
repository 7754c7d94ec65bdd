// What instances of one deployment must agree on: a server whose secrets are not the ones the
// database was first used with refuses to start (it would refuse every token and key the others
// issued). (Revocations without Redis: test/postgresql/revocationsWithoutRedis.test.ts.)
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { SecretsMismatchError } from "../src/services/installation.ts";
import { ADMIN, startTestServer } from "./harness.ts";
import { createPostgresDatabase, dropPostgresDatabase, testDatabases } from "./support/testDatabases.ts";

const secret = () => randomBytes(48).toString("base64url");
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** Two starts on one database: the same data directory (SQLite) or the same URL (PostgreSQL). */
async function sharedDatabase(): Promise<Record<string, string>> {
  const databases = testDatabases();
  if (databases.provider === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fim-installation-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    copyFileSync(databases.template, path.join(dir, "fim.db"));
    return { DATABASE_URL: `file:${path.join(dir, "fim.db")}` };
  }
  const url = await createPostgresDatabase();
  cleanup.push(() => dropPostgresDatabase(url));
  return { DATABASE_URL: url };
}

describe("secrets", () => {
  test("a server started with other secrets than the database's refuses to start, naming them", async () => {
    const database = await sharedDatabase();
    const secrets = { JWT_SECRET: secret(), API_KEY_SECRET: secret() };
    const first = await startTestServer({ ...database, ...secrets });
    const { key } = await first.createKey((await first.login(ADMIN.email, ADMIN.password)).access_token);
    await first.close();

    await expect(startTestServer({ ...database, ...secrets, JWT_SECRET: secret() })).rejects.toThrow(
      /^JWT_SECRET differs from the secret this database was first used with/,
    );
    await expect(startTestServer({ ...database, JWT_SECRET: secret(), API_KEY_SECRET: secret() })).rejects.toSatisfy(
      (error: Error) =>
        error instanceof SecretsMismatchError && /JWT_SECRET and API_KEY_SECRET differ/.test(error.message),
    );
    // The fingerprint is not the secret.
    const again = await startTestServer({ ...database, ...secrets });
    try {
      const settings = await again.ctx.db.serverSetting.findMany();
      expect(settings.map((row) => row.name).sort()).toEqual(["api_key_secret_fingerprint", "jwt_secret_fingerprint"]);
      for (const row of settings) {
        expect(row.value).toMatch(/^[0-9a-f]{64}$/);
        expect(row.value).not.toContain(secrets.JWT_SECRET);
        expect(row.value).not.toContain(secrets.API_KEY_SECRET);
      }
      // With the right secrets, everything issued before still works.
      expect((await again.api("GET", "/api/auth/verify", { token: key })).status).toBe(200);
    } finally {
      await again.close();
    }
  });
});
