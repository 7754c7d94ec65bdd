// The data directory (password hashes, documents, conversations, the audit log, the secrets) is
// readable by the server's user only: created so on a fresh install, and tightened, with a log
// line, when an existing install is found readable by others. SQLite only (vitest.config.ts):
// with PostgreSQL the data directory holds no database file.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, expect, test } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { type RunningServer, startServer } from "../../src/server.ts";
import { testDatabases } from "../support/testDatabases.ts";

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
const cleanup: string[] = [];
let running: RunningServer | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function capture() {
  const lines: any[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger("info", sink) };
}

function configFor(dataDir: string) {
  return loadConfig({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" });
}

test("a fresh install is private from the start, and says nothing about it", async () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), "fim-modes-"));
  cleanup.push(parent);
  const dataDir = path.join(parent, "data");
  const { lines, logger } = capture();
  running = await startServer({ config: configFor(dataDir), logger });
  await running.ctx.db.user.count();

  expect(mode(dataDir)).toBe("700");
  for (const file of readdirSync(dataDir)) expect([file, mode(path.join(dataDir, file))]).toEqual([file, "600"]);
  expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(["fim.db", "jwt-secret", "api-key-secret"]));
  expect(lines.filter((line) => /permissions/.test(line.msg))).toEqual([]);
});

test("an existing install readable by others is tightened at start, and the log says so", async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-modes-"));
  cleanup.push(dataDir);
  const dbFile = path.join(dataDir, "fim.db");
  const databases = testDatabases();
  if (databases.provider !== "sqlite") throw new Error("SQLite only");
  copyFileSync(databases.template, dbFile);
  // A companion file left by SQLite beside it, world-writable (its contents do not matter here).
  writeFileSync(path.join(dataDir, "fim.db-shm"), "");
  chmodSync(dataDir, 0o755);
  chmodSync(dbFile, 0o644);
  chmodSync(path.join(dataDir, "fim.db-shm"), 0o666);
  mkdirSync(path.join(dataDir, "unrelated"), { mode: 0o755 });

  const { lines, logger } = capture();
  running = await startServer({ config: configFor(dataDir), logger, migrate: false });

  expect(mode(dataDir)).toBe("700");
  expect(mode(dbFile)).toBe("600");
  expect(mode(path.join(dataDir, "fim.db-shm"))).toBe("600");
  const warned = lines.filter((line) => /tightened the permissions/.test(line.msg));
  expect(warned.map((line) => [path.basename(line.path), line.from, line.to])).toEqual([
    [path.basename(dataDir), "0755", "0700"],
    ["fim.db", "0644", "0600"],
    ["fim.db-shm", "0666", "0600"],
  ]);
  expect(warned.every((line) => line.level === 40)).toBe(true);
});
