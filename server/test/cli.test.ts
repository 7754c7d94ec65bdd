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
import { stepAt, totpCode } from "./support/totp.ts";

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

test("user:mfa-reset removes a lost second factor: the password alone logs in again, audited", async () => {
  expect((await cli("user:create", "--email", "phone@example.com", "--password", "lost-my-phone-1")).code).toBe(0);
  const server = await startTestServer({ DATA_DIR: dataDir, ...database.env });
  try {
    const login = () =>
      server.api("POST", "/api/auth/login", { body: { email: "phone@example.com", password: "lost-my-phone-1" } });
    const token = (await login()).body.access_token;
    const secret = (await server.api("POST", "/api/me/mfa/totp", { token })).body.secret;
    const confirmed = await server.api("POST", "/api/me/mfa/totp/confirm", {
      token,
      body: { code: totpCode(secret, stepAt(new Date())) },
    });
    expect(confirmed.status).toBe(200);
    expect((await login()).body).toMatchObject({ mfa_required: true });

    const reset = await cli("user:mfa-reset", "--email", "Phone@Example.com");
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^Second factor removed for phone@example\.com/);
    const after = await login();
    expect(after.status).toBe(200);
    expect(after.body.access_token).toEqual(expect.any(String));
    expect((await server.api("GET", "/api/me/mfa", { token: after.body.access_token })).body).toEqual({
      enabled: false,
      pending: false,
      recovery_codes_left: 0,
    });
    const admin = (
      await cli("user:create", "--email", "auditor@example.com", "--admin", "--password", "auditor-pass-1")
    ).code;
    expect(admin).toBe(0);
    const auditor = (
      await server.api("POST", "/api/auth/login", {
        body: { email: "auditor@example.com", password: "auditor-pass-1" },
      })
    ).body.access_token;
    const audit = await server.api("GET", "/api/admin/audit-log?action=admin.mfa_reset", { token: auditor });
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        action: "admin.mfa_reset",
        actor_id: null,
        target_id: after.body.user.id,
        detail: { had_second_factor: true, via: "cli" },
      }),
    ]);

    const again = await cli("user:mfa-reset", "--email", "phone@example.com");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/had no second factor/);
    const unknown = await cli("user:mfa-reset", "--email", "nobody@example.com");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no user with email nobody@example\.com/);
  } finally {
    await server.close();
  }
}, 90_000);
