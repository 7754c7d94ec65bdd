// On PostgreSQL, the history the server applies is the one Prisma's own tooling reads as
// complete: `prisma migrate status` finds a database the server migrated up to date. A history
// that needs a person's look (a migration applied from a file changed since) stops the start.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations, MigrationHistoryError } from "@fim/db";
import { migrationHistory, prismaCli } from "@fim/db/schema-files";
import pg from "pg";
import { expect, test } from "vitest";
import { processDatabase } from "../harness.ts";

test("Prisma's own `migrate status` finds a database the server migrated up to date", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fim-migrate-status-"));
  const database = await processDatabase(dir);
  try {
    const output = prismaCli("postgresql", ["migrate", "status"], { DATABASE_URL: database.url });
    expect(output).toMatch(/Database schema is up to date!/);
    expect(output).toContain(`${migrationHistory("postgresql").length} migration`);
  } finally {
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test("a migration applied from a file that has changed since stops the start, saying which", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fim-migrate-edited-"));
  const database = await processDatabase(dir);
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    const [first] = migrationHistory("postgresql");
    await client.query(`UPDATE "_prisma_migrations" SET "checksum" = $1 WHERE "migration_name" = $2`, [
      "0".repeat(64),
      first,
    ]);
    const refused = applyMigrations(database.url);
    await expect(refused).rejects.toBeInstanceOf(MigrationHistoryError);
    await expect(refused).rejects.toThrow(`The migration ${first} was applied to this database from a migration.sql`);
  } finally {
    await client.end();
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
