// The database drivers, each loaded the first time it is needed rather than with this package: a
// server uses one database, and loading the other one's driver (`pg` and its adapter alone take
// about a tenth of a start) would only slow every start down.
import { createRequire } from "node:module";
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";

const requirePackage = createRequire(import.meta.url);

/** better-sqlite3's Database class (a CommonJS package: loaded synchronously, on the first call). */
export function sqliteDatabase(): typeof BetterSqlite3 {
  return requirePackage("better-sqlite3") as typeof BetterSqlite3;
}

/**
 * A driver adapter factory whose package is loaded on the first connection. Making a Prisma client
 * reads only `provider` and `adapterName` (to check them against the schema); `connect` comes with
 * the first query.
 */
function adapterOnFirstConnection(
  provider: SqlDriverAdapterFactory["provider"],
  adapterName: string,
  load: () => Promise<SqlDriverAdapterFactory>,
): SqlDriverAdapterFactory {
  let factory: Promise<SqlDriverAdapterFactory> | undefined;
  return {
    provider,
    adapterName,
    connect: async () => {
      factory ??= load();
      return (await factory).connect();
    },
  };
}

/** @prisma/adapter-better-sqlite3 on a `file:` URL. */
export function sqliteAdapter(url: string): SqlDriverAdapterFactory {
  return adapterOnFirstConnection("sqlite", "@prisma/adapter-better-sqlite3", async () => {
    const { PrismaBetterSQLite3 } = await import("@prisma/adapter-better-sqlite3");
    return new PrismaBetterSQLite3({ url });
  });
}

/** @prisma/adapter-pg (over `pg`) on a `postgresql://` URL. */
export function postgresAdapter(url: string): SqlDriverAdapterFactory {
  return adapterOnFirstConnection("postgres", "@prisma/adapter-pg", async () => {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    // A connection attempt that gets no answer fails after 10 s instead of hanging a request.
    return new PrismaPg({ connectionString: url, connectionTimeoutMillis: 10_000 });
  });
}

/** The `pg` package, for the PostgreSQL migrator. */
export async function loadPg(): Promise<typeof import("pg").default> {
  return (await import("pg")).default;
}

/**
 * A connection of its own on a SQLite file, opened on first use, with each statement prepared once.
 * Statements are written with PostgreSQL's `$1` placeholders, which SQLite reads as named
 * parameters (`@p1`; see sqliteParameters), so one text serves both databases.
 */
export function sqliteConnection(
  file: string,
  options: BetterSqlite3.Options,
  setUp: (connection: BetterSqlite3.Database) => void = () => undefined,
) {
  let connection: BetterSqlite3.Database | undefined;
  const statements = new Map<string, BetterSqlite3.Statement>();
  const open = () => {
    if (!connection) {
      connection = new (sqliteDatabase())(file, options);
      setUp(connection);
    }
    return connection;
  };
  return {
    open,
    statement(sql: string): BetterSqlite3.Statement {
      let statement = statements.get(sql);
      if (!statement) {
        statement = open().prepare(sql.replace(/\$(\d+)/g, "@p$1"));
        statements.set(sql, statement);
      }
      return statement;
    },
    close(): void {
      statements.clear();
      connection?.close();
      connection = undefined;
    },
  };
}

/** `$1`, `$2`, … values as the named parameters (`p1`, `p2`, …) of a sqliteConnection statement. */
export function sqliteParameters(
  params: readonly unknown[],
  convert: (value: unknown) => unknown = (value) => value,
): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  params.forEach((value, i) => {
    named[`p${i + 1}`] = convert(value);
  });
  return named;
}

/**
 * A small `pg` pool of its own (two connections), made on first use, with each statement named by
 * its text (`<prefix>_<n>`) so that it is prepared once per connection.
 */
export function postgresPool(url: string, prefix: string, onLoad: (driver: typeof pg) => void = () => undefined) {
  let pool: Promise<pg.Pool> | undefined;
  const names = new Map<string, string>();
  return {
    pool(): Promise<pg.Pool> {
      pool ??= loadPg().then((driver) => {
        onLoad(driver);
        const opened = new driver.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
        // An idle connection the server drops (a restart) is replaced on the next use; without a
        // listener its error would end the process.
        opened.on("error", () => undefined);
        return opened;
      });
      return pool;
    },
    nameOf(sql: string): string {
      let name = names.get(sql);
      if (!name) {
        name = `${prefix}_${names.size + 1}`;
        names.set(sql, name);
      }
      return name;
    },
    async close(): Promise<void> {
      const open = pool;
      pool = undefined;
      await (await open)?.end();
    },
  };
}
