// Once per leg of the suite (vitest project: sqlite or postgresql), before any test: migrates
// one template database with the same code the server runs at start (SQLite: the migrations
// applied in one transaction into a file; PostgreSQL: the migrations applied under the advisory
// lock into a template database of this run). Each test server starts from a copy of it, so every test file
// gets a fresh, fully migrated database cheaply. Afterwards: drops every PostgreSQL database of
// the run (whatever a failed test left behind), and scans every log line the test servers wrote
// for every secret the suite handled.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations } from "@fim/db";
import type { TestProject } from "vitest/node";
import { scanForLeaks } from "./support/leakScan.ts";
import { adminQuery, postgresUrl, quoteIdentifier, type TestDatabaseProvider } from "./support/testDatabases.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where every test server logs (trace level) and the suite notes the secrets it handles. */
    logDir: string;
  }
}

/** The server the PostgreSQL leg creates its databases on (any database there to connect to). */
const POSTGRES_ADMIN_URL = process.env.FIM_TEST_POSTGRES_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

async function postgresTemplate(): Promise<{ template: string; prefix: string; drop: () => Promise<void> }> {
  try {
    await adminQuery(POSTGRES_ADMIN_URL, "SELECT 1");
  } catch (error) {
    throw new Error(
      `The PostgreSQL leg of the test suite cannot reach ${POSTGRES_ADMIN_URL} (${(error as Error).message}). ` +
        "Start PostgreSQL (e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`), " +
        "point FIM_TEST_POSTGRES_URL at a server where this role may create databases, " +
        "or run the SQLite leg only: FIM_TEST_DATABASES=sqlite pnpm test",
    );
  }
  // Unique per run (runs may overlap); lower-case, well under PostgreSQL's 63-character limit.
  const prefix = `fimtest_${Date.now().toString(36)}${randomBytes(3).toString("hex")}_`;
  const template = `${prefix}template`;
  const drop = async () => {
    const pattern = `${prefix.replace(/_/g, "\\_")}%`;
    const [found] = await adminQuery(
      POSTGRES_ADMIN_URL,
      `SELECT datname FROM pg_database WHERE datname LIKE '${pattern}' ORDER BY datname`,
    );
    for (const { datname } of found?.rows ?? []) {
      await adminQuery(POSTGRES_ADMIN_URL, `DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`);
    }
  };
  try {
    await adminQuery(POSTGRES_ADMIN_URL, `CREATE DATABASE ${quoteIdentifier(template)}`);
    await applyMigrations(postgresUrl(POSTGRES_ADMIN_URL, template));
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { template, prefix, drop };
}

export default async function setup(project: TestProject) {
  const provider = project.name as TestDatabaseProvider;
  const cleanups: (() => Promise<void> | void)[] = [];
  if (provider === "postgresql") {
    const { template, prefix, drop } = await postgresTemplate();
    project.provide("database", { provider, adminUrl: POSTGRES_ADMIN_URL, template, prefix });
    cleanups.push(drop);
  } else if (provider === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fim-template-"));
    const file = path.join(dir, "template.db");
    await applyMigrations(`file:${file}`);
    project.provide("database", { provider, template: file });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  } else {
    throw new Error(`unknown test project "${project.name}": expected sqlite or postgresql`);
  }
  const logDir = mkdtempSync(path.join(os.tmpdir(), "fim-test-logs-"));
  project.provide("logDir", logDir);
  return async () => {
    const report = scanForLeaks(logDir);
    rmSync(logDir, { recursive: true, force: true });
    for (const cleanup of cleanups) await cleanup();
    const leg = `[${provider}] `;
    if (report.contractViolations.length > 0) {
      console.error(
        `\n${leg}Response contract: ${report.contractViolations.length} answer(s) did not match their declaration:\n  ${[
          ...new Set(report.contractViolations),
        ].join("\n  ")}\n`,
      );
      process.exitCode = 1;
    }
    if (report.leaks.length > 0) {
      console.error(
        `\n${leg}Secret scan: ${report.leaks.length} leak(s) in the servers' logs:\n  ${report.leaks.join("\n  ")}\n`,
      );
      // A teardown error alone does not fail a vitest run; the exit code does.
      process.exitCode = 1;
      return;
    }
    console.log(
      `\n${leg}Secret scan: ${report.logLines} log lines from ${report.logFiles} test servers, ${report.secrets} secrets, no leak.\n`,
    );
  };
}
