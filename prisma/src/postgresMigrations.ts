// Applies the PostgreSQL migrations (postgresql/migrations) with `pg`, recording each in Prisma's
// own `_prisma_migrations` table exactly as `prisma migrate deploy` would (same columns, sha256 of
// the file as checksum), so Prisma's `migrate status` reads the history as its own.
//
// Why not `prisma migrate deploy`: with adapter-pg 6.x its schema engine fails on the catalog's
// `name` columns ("Column type 'name' could not be deserialized"). The CLI can be made to work with
// a pool that rewrites those column types (postgresql/prisma.config.ts does, for operators), but the
// server would then depend on that patch of adapter internals at every start, and spawn a CLI
// process for it (~1 s). This is a few dozen lines of plain SQL, runs in-process, and holds
// PostgreSQL's advisory lock (the key Prisma's own migrate takes) so that several servers starting
// at once apply each migration exactly once, and never beside a `migrate deploy` run. Reading the
// folder and checking the recorded history is shared with SQLite's migrator (migrationHistory.ts).
import { randomUUID } from "node:crypto";
import path from "node:path";
import { loadPg } from "./drivers.ts";
import { type MigrationResult, pendingMigrations, type RecordedMigration, readMigrations } from "./migrationHistory.ts";

/** The advisory-lock key of Prisma's migrate (so ours and Prisma's exclude each other). */
const MIGRATE_LOCK_KEY = 72707369;

export const postgresMigrationsDir = path.resolve(import.meta.dirname, "..", "postgresql", "migrations");

// The table as Prisma's schema engine creates it on PostgreSQL.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Applies every migration not yet recorded, each in a transaction of its own (PostgreSQL's DDL is
 * transactional: a migration that fails leaves nothing behind).
 */
export async function applyPostgresMigrations(url: string, options: { dir?: string } = {}): Promise<MigrationResult> {
  const migrations = readMigrations(options.dir ?? postgresMigrationsDir);
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  const applied: string[] = [];
  let wasEmpty = false;
  try {
    // Session-level: held across the per-migration transactions, released when we are done.
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const recorded = await client.query<RecordedMigration>(
      `SELECT "migration_name", "checksum", "finished_at", "rolled_back_at" FROM "_prisma_migrations"`,
    );
    wasEmpty = recorded.rows.length === 0;
    for (const migration of pendingMigrations(migrations, recorded.rows, "with --config postgresql/prisma.config.ts")) {
      try {
        await client.query("BEGIN");
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count")
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new Error(`PostgreSQL migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.name);
    }
  } finally {
    // Ending the session releases the advisory lock too, should the unlock not get through.
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK_KEY]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  return { applied, wasEmpty };
}
