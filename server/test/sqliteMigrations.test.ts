// A SQLite database's migrations at start: Prisma's `migrate deploy` runs only when there is
// something to do (its CLI takes seconds to start), and anything unusual is still left to it.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations, sqliteUpToDate } from "@fim/db";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, test } from "vitest";

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fim-migrations-"));
  file = path.join(dir, "fim.db");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function history(dbFile: string): unknown[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare("SELECT * FROM _prisma_migrations ORDER BY migration_name").all();
  } finally {
    db.close();
  }
}

test("a missing database is not up to date; once migrated it is, and migrating again changes nothing", async () => {
  expect(sqliteUpToDate(`file:${file}`)).toBe(false);
  await applyMigrations(`file:${file}`);
  expect(sqliteUpToDate(`file:${file}`)).toBe(true);
  const before = history(file);
  expect(before.length).toBeGreaterThan(0);
  await applyMigrations(`file:${file}`);
  expect(history(file)).toEqual(before);
});

test("a pending, failed, edited or unknown migration is left to migrate deploy", () => {
  const last = `(SELECT max(migration_name) FROM _prisma_migrations)`;
  const cases = {
    pending: `DELETE FROM _prisma_migrations WHERE migration_name = ${last}`,
    failed: `UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = ${last}`,
    edited: `UPDATE _prisma_migrations SET checksum = 'x' WHERE migration_name = ${last}`,
    unknown: `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
              VALUES ('newer', 'x', '29990101000000_of_a_newer_version', 0, 0, 1)`,
    "not a database": null,
  };
  for (const [name, change] of Object.entries(cases)) {
    const copy = path.join(dir, `${name}.db`);
    copyFileSync(change === null ? path.join(import.meta.dirname, "..", "package.json") : file, copy);
    if (change !== null) {
      const db = new Database(copy);
      db.exec(change);
      db.close();
    }
    expect([name, sqliteUpToDate(`file:${copy}`)]).toEqual([name, false]);
  }
  // And the original, untouched, still is.
  expect(sqliteUpToDate(`file:${file}`)).toBe(true);
});
