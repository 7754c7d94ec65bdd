// Authors the next migration of both providers without `migrate dev` (its shadow database does
// not work offline with driver adapters). Each migration folder keeps a snapshot of the schema it
// was made from (`schema.prisma`); a provider's next migration is the diff from its newest
// snapshot to its current schema (SQLite: schema.prisma; PostgreSQL: postgresql/schema.prisma,
// regenerated from it first), written as SQL under one folder name for both and applied at start.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PROVIDERS, pendingMigrationSql, providerFiles, writePostgresSchema } from "./schemaFiles.ts";

const name = (process.argv[2] ?? "").trim();
if (!/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: pnpm db:new-migration <name>   (lower-case letters, digits, underscores)");
  process.exit(2);
}

try {
  writePostgresSchema();
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const folder = `${stamp}_${name}`;
  let written = 0;
  for (const provider of PROVIDERS) {
    const sql = pendingMigrationSql(provider);
    if (sql === "") continue;
    const { migrations, schema } = providerFiles[provider];
    const dir = path.join(migrations, folder);
    if (existsSync(dir)) throw new Error(`${dir} exists already`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), sql);
    copyFileSync(schema, path.join(dir, "schema.prisma"));
    writeFileSync(path.join(migrations, "migration_lock.toml"), `provider = "${provider}"\n`);
    console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
    written++;
  }
  if (written === 0) console.log("schema.prisma matches the migrations of both providers: nothing to write");
} catch (error) {
  const output = (error as { stderr?: string }).stderr;
  console.error(output || (error instanceof Error ? error.message : error));
  process.exit(1);
}
