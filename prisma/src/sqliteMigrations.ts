// Applies the SQLite migrations (migrations/) with better-sqlite3, recording each in Prisma's own
// `_prisma_migrations` table exactly as `prisma migrate deploy` would (same table, same values), so
// Prisma's `migrate status` and `migrate deploy` read the history as their own.
//
// Why not `prisma migrate deploy`: its CLI takes over two seconds to start, most of a server's first
// start, for what is a few statements here. Unlike it, this applies every pending migration in one
// IMMEDIATE transaction: that holds SQLite's write lock, so two processes starting at once (a server
// and `pnpm cli`) cannot both apply a migration, and one that fails leaves the database as it was
// (Prisma's deploy runs the scripts outside a transaction and records the failure for a person to
// resolve).
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import { sqliteDatabase } from "./drivers.ts";
import {
  type LocalMigration,
  MigrationHistoryError,
  type MigrationResult,
  pendingMigrations,
  type RecordedMigration,
  readMigrations,
} from "./migrationHistory.ts";

export const sqliteMigrationsDir = path.resolve(import.meta.dirname, "..", "migrations");

// The table as Prisma's schema engine creates it on SQLite.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/** How long to wait for another process's write (say, its migrations) before giving up. */
const LOCK_WAIT_MS = 60_000;

const RESOLVE_WITH = "in prisma/, with DATABASE_URL=file:<the database>";

/**
 * Applies every migration the database file has not recorded (creating the file when there is
 * none). Refuses a history that needs a person's look first (MigrationHistoryError: see
 * pendingMigrations), and a database that has tables but no history.
 */
export function applySqliteMigrations(file: string, options: { dir?: string } = {}): MigrationResult {
  const migrations = readMigrations(options.dir ?? sqliteMigrationsDir);
  const existed = existsSync(file);
  const Sqlite = sqliteDatabase();
  const db = new Sqlite(file, { timeout: LOCK_WAIT_MS });
  try {
    // Most starts find nothing to do: a plain read answers that without the write lock (and works
    // on a database file that is read-only).
    if (existed && pending(db, migrations).todo.length === 0) return { applied: [], wasEmpty: false };
    // Prisma's scripts that redefine a table switch foreign keys off around it with a PRAGMA, which
    // SQLite ignores inside a transaction; with them on, `DROP TABLE "Document"` would delete every
    // Chunk (ON DELETE CASCADE). So off for this connection before the transaction, and checked
    // before it commits.
    db.pragma("foreign_keys = OFF");
    try {
      db.exec("BEGIN IMMEDIATE");
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
      throw new Error(
        `Another process kept the SQLite database ${file} locked for writing for over ${LOCK_WAIT_MS / 1000} s; ` +
          "migrations were not applied",
        { cause: error },
      );
    }
    try {
      // Read again under the lock: another process may have applied them meanwhile.
      const { todo, wasEmpty } = pending(db, migrations, { create: true });
      for (const migration of todo) apply(db, migration);
      const broken = db.pragma("foreign_key_check") as { table: string; parent: string }[];
      if (broken.length > 0) {
        const first = broken[0];
        throw new Error(
          `SQLite migrations ${todo.map((migration) => migration.name).join(", ")} left ${broken.length} row(s) ` +
            `referring to missing rows (first: ${first?.table} → ${first?.parent}); nothing was applied`,
        );
      }
      db.exec("COMMIT");
      return { applied: todo.map((migration) => migration.name), wasEmpty };
    } finally {
      if (db.inTransaction) db.exec("ROLLBACK");
    }
  } finally {
    db.close();
  }
}

/**
 * The migrations still to apply, from `_prisma_migrations` (created, in a transaction, if asked),
 * and whether none was recorded yet.
 */
function pending(
  db: Database.Database,
  migrations: LocalMigration[],
  options: { create?: boolean } = {},
): { todo: LocalMigration[]; wasEmpty: boolean } {
  const hasHistory = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`);
  if (hasHistory.get() === undefined) {
    if (!options.create) return { todo: migrations, wasEmpty: true };
    // As Prisma's deploy does (P3005): tables made some other way are not ours to migrate.
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`)
      .pluck()
      .all() as string[];
    if (tables.length > 0) {
      throw new MigrationHistoryError(
        `The SQLite database ${db.name} has tables (${tables.slice(0, 3).join(", ")}${tables.length > 3 ? ", …" : ""}) ` +
          "but no migration history (_prisma_migrations): it was not made by FIM One's migrations. Give the server " +
          "a database of its own (DATA_DIR or DATABASE_URL).",
      );
    }
    db.exec(CREATE_MIGRATIONS_TABLE);
    return { todo: migrations, wasEmpty: true };
  }
  const recorded = db
    .prepare(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations`)
    .all() as RecordedMigration[];
  return { todo: pendingMigrations(migrations, recorded, RESOLVE_WITH), wasEmpty: recorded.length === 0 };
}

/** Prisma's timestamps on SQLite: RFC 3339 text in UTC, to the millisecond, `+00:00`. */
function timestamp(): string {
  return new Date().toISOString().replace(/Z$/, "+00:00");
}

function apply(db: Database.Database, migration: LocalMigration): void {
  const startedAt = timestamp();
  try {
    db.exec(migration.sql);
  } catch (error) {
    throw new Error(`SQLite migration ${migration.name} failed (nothing was applied): ${(error as Error).message}`, {
      cause: error,
    });
  }
  // The row Prisma's deploy leaves for a migration it applied: one step, no logs, not rolled back.
  db.prepare(
    `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
     VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
  ).run(randomUUID(), migration.checksum, timestamp(), migration.name, startedAt);
}
