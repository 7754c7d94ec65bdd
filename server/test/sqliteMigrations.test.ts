// A SQLite database's migrations, applied in-process at start: recorded as Prisma's own
// `migrate deploy` records them (its `migrate status` and `migrate deploy` find nothing to do),
// applied once when two processes start at once, all or nothing, keeping the data of an older
// database, and refused when the recorded history needs a person's look first.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { applyMigrations, applySqliteMigrations, MigrationHistoryError, sqliteMigrationsDir } from "@fim/db";
import { migrationHistory, prismaCli } from "@fim/db/schema-files";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FROM_SOURCE } from "./support/serverProcess.ts";

let dir: string;
let count = 0;
const names = migrationHistory("sqlite");

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fim-migrations-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A path for a database file of one test (not created). */
function newFile(): string {
  count += 1;
  return path.join(dir, `${count}.db`);
}

interface HistoryRow {
  id: string;
  checksum: string;
  finished_at: string | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: string | null;
  started_at: string;
  applied_steps_count: number;
}

function history(file: string): HistoryRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT * FROM _prisma_migrations ORDER BY migration_name").all() as HistoryRow[];
  } finally {
    db.close();
  }
}

function run(file: string, sql: string): void {
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

function tables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** A migrations folder holding the repository's first `count` migrations, plus `extra` ones. */
function migrationsFolder(count: number, extra: Record<string, string> = {}): string {
  const folder = mkdtempSync(path.join(dir, "migrations-"));
  for (const name of names.slice(0, count)) {
    cpSync(path.join(sqliteMigrationsDir, name), path.join(folder, name), { recursive: true });
  }
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(path.join(folder, name));
    writeFileSync(path.join(folder, name, "migration.sql"), sql);
  }
  return folder;
}

test("a new database: every migration applied and recorded as Prisma records it; again, nothing changes", async () => {
  const file = newFile();
  expect(await applyMigrations(`file:${file}`)).toEqual({ applied: names, wasEmpty: true });
  const rows = history(file);
  expect(rows.map((row) => row.migration_name)).toEqual(names);
  const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;
  for (const row of rows) {
    const sql = readFileSync(path.join(sqliteMigrationsDir, row.migration_name, "migration.sql"));
    expect(row).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      checksum: createHash("sha256").update(sql).digest("hex"),
      finished_at: expect.stringMatching(timestamp),
      migration_name: row.migration_name,
      logs: null,
      rolled_back_at: null,
      started_at: expect.stringMatching(timestamp),
      applied_steps_count: 1,
    });
  }
  expect(await applyMigrations(`file:${file}`)).toEqual({ applied: [], wasEmpty: false });
  expect(history(file)).toEqual(rows);
});

test("Prisma's own `migrate status` finds the database up to date, and its `migrate deploy` has nothing to do", () => {
  const file = newFile();
  applySqliteMigrations(file);
  const status = prismaCli("sqlite", ["migrate", "status"], { DATABASE_URL: `file:${file}` });
  expect(status).toMatch(/Database schema is up to date!/);
  expect(status).toContain(`${names.length} migration`);
  const before = history(file);
  const deploy = prismaCli("sqlite", ["migrate", "deploy"], { DATABASE_URL: `file:${file}` });
  expect(deploy).toMatch(/No pending migrations to apply/);
  expect(history(file)).toEqual(before);
}, 60_000);

test("a database Prisma's `migrate deploy` migrated (an install from before): nothing to apply", () => {
  const file = newFile();
  prismaCli("sqlite", ["migrate", "deploy"], { DATABASE_URL: `file:${file}` });
  const before = history(file);
  expect(before.map((row) => row.migration_name)).toEqual(names);
  expect(applySqliteMigrations(file)).toEqual({ applied: [], wasEmpty: false });
  expect(history(file)).toEqual(before);
}, 60_000);

