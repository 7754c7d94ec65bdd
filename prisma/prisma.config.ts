// Prisma CLI configuration: the JS schema engine with the better-sqlite3 driver adapter, so
// `generate` and `migrate deploy` need no native binary from Prisma's download host.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";

const here = import.meta.dirname;
const fallbackUrl = `file:${path.resolve(here, "..", "data", "fim.db")}`;
process.env.DATABASE_URL ||= fallbackUrl;
// The adapter opens the database file even for schema-only commands; its folder must exist.
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl.startsWith("file:")) {
  mkdirSync(path.dirname(path.resolve(here, databaseUrl.slice("file:".length))), { recursive: true });
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(here, "schema.prisma"),
  migrations: { path: path.join(here, "migrations") },
  adapter: async () => new PrismaBetterSQLite3({ url: databaseUrl }),
});
