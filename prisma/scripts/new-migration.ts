// Authors the next migration without `migrate dev` (which needs a shadow database that the
// offline JS engine cannot create). Each migration folder keeps a snapshot of the schema it
// was made from (`schema.prisma`); the next migration is the diff from the newest snapshot to
// the current schema.prisma, written as SQL and applied later by `migrate deploy`.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const name = (process.argv[2] ?? "").trim();
if (!/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: pnpm db:new-migration <name>   (lower-case letters, digits, underscores)");
  process.exit(2);
}

const packageDir = path.resolve(import.meta.dirname, "..");
const migrationsDir = path.join(packageDir, "migrations");
const prisma = path.join(packageDir, "node_modules", ".bin", "prisma");

function run(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(prisma, args, {
    cwd: packageDir,
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
}

try {
  mkdirSync(migrationsDir, { recursive: true });
  const history = readdirSync(migrationsDir)
    .filter((entry) => /^\d{14}_/.test(entry))
    .sort();
  const newest = history.at(-1);
  const from = newest
    ? ["--from-schema-datamodel", path.join(migrationsDir, newest, "schema.prisma")]
    : ["--from-empty"];
  const sql = run([
    "migrate",
    "diff",
    ...from,
    "--to-schema-datamodel",
    path.join(packageDir, "schema.prisma"),
    "--script",
  ]);
  if (!/\b(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)\b/.test(sql)) {
    console.log("schema.prisma matches the migrations: nothing to write");
    process.exit(0);
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "migration.sql"), sql);
  copyFileSync(path.join(packageDir, "schema.prisma"), path.join(dir, "schema.prisma"));
  writeFileSync(path.join(migrationsDir, "migration_lock.toml"), 'provider = "sqlite"\n');
  console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
