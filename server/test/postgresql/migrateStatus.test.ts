// On PostgreSQL, the history the server applies is the one Prisma's own tooling reads as
// complete: `prisma migrate status` finds a database the server migrated up to date.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrationHistory, prismaCli } from "@fim/db/schema-files";
import { expect, test } from "vitest";
import { processDatabase } from "../harness.ts";

test("Prisma's own `migrate status` finds a database the server migrated up to date", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fim-migrate-status-"));
  const database = await processDatabase(dir);
  try {
    const output = prismaCli("postgresql", ["migrate", "status"], { DATABASE_URL: database.url });
    expect(output).toMatch(/Database schema is up to date!/);
    expect(output).toContain(`${migrationHistory("postgresql").length} migration`);
  } finally {
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
