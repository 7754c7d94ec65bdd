// The database package: the only place that touches Prisma's generated clients directly.
// Everything else imports `createDb`, the `Db` type and the model types from here. SQLite (a
// `file:` URL) is the default; a `postgresql://` URL selects PostgreSQL, through a client
// generated from the same schema (postgresql/schema.prisma) and the pg driver adapter.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client.ts";
import { PrismaClient } from "./generated/sqlite/client.ts";
import { asUnreachable, databaseProvider } from "./portability.ts";
import { applyPostgresMigrations } from "./postgresMigrations.ts";

export type {
  Agent,
  ApiKey,
  AuditLog,
  Chunk,
  Connector,
  Conversation,
  Document,
  KnowledgeBase,
  Message,
  Prisma,
  Session,
  User,
} from "./generated/sqlite/client.ts";

export {
  type DatabaseProvider,
  DatabaseUnreachableError,
  DatabaseUrlError,
  databaseProvider,
  describeDatabaseUrl,
  serializeWrites,
  textContains,
  textContainsIsExact,
  uniqueViolation,
} from "./portability.ts";

/**
 * The client type every caller sees: the SQLite client's. The PostgreSQL client is generated from
 * the same models and has the same API; it differs only in provider-specific options (transaction
 * isolation levels, `mode` on string filters: see textContains), hence the cast in createDb.
 */
export type Db = PrismaClient;

const packageDir = path.resolve(import.meta.dirname, "..");

/** Opens a Prisma client on a database URL: `file:/path/to/db` (SQLite) or `postgresql://…`. */
export function createDb(url: string): Db {
  if (databaseProvider(url) === "postgresql") {
    // A connection attempt that gets no answer fails after 10 s instead of hanging a request.
    const adapter = new PrismaPg({ connectionString: url, connectionTimeoutMillis: 10_000 });
    return new PostgresClient({ adapter }) as unknown as Db;
  }
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url }) });
}

/**
 * Opens the database the way a server runs it. SQLite: write-ahead logging (readers never wait
 * for the writer, a commit is one append), `synchronous=NORMAL` (durable across a crash of the
 * process; only a power cut can lose the last commits), and a busy timeout for writers from
 * other processes such as the CLI. PostgreSQL: one round trip, so an unreachable server stops the
 * start with a message that says so.
 */
export async function openDb(url: string): Promise<Db> {
  const db = createDb(url);
  if (databaseProvider(url) === "postgresql") {
    await db.$queryRawUnsafe("SELECT 1").catch(async (error: unknown) => {
      await db.$disconnect().catch(() => undefined);
      throw asUnreachable(url, error);
    });
    return db;
  }
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  return db;
}

export interface DatabaseLock {
  release(): void;
}

export class DatabaseInUseError extends Error {
  override name = "DatabaseInUseError";
}

/**
 * Makes sure one server process at a time serves a SQLite database. Its in-process state (the
 * key cache, usage counts, login throttle, runs) is only correct for one process, so a second
 * one refuses to start instead of serving stale answers. The lock is an exclusive lock on a
 * small SQLite file beside the database: the operating system drops it when the process ends,
 * however it ends, so a crash never leaves a stale lock behind.
 */
export function lockDatabase(dbFile: string): DatabaseLock {
  const lockFile = `${dbFile}.server-lock`;
  const ownerFile = `${lockFile}.owner`;
  const lock = new Database(lockFile, { timeout: 0 });
  chmodSync(lockFile, 0o600);
  try {
    lock.pragma("locking_mode = EXCLUSIVE");
    lock.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    let owner = "";
    try {
      const { pid, host } = JSON.parse(readFileSync(ownerFile, "utf8")) as { pid: number; host: string };
      owner = ` (process ${pid} on ${host})`;
    } catch {
      // no owner note: the message goes without it
    }
    throw new DatabaseInUseError(
      `Another FIM One server${owner} is already serving ${dbFile}. Stop it first, or give this server its own DATA_DIR.`,
    );
  }
  writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date() }), {
    mode: 0o600,
  });
  return {
    release() {
      if (lock.open) lock.close();
    },
  };
}

/**
 * Applies pending migrations, recorded in `_prisma_migrations` so Prisma's tooling understands the
 * history. SQLite: Prisma's own `migrate deploy` (JS schema engine, no native binary), run only
 * when the database is not already up to date: its CLI takes about two seconds to start even with
 * nothing to do, which would be most of a server's start. PostgreSQL: applied with `pg` under an
 * advisory lock (see postgresMigrations.ts for why), so several servers may start at once.
 */
export async function applyMigrations(url: string): Promise<void> {
  if (databaseProvider(url) === "postgresql") {
    await applyPostgresMigrations(url).catch((error: unknown) => {
      throw asUnreachable(url, error);
    });
    return;
  }
  if (sqliteUpToDate(url)) return;
  const prismaBin = path.join(packageDir, "node_modules", ".bin", "prisma");
  await promisify(execFile)(prismaBin, ["migrate", "deploy"], {
    cwd: packageDir,
    env: { ...process.env, DATABASE_URL: url },
  });
}

/**
 * Whether a SQLite database has exactly the repository's migrations (prisma/migrations), each
 * finished and recorded with the checksum of its file as it is now: then `migrate deploy` would
 * do nothing. Anything else (no database yet, a migration pending, failed, edited or unknown here)
 * is left to `migrate deploy`, which applies it or says what is wrong. A relative path is read from
 * this package's folder, as the CLI reads it.
 */
export function sqliteUpToDate(url: string): boolean {
  const file = path.resolve(packageDir, url.slice("file:".length).replace(/\?.*$/, ""));
  if (!existsSync(file)) return false;
  const migrationsDir = path.join(packageDir, "migrations");
  const local = new Map(
    readdirSync(migrationsDir)
      .filter((entry) => /^\d{14}_[a-z0-9_]+$/.test(entry))
      .map((name) => [
        name,
        createHash("sha256")
          .update(readFileSync(path.join(migrationsDir, name, "migration.sql")))
          .digest("hex"),
      ]),
  );
  try {
    const db = new Database(file, { fileMustExist: true });
    try {
      const rows = db
        .prepare(`SELECT migration_name, checksum, finished_at FROM _prisma_migrations WHERE rolled_back_at IS NULL`)
        .all() as { migration_name: string; checksum: string; finished_at: unknown }[];
      const recorded = new Map(rows.map((row) => [row.migration_name, row]));
      return (
        rows.length === local.size &&
        [...local].every(([name, checksum]) => {
          const row = recorded.get(name);
          return row !== undefined && row.finished_at !== null && row.checksum === checksum;
        })
      );
    } finally {
      db.close();
    }
  } catch {
    return false; // not a database, or no _prisma_migrations table: nothing was applied to it yet
  }
}
