// Where each provider's schema, migrations and CLI configuration live, and how the PostgreSQL
// schema is made from the one source (`schema.prisma`, SQLite). Prisma cannot take `provider`
// from env(), so PostgreSQL needs a file of its own; it is generated, never edited by hand.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export type DatabaseProvider = "sqlite" | "postgresql";

export const packageDir = path.resolve(import.meta.dirname, "..");
const prismaBin = path.join(packageDir, "node_modules", ".bin", "prisma");

export const PROVIDERS: readonly DatabaseProvider[] = ["sqlite", "postgresql"];

export interface ProviderFiles {
  schema: string;
  migrations: string;
  /** The Prisma CLI configuration (`--config`) for this provider. */
  config: string;
}

export const providerFiles: Record<DatabaseProvider, ProviderFiles> = {
  sqlite: {
    schema: path.join(packageDir, "schema.prisma"),
    migrations: path.join(packageDir, "migrations"),
    config: path.join(packageDir, "prisma.config.ts"),
  },
  postgresql: {
    schema: path.join(packageDir, "postgresql", "schema.prisma"),
    migrations: path.join(packageDir, "postgresql", "migrations"),
    config: path.join(packageDir, "postgresql", "prisma.config.ts"),
  },
};

const HEADER = [
  "// GENERATED from ../schema.prisma by `pnpm db:generate` (prisma/scripts/generate.ts): do not edit.",
  "// Only the datasource provider and the generated client's output differ from the source.",
  "",
].join("\n");

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`)) ?? [];
  if (matches.length !== 1) throw new Error(`schema.prisma: expected exactly one ${what}, found ${matches.length}`);
  return text.replace(pattern, replacement);
}

/** The PostgreSQL schema for a SQLite source schema (the text of `schema.prisma`). */
export function postgresSchemaFrom(source: string): string {
  let schema = replaceOnce(source, /provider\s*=\s*"sqlite"/, 'provider = "postgresql"', 'provider = "sqlite"');
  // The file sits one folder down; its client goes beside the SQLite one (src/generated is git-ignored).
  schema = replaceOnce(
    schema,
    /output(\s*)=\s*"\.\/src\/generated\/sqlite"/,
    'output$1= "../src/generated/postgresql"',
    'output = "./src/generated/sqlite"',
  );
  return HEADER + schema;
}

/** A provider's migration folders (`<14-digit timestamp>_<name>`), oldest first. */
export function migrationHistory(provider: DatabaseProvider): string[] {
  try {
    return readdirSync(providerFiles[provider].migrations)
      .filter((entry) => /^\d{14}_[a-z0-9_]+$/.test(entry))
      .sort();
  } catch {
    return [];
  }
}

/** Brings postgresql/schema.prisma up to date with schema.prisma; true when it had to be rewritten. */
export function writePostgresSchema(): boolean {
  const rendered = postgresSchemaFrom(readFileSync(providerFiles.sqlite.schema, "utf8"));
  let current = "";
  try {
    current = readFileSync(providerFiles.postgresql.schema, "utf8");
  } catch {
    // not there yet: written below
  }
  if (current === rendered) return false;
  writeFileSync(providerFiles.postgresql.schema, rendered);
  return true;
}

/** Runs the Prisma CLI with a provider's configuration; returns its standard output. */
export function prismaCli(provider: DatabaseProvider, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(prismaBin, [...args, "--config", providerFiles[provider].config], {
    cwd: packageDir,
    // Offline on purpose for PostgreSQL: its configuration then uses the stub adapter.
    env: { ...process.env, DATABASE_URL: "", ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * The SQL that would take a provider's newest migration snapshot (the `schema.prisma` copied into
 * each migration folder) to its current schema file, or "" when they describe the same database.
 * A schema-to-schema diff: no database and no shadow database (neither works offline here).
 */
export function pendingMigrationSql(provider: DatabaseProvider): string {
  const newest = migrationHistory(provider).at(-1);
  const from = newest
    ? ["--from-schema-datamodel", path.join(providerFiles[provider].migrations, newest, "schema.prisma")]
    : ["--from-empty"];
  let sql = prismaCli(provider, [
    "migrate",
    "diff",
    ...from,
    "--to-schema-datamodel",
    providerFiles[provider].schema,
    "--script",
  ]);
  // Fails for a role without CREATE on the database, and `public` exists in every new database.
  if (provider === "postgresql") sql = sql.replace(/-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n?/, "");
  return /\b(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)\b/.test(sql) ? sql : "";
}
