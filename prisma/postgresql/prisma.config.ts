// Prisma CLI configuration for PostgreSQL (`prisma … --config postgresql/prisma.config.ts`).
// Without a postgresql:// DATABASE_URL the adapter is a stub that never connects: `generate` and
// the schema-to-schema `migrate diff` that authors migrations then work offline. With one, the
// adapter is adapter-pg over a pool that reads the catalog's `name` and `"char"` columns as text
// (adapter-pg 6.x cannot map them, and the schema engine reads them), so an operator can run
// `migrate status` (or `migrate deploy`) against a real database. The server itself applies
// migrations with `pg` (src/postgresMigrations.ts).
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

const here = import.meta.dirname;
const OFFLINE_URL = "postgresql://offline.invalid/fim";

const given = process.env.DATABASE_URL ?? "";
const online = /^postgres(ql)?:\/\//.test(given);
// The schema's `url = env("DATABASE_URL")` must look like PostgreSQL even offline.
if (!online) process.env.DATABASE_URL = OFFLINE_URL;

// OIDs of the catalog types adapter-pg 6.x cannot map, and what they are read as instead.
const AS_TEXT: Record<number, number> = { 19: 25, 18: 25, 1003: 1009, 1002: 1009 };
// text[]: pg-types parses it, but its TypeId list names no array types.
const parseTextArray = pg.types.getTypeParser(1009 as Parameters<typeof pg.types.getTypeParser>[0]);

interface Field {
  dataTypeID: number;
}

/** A pool whose results report `name`/`"char"` (and their arrays) as text/text[]. */
function catalogTextPool(connectionString: string): pg.Pool {
  // allowExitOnIdle: the CLI ends when its work is done, not when idle connections time out.
  const pool = new pg.Pool({ connectionString, max: 2, allowExitOnIdle: true });
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<{ fields: Field[]; rows: unknown[][] }>;
  const patched = async (...args: unknown[]) => {
    const result = await query(...args);
    result.fields?.forEach((field, column) => {
      const replacement = AS_TEXT[field.dataTypeID];
      if (replacement === undefined) return;
      if (replacement === 1009) {
        for (const row of result.rows) {
          if (Array.isArray(row) && typeof row[column] === "string") row[column] = parseTextArray(row[column]);
        }
      }
      field.dataTypeID = replacement;
    });
    return result;
  };
  (pool as unknown as { query: typeof patched }).query = patched;
  return pool;
}

function offline(what: string): never {
  throw new Error(
    `Offline PostgreSQL stub: cannot ${what}. Set DATABASE_URL=postgresql://… for commands that need a server ` +
      "(offline, only `generate` and schema-to-schema `migrate diff` work)",
  );
}

/**
 * What the schema engine gets offline: an adapter that never opens a connection. A schema-to-
 * schema diff only asks which server it talks to (answered: PostgreSQL 15, schema present) and
 * reads nothing else; anything more fails with a clear message.
 */
const stubAdapter = {
  provider: "postgres" as const,
  adapterName: "@prisma/adapter-pg",
  connect: async () => ({
    provider: "postgres" as const,
    adapterName: "@prisma/adapter-pg",
    getConnectionInfo: () => ({ schemaName: "public", supportsRelationJoins: true }),
    queryRaw: async (query: { sql: string }) => {
      if (!/^SELECT EXISTS\(SELECT 1 FROM pg_namespace/.test(query.sql)) offline(`run ${query.sql.slice(0, 60)}…`);
      // Boolean, Text, Int32 (driver-adapter-utils' ColumnTypeEnum)
      return {
        columnNames: ["exists", "version", "numeric_version"],
        columnTypes: [5, 7, 0],
        rows: [[true, "PostgreSQL 15.0 (offline stub)", 150000]],
      };
    },
    executeRaw: async (query: { sql: string }) => offline(`run ${query.sql.slice(0, 60)}…`),
    executeScript: async () => offline("run a script"),
    startTransaction: async () => offline("start a transaction"),
    dispose: async () => undefined,
  }),
  connectToShadowDb: async () => offline("create a shadow database"),
};

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(here, "schema.prisma"),
  migrations: { path: path.join(here, "migrations") },
  adapter: async () => (online ? new PrismaPg(catalogTextPool(given)) : stubAdapter),
});
