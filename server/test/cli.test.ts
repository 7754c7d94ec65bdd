// The operator CLI, run as a real process against a real database: a fresh one, which the CLI
// migrates itself (a SQLite file in DATA_DIR, or a PostgreSQL database on that leg of the suite).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type ProcessDatabase, processDatabase, startTestServer } from "./harness.ts";
import { FROM_SOURCE } from "./support/serverProcess.ts";
import { eventually } from "./support/sse.ts";

const run = promisify(execFile);
let dataDir: string;
let database: ProcessDatabase;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-cli-"));
  database = await processDatabase(dataDir, { empty: true });
});
afterAll(async () => {
  await database.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...FROM_SOURCE, "src/cli.ts", ...args], {
      cwd: path.resolve(import.meta.dirname, ".."),
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", ...database.env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error: any) {
    return { code: error.code ?? 1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" };
  }
}

test("create an admin, reset a password, list users; the accounts work over the API", async () => {
  const created = await cli("user:create", "--email", "Ops@Example.com", "--name", "Ops", "--admin");
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(/^Created admin ops@example\.com/);
  const generated = /Password: (\S+)/.exec(created.stdout)?.[1];
  expect(generated).toBeDefined();

  const reset = await cli("user:password", "--email", "ops@example.com", "--password", "chosen-password-1");
  expect(reset.code).toBe(0);

  const listed = await cli("user:list");
  expect(listed.stdout).toMatch(/ops@example\.com\tadmin\tactive/);

  const duplicate = await cli("user:create", "--email", "ops@example.com");
  expect(duplicate.code).toBe(1);
  expect(duplicate.stderr).toMatch(/already exists/);
  const weak = await cli("user:password", "--email", "ops@example.com", "--password", "short");
  expect(weak.code).toBe(1);
  expect(weak.stderr).toMatch(/at least 12 characters/);

  // The server over the same data directory accepts the password the CLI set.
  const server = await startTestServer({ DATA_DIR: dataDir, ...database.env });
  try {
    const login = await server.api("POST", "/api/auth/login", {
      body: { email: "ops@example.com", password: "chosen-password-1" },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe("admin");

    // A password set by the CLI while the server runs ends the user's sessions there too: the
    // server had the session in memory and learns of it from the revocation the CLI wrote.
    const session = login.body.access_token;
    for (let i = 0; i < 3; i++) expect((await server.api("GET", "/api/me", { token: session })).status).toBe(200);
    const again = await cli("user:password", "--email", "ops@example.com", "--password", "chosen-password-2");
    expect(again.code).toBe(0);
    const resetAt = Date.now();
    await eventually(async () => (await server.api("GET", "/api/me", { token: session })).status === 401, 1500);
    expect(Date.now() - resetAt).toBeLessThan(1500);
  } finally {
    await server.close();
  }
}, 90_000);
