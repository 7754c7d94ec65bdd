// The two providers' schemas and migration histories agree: postgresql/schema.prisma is what
// `pnpm db:generate` makes from schema.prisma, each provider's newest migration snapshot describes
// the current schema (no migration waiting to be written by `pnpm db:new-migration`), both
// histories move in step. (Prisma's own `migrate status` on a migrated PostgreSQL database is
// checked in test/postgresql/migrateStatus.test.ts.)
import { readFileSync } from "node:fs";
import path from "node:path";
import { migrationHistory, pendingMigrationSql, postgresSchemaFrom, providerFiles } from "@fim/db/schema-files";
import { expect, test } from "vitest";

test("postgresql/schema.prisma is generated from schema.prisma (run `pnpm db:generate` when not)", () => {
  const source = readFileSync(providerFiles.sqlite.schema, "utf8");
  expect(readFileSync(providerFiles.postgresql.schema, "utf8")).toBe(postgresSchemaFrom(source));
  // Only the provider and the client's output differ.
  const differing = (a: string, b: string) => {
    const left = a.split("\n");
    const right = b.split("\n").filter((line) => !line.startsWith("// GENERATED") && !line.startsWith("// Only the"));
    return left.map((line, i) => [line, right[i]]).filter(([x, y]) => x !== y);
  };
  expect(differing(source, readFileSync(providerFiles.postgresql.schema, "utf8"))).toEqual([
    ['  output          = "./src/generated/sqlite"', '  output          = "../src/generated/postgresql"'],
    ['  provider = "sqlite"', '  provider = "postgresql"'],
  ]);
});

test.each(["sqlite", "postgresql"] as const)(
  "%s: the newest migration describes the current schema (else `pnpm db:new-migration <name>`)",
  (provider) => {
    expect(pendingMigrationSql(provider)).toBe("");
  },
);

test("both histories move in step: each migration since PostgreSQL's first exists for both", () => {
  const sqlite = migrationHistory("sqlite");
  const postgresql = migrationHistory("postgresql");
  const [init, ...later] = postgresql;
  expect(init).toMatch(/^\d{14}_init$/);
  const sqliteSince = sqlite.filter((name) => name > (init ?? ""));
  expect(later).toEqual(sqliteSince);
  expect(readFileSync(path.join(providerFiles.postgresql.migrations, "migration_lock.toml"), "utf8")).toBe(
    'provider = "postgresql"\n',
  );
  // No statement that needs CREATE on the database (migrate diff writes one; new-migration strips it).
  for (const name of postgresql) {
    const sql = readFileSync(path.join(providerFiles.postgresql.migrations, name, "migration.sql"), "utf8");
    expect([name, sql.includes("CREATE SCHEMA")]).toEqual([name, false]);
  }
});
