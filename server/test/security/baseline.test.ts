// Baseline properties SECURITY.md relies on: how passwords are stored, that a fresh install has
// no default credentials, that corrupt scopes fail closed, that sensitive answers are not
// cached, and that unknown routes and methods answer the contract's JSON.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startServer } from "../../src/server.ts";
import { ADMIN, processDatabase, startTestServer, type TestServer, withAdminServer } from "../harness.ts";
import { PortalBrowser } from "../support/browser.ts";

let server: TestServer;
let token: string;

withAdminServer((started) => {
  ({ server, token } = started);
});

test("passwords are stored as argon2id (19 MiB, t=2, p=1) with a 16-byte salt, never as given", async () => {
  const user = await server.createUser("stored-password@example.com", "a-password-to-store");
  const row = await server.ctx.db.user.findUniqueOrThrow({ where: { id: user.id } });
  expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  const salt = row.passwordHash.split("$")[4] ?? "";
  expect(Buffer.from(salt, "base64").length).toBeGreaterThanOrEqual(16);
  expect(row.passwordHash).not.toContain("a-password-to-store");
});

test("a fresh install has no default password: the first administrator's is random, shown once, and logs in", async () => {
  const passwords: string[] = [];
  for (let i = 0; i < 2; i++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-first-run-"));
    // Empty: the server migrates it at start, as on a real first run.
    const database = await processDatabase(dataDir, { empty: true });
    try {
      const running = await startServer({
        config: loadConfig({
          DATA_DIR: dataDir,
          PORT: "0",
          HOST: "127.0.0.1",
          LOG_LEVEL: "silent",
          ...database.env,
        }),
        logger: createLogger("silent"),
        onFirstAdmin: ({ password }) => passwords.push(password),
      });
      try {
        // The password shown is the one stored, hashed at the configured cost.
        const login = await fetch(`${running.url}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "admin@localhost", password: passwords.at(-1) }),
        });
        expect(login.status).toBe(200);
        const row = await running.ctx.db.user.findUniqueOrThrow({ where: { email: "admin@localhost" } });
        expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      } finally {
        await running.stop();
      }
    } finally {
      await database.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  expect(passwords).toHaveLength(2);
  expect(passwords[0]).not.toBe(passwords[1]);
  for (const password of passwords) expect(password.length).toBeGreaterThanOrEqual(16);
});

test("a key whose stored scopes are corrupt is refused, never taken for a full-access key", async () => {
  const { key, id } = await server.createKey(token, { name: "corrupted", scopes: "chat" });
  await server.ctx.db.apiKey.update({ where: { id }, data: { scopes: '"all"' } });
  server.ctx.credentials.invalidateKey(id);
  const answer = await server.api("GET", "/api/me", { token: key });
  expect(answer.status).toBe(500);
  expect(answer.body).toEqual({ error: "internal_error", message: "Something went wrong on our side" });
});

describe("answers are not cached", () => {
  test("REST answers carry Cache-Control: no-store", async () => {
    for (const route of ["/api/me", "/api/me/api-keys", "/api/health"]) {
      expect((await server.api("GET", route, { token })).headers.get("cache-control")).toBe("no-store");
    }
  });

  test("portal answers too", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    expect((await browser.query("keys.list", {})).headers.get("cache-control")).toBe("no-store");
  });
});

describe("unknown routes and methods", () => {
  test.each([
    ["GET", "/api/nothing-here"],
    ["PUT", "/api/me/api-keys"],
    ["PATCH", "/api/health"],
    ["DELETE", "/api/auth/login"],
  ])("%s %s answers the contract's 404 in JSON", async (method, route) => {
    const response = await fetch(`${server.url}${route}`, { method, headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ error: "not_found", message: expect.any(String) });
  });
});

test("a request cannot forge log lines: every line stays one JSON object", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter((line) => line !== ""),
      );
      done();
    },
  });
  const logged = await startTestServer({}, { logger: createLogger("trace", sink) });
  try {
    const forged = encodeURIComponent('x\n{"level":30,"msg":"login","user":"admin"}\r\n');
    await fetch(`${logged.url}/api/${forged}`);
    // The portal's door decodes the procedure name it logs: a real newline reaches the logger.
    await fetch(`${logged.url}/trpc/${forged}`);
    expect(lines.some((line) => JSON.stringify(JSON.parse(line)).includes("\\n{"))).toBe(true);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.filter((line) => JSON.parse(line).msg === "login")).toEqual([]);
  } finally {
    await logged.close();
  }
});
