// `pnpm db:migrate`: applies the pending migrations to DATABASE_URL. SQLite (a `file:` URL, or none:
// data/fim.db) through Prisma's own `migrate deploy`, whose history the server's in-process applier
// (src/sqliteMigrations.ts) reads and writes the same way; PostgreSQL with the server's own applier
// (src/postgresMigrations.ts explains why).
import { databaseProvider, describeDatabaseUrl } from "../src/portability.ts";
import { applyPostgresMigrations } from "../src/postgresMigrations.ts";
import { prismaCli } from "./schemaFiles.ts";

const url = process.env.DATABASE_URL ?? "";
try {
  if (url !== "" && databaseProvider(url) === "postgresql") {
    const { applied } = await applyPostgresMigrations(url);
    console.log(
      applied.length > 0
        ? `Applied to ${describeDatabaseUrl(url)}: ${applied.join(", ")}`
        : `${describeDatabaseUrl(url)} is up to date`,
    );
  } else {
    process.stdout.write(prismaCli("sqlite", ["migrate", "deploy"], { DATABASE_URL: url }));
  }
} catch (error) {
  const output = (error as { stderr?: string }).stderr;
  console.error(output || (error instanceof Error ? error.message : error));
  process.exit(1);
}