test("upgrading an older database keeps its data: a redefined table's children survive", () => {
  expect(names.length).toBeGreaterThan(1);
  const file = newFile();
  expect(applySqliteMigrations(file, { dir: migrationsFolder(1) })).toEqual({
    applied: names.slice(0, 1),
    wasEmpty: true,
  });
  run(
    file,
    `INSERT INTO "User" (id, email, passwordHash, updatedAt) VALUES ('u1', 'ada@example.com', 'x', 0);
     INSERT INTO "KnowledgeBase" (id, userId, name, updatedAt) VALUES ('kb1', 'u1', 'Notes', 0);
     INSERT INTO "Document" (id, knowledgeBaseId, title, content) VALUES ('d1', 'kb1', 'Hello', 'héllo');
     INSERT INTO "Chunk" (id, knowledgeBaseId, documentId, position, content) VALUES ('c1', 'kb1', 'd1', 0, 'héllo');`,
  );
  // Later migrations redefine "Document" (copy, DROP TABLE, rename); "Chunk" cascades from it.
  expect(applySqliteMigrations(file)).toEqual({ applied: names.slice(1), wasEmpty: false });
  const db = new Database(file, { readonly: true });
  try {
    expect(db.prepare(`SELECT id, contentBytes, contentLength FROM "Document"`).all()).toEqual([
      { id: "d1", contentBytes: 6, contentLength: 5 },
    ]);
    expect(db.prepare(`SELECT id, documentId FROM "Chunk"`).all()).toEqual([{ id: "c1", documentId: "d1" }]);
    expect(db.pragma("foreign_key_check")).toEqual([]);
  } finally {
    db.close();
  }
  expect(prismaCli("sqlite", ["migrate", "status"], { DATABASE_URL: `file:${file}` })).toMatch(
    /Database schema is up to date!/,
  );
}, 60_000);

test("a migration that fails leaves the database as it was: nothing applied, nothing recorded", () => {
  const file = newFile();
  const folder = migrationsFolder(names.length, {
    "29990101000000_broken": `CREATE TABLE "Extra" ("id" INTEGER);\nINSERT INTO "NoSuchTable" VALUES (1);\n`,
  });
  expect(() => applySqliteMigrations(file, { dir: folder })).toThrow(
    /SQLite migration 29990101000000_broken failed \(nothing was applied\): no such table: NoSuchTable/,
  );
  expect(tables(file)).toEqual([]);
  // The same on a database that has the others already: they stay, the broken one leaves no trace.
  applySqliteMigrations(file);
  const before = history(file);
  expect(() => applySqliteMigrations(file, { dir: folder })).toThrow(/29990101000000_broken failed/);
  expect(history(file)).toEqual(before);
  expect(tables(file)).not.toContain("Extra");
});

test("two processes migrating one new database at once: each migration applied once, both succeed", async () => {
  const file = newFile();
  const script = `import { applyMigrations } from "@fim/db"; await applyMigrations(${JSON.stringify(`file:${file}`)});`;
  const migrate = () =>
    promisify(execFile)(process.execPath, [...FROM_SOURCE, "--input-type=module", "--eval", script], {
      cwd: path.resolve(import.meta.dirname, ".."),
      timeout: 60_000,
    });
  await Promise.all([migrate(), migrate()]);
  expect(history(file).map((row) => row.migration_name)).toEqual(names);
}, 60_000);

test("a history that needs a look first is refused, with what to do, and the database left alone", () => {
  const migrated = newFile();
  applySqliteMigrations(migrated);
  const last = `(SELECT max(migration_name) FROM _prisma_migrations)`;
  const refused = {
    failed: [
      `UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = ${last}`,
      /did not finish .*prisma migrate resolve/,
    ],
    edited: [
      `UPDATE _prisma_migrations SET checksum = '${"0".repeat(64)}' WHERE migration_name = ${last}`,
      /applied to this database from a migration\.sql that has changed since/,
    ],
    "not ours": [`DROP TABLE _prisma_migrations`, /has tables \(.*\) but no migration history/],
  } as const;
  for (const [name, [change, message]] of Object.entries(refused)) {
    const copy = newFile();
    cpSync(migrated, copy);
    run(copy, change);
    const before = tables(copy).includes("_prisma_migrations") ? history(copy) : [];
    let error: unknown;
    try {
      applySqliteMigrations(copy);
    } catch (caught) {
      error = caught;
    }
    expect([name, error]).toEqual([name, expect.any(MigrationHistoryError)]);
    expect([name, (error as Error).message]).toEqual([name, expect.stringMatching(message)]);
    if (before.length > 0) expect(history(copy)).toEqual(before);
  }
});

test("what Prisma's deploy accepts is accepted: a checksum of the file with CRLF line endings, a newer version's migration", () => {
  const file = newFile();
  applySqliteMigrations(file);
  const [first] = names;
  const sql = readFileSync(path.join(sqliteMigrationsDir, `${first}`, "migration.sql"), "utf8");
  const crlf = createHash("sha256").update(sql.replaceAll("\n", "\r\n")).digest("hex");
  run(
    file,
    `UPDATE _prisma_migrations SET checksum = '${crlf}' WHERE migration_name = '${first}';
     INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
     VALUES ('newer', '${"1".repeat(64)}', '2999-01-01T00:00:00.000+00:00', '29990101000000_of_a_newer_version',
             '2999-01-01T00:00:00.000+00:00', 1);`,
  );
  expect(applySqliteMigrations(file).applied).toEqual([]);
});
