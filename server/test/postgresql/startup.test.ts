// Starting on PostgreSQL: several servers starting at once on an empty database migrate it once
// and create one first admin; an unreachable server or an unsupported URL stops the start with a
// message that says so.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations, createDb } from "@fim/db";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startServer } from "../../src/server.ts";
import { processDatabase } from "../harness.ts";
import { refusedStart } from "../support/serverProcess.ts";

/** The secrets every instance of one deployment shares. */
function sharedSecrets(): { JWT_SECRET: string; API_KEY_SECRET: string } {
  return { JWT_SECRET: randomBytes(48).toString("base64url"), API_KEY_SECRET: randomBytes(48).toString("base64url") };
}

describe("starting on PostgreSQL", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fim-providers-"));
    dirs.push(dir);
    return dir;
  };

  test("servers starting at once on an empty database: migrated once, one admin, all serving", async () => {
    const database = await processDatabase(dataDir(), { empty: true });
    try {
      // Instances of one deployment share their secrets (a server with others refuses to start).
      const env = {
        ...database.env,
        ...sharedSecrets(),
        ADMIN_EMAIL: "first@example.com",
        ADMIN_PASSWORD: "first-password-1",
      };
      const servers = await Promise.all(
        Array.from({ length: 3 }, () =>
          startServer({
            config: loadConfig({ DATA_DIR: dataDir(), PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", ...env }),
            logger: createLogger("silent"),
          }),
        ),
      );
      try {
        for (const running of servers) {
          const health = await fetch(`${running.url}/api/health`);
          expect(health.status).toBe(200);
        }
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const migrations = await client.query(
            `SELECT migration_name, finished_at IS NOT NULL AS done FROM "_prisma_migrations" ORDER BY migration_name`,
          );
          const names = new Set(migrations.rows.map((row) => row.migration_name));
          expect(names.size).toBe(migrations.rows.length); // each applied once
          expect(migrations.rows.every((row) => row.done)).toBe(true);
          const admins = await client.query(`SELECT email, role FROM "User"`);
          expect(admins.rows).toEqual([{ email: "first@example.com", role: "admin" }]);
        } finally {
          await client.end();
        }
        // Applying again is a no-op.
        await applyMigrations(database.url);
      } finally {
        await Promise.all(servers.map((running) => running.stop()));
      }
    } finally {
      await database.dispose();
    }
  });

  test("servers starting at once on an empty database without ADMIN_*: one first-run admin, printed once", async () => {
    const database = await processDatabase(dataDir(), { empty: true });
    try {
      const printed: string[] = [];
      const secrets = sharedSecrets();
      const servers = await Promise.all(
        Array.from({ length: 3 }, () =>
          startServer({
            config: loadConfig({
              DATA_DIR: dataDir(),
              PORT: "0",
              HOST: "127.0.0.1",
              LOG_LEVEL: "silent",
              ...database.env,
              ...secrets,
            }),
            logger: createLogger("silent"),
            onFirstAdmin: ({ email }) => printed.push(email),
          }),
        ),
      );
      await Promise.all(servers.map((running) => running.stop()));
      expect(printed).toEqual(["admin@localhost"]);
    } finally {
      await database.dispose();
    }
  });

  test("an unreachable server or an unsupported URL stops the start with a message that says so", async () => {
    const unreachable = await refusedStart({
      DATA_DIR: dataDir(),
      DATABASE_URL: "postgresql://postgres@127.0.0.1:1/fim",
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toMatch(/Cannot connect to the PostgreSQL database \\"fim\\" on 127\.0\.0\.1:1/);
    const wrongScheme = await refusedStart({ DATA_DIR: dataDir(), DATABASE_URL: "mysql://root@127.0.0.1/fim" });
    expect(wrongScheme.code).toBe(1);
    expect(wrongScheme.output).toMatch(/DATABASE_URL uses the scheme "mysql:"; FIM One supports SQLite/);
    expect(() => createDb("postgresql://")).toThrow(/names no PostgreSQL host/);
  }, 60_000);
});
