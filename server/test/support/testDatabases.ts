// The databases of a test run. The suite runs once per database ("leg", chosen by the vitest
// project: FIM_TEST_DATABASE): SQLite copies a migrated template file into each test server's data
// directory; PostgreSQL creates a database per test server from a migrated template database
// (CREATE DATABASE … TEMPLATE: ~40 ms) and drops it when the server closes. Every name of a run
// starts with the run's prefix, so the global teardown can drop whatever a failed test left, and
// runs at the same time never meet.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createClient } from "@redis/client";
import pg from "pg";
import { inject } from "vitest";

export type TestDatabaseProvider = "sqlite" | "postgresql";

export type TestDatabases =
  | { provider: "sqlite" /** A migrated SQLite file to copy. */; template: string }
  | {
      provider: "postgresql";
      /** A database to connect to for CREATE / DROP DATABASE (never one of ours). */
      adminUrl: string;
      /** The migrated template database of this run. */
      template: string;
      /** Prefix of every database of this run. */
      prefix: string;
    };

declare module "vitest" {
  export interface ProvidedContext {
    database: TestDatabases;
  }
}

/** Which database this leg of the suite runs against. */
export function testDatabases(): TestDatabases {
  return inject("database");
}

export function testProvider(): TestDatabaseProvider {
  return testDatabases().provider;
}

/** The URL of database `name` on the server behind `adminUrl`. */
export function postgresUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Runs statements on the PostgreSQL server behind `adminUrl`, over a connection of their own. */
export async function adminQuery(adminUrl: string, ...statements: string[]): Promise<pg.QueryResult[]> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const results = [];
    for (const statement of statements) results.push(await client.query(statement));
    return results;
  } finally {
    await client.end();
  }
}

let created = 0;

/**
 * A new PostgreSQL database of this run: a copy of the migrated template, or empty (`empty: true`,
 * for tests of what a server does on a fresh database). Returns its URL.
 */
export async function createPostgresDatabase(options: { empty?: boolean } = {}): Promise<string> {
  const databases = testDatabases();
  if (databases.provider !== "postgresql") throw new Error("not the PostgreSQL leg of the suite");
  const name = `${databases.prefix}${process.pid}_${++created}`;
  const template = options.empty ? "template0" : databases.template;
  await adminQuery(
    databases.adminUrl,
    `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}`,
  );
  return postgresUrl(databases.adminUrl, name);
}

/** Drops a database made by createPostgresDatabase, whoever is still connected to it. */
export async function dropPostgresDatabase(url: string): Promise<void> {
  const databases = testDatabases();
  if (databases.provider !== "postgresql") return;
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name.startsWith(databases.prefix)) throw new Error(`not a database of this test run: ${name}`);
  await adminQuery(databases.adminUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
}

/** Removes every key under `prefix` from the tests' Redis (127.0.0.1:6379), as a test that used it ends. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = createClient({ url: "redis://127.0.0.1:6379" });
  await redis.connect();
  for (const key of await redis.keys(`${prefix}*`)) await redis.del(key);
  await redis.close();
}

export interface ProcessDatabase {
  /** Environment for the server or CLI process: nothing for SQLite (DATA_DIR decides), DATABASE_URL for PostgreSQL. */
  env: Record<string, string>;
  /** The database's URL, to look into it from the test. */
  url: string;
  dispose(): Promise<void>;
}

/**
 * A database for a server started as a process (or the CLI), on this leg's provider: SQLite in
 * `dataDir` (as `pnpm start` makes it), or a fresh PostgreSQL database (migrated, unless `empty`).
 */
export async function processDatabase(dataDir: string, options: { empty?: boolean } = {}): Promise<ProcessDatabase> {
  if (testProvider() === "sqlite") {
    return { env: {}, url: `file:${path.join(dataDir, "fim.db")}`, dispose: async () => undefined };
  }
  const url = await createPostgresDatabase(options);
  return { env: { DATABASE_URL: url }, url, dispose: () => dropPostgresDatabase(url) };
}

/**
 * Everything the database holds, as text, for "no plaintext secret at rest" checks. SQLite: the
 * bytes of the database file and its write-ahead log. PostgreSQL: every row of every table of
 * ours, as PostgreSQL prints it (`row::text`).
 */
export async function databaseText(url: string): Promise<string> {
  if (url.startsWith("file:")) {
    const file = url.slice("file:".length);
    const wal = (() => {
      try {
        return readFileSync(`${file}-wal`).toString("latin1");
      } catch {
        return "";
      }
    })();
    return readFileSync(file).toString("latin1") + wal;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    let text = "";
    for (const { name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${quoteIdentifier(name)} t`);
      for (const { row } of rows.rows) text += `${name}: ${row}\n`;
    }
    return text;
  } finally {
    await client.end();
  }
}
