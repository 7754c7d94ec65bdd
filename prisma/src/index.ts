// The database package: the only place that touches Prisma's generated clients directly.
// Everything else imports `createDb`, the `Db` type and the model types from here. SQLite (a
// `file:` URL) is the default; a `postgresql://` URL selects PostgreSQL, through a client
// generated from the same schema (postgresql/schema.prisma) and the pg driver adapter.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type DirectReads, postgresReads, sqliteReads } from "./directReads.ts";
import { type DirectWrites, postgresWrites, sqliteWrites } from "./directWrites.ts";
import { postgresAdapter, sqliteAdapter, sqliteDatabase } from "./drivers.ts";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client.ts";
import { PrismaClient } from "./generated/sqlite/client.ts";
import type { MigrationResult } from "./migrationHistory.ts";
import { asUnreachable, databaseProvider } from "./portability.ts";
import { applyPostgresMigrations } from "./postgresMigrations.ts";
import { applySqliteMigrations } from "./sqliteMigrations.ts";

export type { DirectReads, DirectRow } from "./directReads.ts";
export type { DirectStatement, DirectWrites } from "./directWrites.ts";
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
export { MigrationHistoryError, type MigrationResult } from "./migrationHistory.ts";
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
export { applySqliteMigrations, sqliteMigrationsDir } from "./sqliteMigrations.ts";

/**
 * The client type every caller sees: the SQLite client's. The PostgreSQL client is generated from
 * the same models and has the same API; it differs only in provider-specific options (transaction
 * isolation levels, `mode` on string filters: see textContains), hence the cast in createDb.
 */
export type Db = PrismaClient;

/** Opens a Prisma client on a database URL: `file:/path/to/db` (SQLite) or `postgresql://…`. */
export function createDb(url: string): Db {
  const postgres = databaseProvider(url) === "postgresql";
  const db = postgres
    ? (new PostgresClient({ adapter: postgresAdapter(url) }) as unknown as Db)
    : new PrismaClient({ adapter: sqliteAdapter(url) });
  const reads = postgres ? postgresReads(url) : sqliteReads(sqliteFilePath(url));
  const writes = postgres ? postgresWrites(url) : sqliteWrites(sqliteFilePath(url));
  direct.set(db, { reads, writes });
  // The direct reader's and writer's connections close with the client's.
  const disconnect = db.$disconnect.bind(db);
  db.$disconnect = async () => {
    await reads.close().catch(() => undefined);
    await writes.close().catch(() => undefined);
    await disconnect();
  };
  return db;
}

const direct = new WeakMap<Db, { reads: DirectReads; writes: DirectWrites }>();

function directOf(db: Db) {
  const found = direct.get(db);
  if (!found) throw new Error("direct reads and writes: this client was not made by createDb");
  return found;
}

/** The reads through the driver itself that go with a client made by createDb (see directReads.ts). */
export function directReads(db: Db): DirectReads {
  return directOf(db).reads;
}

/** The writes through the driver itself that go with a client made by createDb (see directWrites.ts). */
export function directWrites(db: Db): DirectWrites {
  return directOf(db).writes;
}

/** The database file behind a SQLite URL (`file:/path/db?…`), as an absolute path. */
export function sqliteFilePath(url: string): string {
  return path.resolve(url.slice("file:".length).replace(/\?.*$/, ""));
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
  const Database = sqliteDatabase();
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
 * Applies pending migrations, recorded in `_prisma_migrations` as Prisma's `migrate deploy` records
 * them, so Prisma's tooling understands the history. Both in-process,
 * under a lock, so that processes starting at once apply each migration once: SQLite in one
 * IMMEDIATE transaction (sqliteMigrations.ts), PostgreSQL under Prisma's advisory lock
 * (postgresMigrations.ts). A relative SQLite path is read from the working directory, as the
 * client reads it.
 */
export async function applyMigrations(url: string): Promise<MigrationResult> {
  if (databaseProvider(url) === "postgresql") {
    return await applyPostgresMigrations(url).catch((error: unknown) => {
      throw asUnreachable(url, error);
    });
  }
  return applySqliteMigrations(sqliteFilePath(url));
}
