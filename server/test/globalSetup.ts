// Migrates one template SQLite database with Prisma's real `migrate deploy`; each test server
// starts from a copy of it, so every test file gets a fresh, fully migrated database cheaply.
// Afterwards, scans every log line the test servers wrote for every secret the suite handled.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations } from "@fim/db";
import type { TestProject } from "vitest/node";
import { scanForLeaks } from "./support/leakScan.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDb: string;
    /** Where every test server logs (trace level) and the suite notes the secrets it handles. */
    logDir: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fim-template-"));
  const file = path.join(dir, "template.db");
  await applyMigrations(`file:${file}`);
  project.provide("templateDb", file);
  const logDir = mkdtempSync(path.join(os.tmpdir(), "fim-test-logs-"));
  project.provide("logDir", logDir);
  return () => {
    const report = scanForLeaks(logDir);
    rmSync(dir, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
    if (report.leaks.length > 0) {
      console.error(
        `\nSecret scan: ${report.leaks.length} leak(s) in the servers' logs:\n  ${report.leaks.join("\n  ")}\n`,
      );
      // A teardown error alone does not fail a vitest run; the exit code does.
      process.exitCode = 1;
      return;
    }
    console.log(
      `\nSecret scan: ${report.logLines} log lines from ${report.logFiles} test servers, ${report.secrets} secrets, no leak.\n`,
    );
  };
}
