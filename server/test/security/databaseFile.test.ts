// SQLite's own file as a real deployment meets it: a second server started on the same data
// directory, the database file removed or made read-only while running. Each ends in a defined,
// documented state. SQLite only (vitest.config.ts leaves it out of the PostgreSQL leg): a
// PostgreSQL server keeps no file of ours, and servers sharing it is the point.
import { chmodSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { PortalBrowser } from "../support/browser.ts";
import { call, killAll, refusedStart, type ServerProcess, startServerProcess } from "../support/serverProcess.ts";
import { eventually } from "../support/sse.ts";

const running: ServerProcess[] = [];
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fim-faults-"));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServerProcess({
    DATA_DIR: dir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...env,
  });
  running.push(server);
  return server;
}

async function login(url: string): Promise<string> {
  return (await call(url, "POST", "/api/auth/login", undefined, ADMIN)).body.access_token;
}

afterAll(async () => {
  await killAll(running);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("two servers on one SQLite data directory", () => {
  test("the second refuses to start and says why; once the first is gone (even killed) one can start", async () => {
    const dir = dataDir();
    const first = await start(dir);
    const second = await refusedStart({ DATA_DIR: dir, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/Another FIM One server \(process \d+ on .+\) is already serving .*fim\.db/);
    expect(second.output).toMatch(/its own DATA_DIR/);
    // The first one was not disturbed.
    expect((await call(first.url, "GET", "/api/health")).status).toBe(200);

    first.child.kill("SIGKILL");
    await first.exited;
    const third = await start(dir);
    expect((await call(third.url, "GET", "/api/health")).status).toBe(200);
    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(0);
  });
});

describe("the database file removed while running", () => {
  test("503 with the contract body, the process stays up, and service resumes when the file is back", async () => {
    const dir = dataDir();
    const server = await start(dir);
    const token = await login(server.url);
    const key = (await call(server.url, "POST", "/api/me/api-keys", token, { name: "through the outage" })).body.key;
    const dbFile = path.join(dir, "fim.db");

    renameSync(dbFile, `${dbFile}.away`);
    await eventually(async () => (await call(server.url, "GET", "/api/health")).status === 503, 5000);
    const health = await call(server.url, "GET", "/api/health");
    expect(health.body).toMatchObject({ error: "service_unavailable", status: "unavailable", database: "missing" });
    for (const [method, route, body] of [
      ["GET", "/api/me", undefined],
      ["POST", "/api/me/api-keys", { name: "during the outage" }],
    ] as const) {
      const answer = await call(server.url, method, route, key, body);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: "service_unavailable", message: expect.any(String) });
      expect(answer.headers.get("retry-after")).toBe("5");
    }
    // Still up a while later: no crash, no restart loop.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(server.child.exitCode).toBeNull();

    renameSync(`${dbFile}.away`, dbFile);
    await eventually(async () => (await call(server.url, "GET", "/api/health")).status === 200, 5000);
    expect((await call(server.url, "GET", "/api/me", key)).status).toBe(200);
    const created = await call(server.url, "POST", "/api/me/api-keys", key, { name: "after the outage" });
    expect(created.status).toBe(201);

    // What was written after the recovery is in the file, not in a ghost of it.
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const file = new Database(dbFile, { readonly: true });
    try {
      const names = file
        .prepare("SELECT name FROM ApiKey")
        .all()
        .map((row: any) => row.name);
      expect(names).toEqual(expect.arrayContaining(["through the outage", "after the outage"]));
      expect(names).not.toContain("during the outage");
    } finally {
      file.close();
    }
  });
});

describe("the database file made read-only while running", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  });
  afterEach(() => chmodSync(server.dbFile!, 0o600));
  afterAll(() => server.close());

  test("reads go on, writes get 503 on both doors, counts wait in memory, and writes resume", async () => {
    const { key, id } = await server.createKey(token, { name: "read-only period" });
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);

    chmodSync(server.dbFile!, 0o400);
    await eventually(async () => (await server.api("GET", "/api/health")).status === 503, 5000);
    expect((await server.api("GET", "/api/health")).body.database).toBe("read_only");

    for (let i = 0; i < 5; i++) expect((await server.api("GET", "/api/me", { token: key })).status).toBe(200);
    const write = await server.api("POST", "/api/me/api-keys", { token, body: { name: "refused" } });
    expect(write.status).toBe(503);
    expect(write.body).toMatchObject({ error: "service_unavailable" });
    expect((await browser.query("keys.list", {})).status).toBe(200);
    const portalWrite = await browser.mutate("keys.create", { name: "refused too" });
    expect(portalWrite.status).toBe(503);
    expect(portalWrite.error.data.error.error).toBe("service_unavailable");
    await server.ctx.usage.flush(); // refused: nothing may be written, nothing may be dropped

    chmodSync(server.dbFile!, 0o600);
    await eventually(async () => (await server.api("GET", "/api/health")).status === 200, 5000);
    expect((await server.api("POST", "/api/me/api-keys", { token, body: { name: "accepted" } })).status).toBe(201);
    await server.ctx.usage.flush();
    const row = await server.ctx.db.apiKey.findUniqueOrThrow({ where: { id } });
    expect(row.totalRequests).toBe(5);
  });
});
