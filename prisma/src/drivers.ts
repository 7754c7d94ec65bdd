// The database drivers, each loaded the first time it is needed rather than with this package: a
// server uses one database, and loading the other one's driver (`pg` and its adapter alone take
// about a tenth of a start) would only slow every start down.
import { createRequire } from "node:module";
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";
import type BetterSqlite3 from "better-sqlite3";

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
