// Usage accounting under load: exact counts with 500 concurrent requests, and nothing lost when
// the real server process gets SIGTERM in the middle of load.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@fim/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { apiKeyPrefix, generateApiKey, hashApiKey } from "../src/auth/apiKeyFormat.ts";
import { ADMIN, type ProcessDatabase, processDatabase, type TestServer, withAdminServer } from "./harness.ts";
import { FROM_SOURCE } from "./support/serverProcess.ts";

describe("in-process server", () => {
  let server: TestServer;
  let token: string;
  withAdminServer((started) => {
    ({ server, token } = started);
  });

  test("500 concurrent requests with one key → total_requests exactly 500", async () => {
    const { id, key } = await server.createKey(token, { name: "load" });
    const before = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 500 }, () => server.api("GET", "/api/auth/verify", { token: key })),
    );
    const after = Date.now();
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await expect
      .poll(async () => (await server.api("GET", `/api/me/api-keys/${id}`, { token })).body.total_requests, {
        timeout: 5_000,
      })
      .toBe(500);
    // Flushed for real, not only visible through the pending in-memory counts.
    await expect.poll(async () => (await server.ctx.db.apiKey.findUnique({ where: { id } }))?.totalRequests).toBe(500);
    const view = (await server.api("GET", `/api/me/api-keys/${id}`, { token })).body;
    const lastUsed = Date.parse(view.last_used_at);
    expect(lastUsed).toBeGreaterThanOrEqual(before - 1000);
    expect(lastUsed).toBeLessThanOrEqual(after + 1000);
    const day = await server.ctx.db.apiKeyUsageDay.findMany({ where: { apiKeyId: id } });
    expect(day.reduce((sum, row) => sum + row.count, 0)).toBe(500);
  });

  test("two keys under concurrent load are counted separately", async () => {
    const a = await server.createKey(token, { name: "a" });
    const b = await server.createKey(token, { name: "b" });
    await Promise.all([
      ...Array.from({ length: 120 }, () => server.api("GET", "/api/me", { token: a.key })),
      ...Array.from({ length: 80 }, () => server.api("GET", "/api/me", { token: b.key })),
    ]);
    const count = async (id: string) =>
      (await server.api("GET", `/api/me/api-keys/${id}`, { token })).body.total_requests;
    await expect.poll(() => count(a.id)).toBe(120);
    await expect.poll(() => count(b.id)).toBe(80);
  });

  test("1,200 keys used at once are each counted exactly (a flush writes them several hundred to a statement)", async () => {
    const owner = (await server.ctx.db.user.findFirstOrThrow({ where: { email: ADMIN.email } })).id;
    const keys = Array.from({ length: 1_200 }, () => generateApiKey());
    await server.ctx.db.apiKey.createMany({
      data: keys.map((key, i) => ({
        userId: owner,
        name: `many ${i}`,
        prefix: apiKeyPrefix(key),
        hash: hashApiKey(key, server.ctx.config.apiKeySecret),
      })),
    });
    // Key i is used 1 + (i % 3) times.
    const uses = keys.flatMap((key, i) => Array.from({ length: 1 + (i % 3) }, () => key));
    for (let at = 0; at < uses.length; at += 100) {
      const answers = await Promise.all(
        uses.slice(at, at + 100).map((key) => server.api("GET", "/api/auth/verify", { token: key })),
      );
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
    }
    const stored = async () =>
      await server.ctx.db.apiKey.findMany({
        where: { name: { startsWith: "many " } },
        select: { name: true, totalRequests: true, lastUsedAt: true },
      });
    await expect
      .poll(async () => (await stored()).reduce((sum, row) => sum + row.totalRequests, 0), { timeout: 10_000 })
      .toBe(uses.length);
    for (const row of await stored()) {
      const i = Number(row.name.slice("many ".length));
      expect(row.totalRequests).toBe(1 + (i % 3));
      expect(row.lastUsedAt).not.toBeNull();
    }
    const days = await server.ctx.db.apiKeyUsageDay.aggregate({
      where: { apiKey: { name: { startsWith: "many " } } },
      _sum: { count: true },
      _count: true,
    });
    expect(days._sum.count).toBe(uses.length);
    expect(days._count).toBe(1_200);
  });
});

describe("a real server process", () => {
  let dataDir: string;
  let database: ProcessDatabase;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-sigterm-"));
    database = await processDatabase(dataDir);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const running = child;
      await new Promise((resolve) => {
        running.once("exit", resolve);
        running.kill("SIGKILL");
      });
    }
    await database.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("SIGTERM in the middle of load: in-flight requests finish, exit 0, no count lost", async () => {
    child = spawn(process.execPath, [...FROM_SOURCE, "src/main.ts"], {
      cwd: path.resolve(import.meta.dirname, ".."),
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        DATABASE_URL: "",
        ...database.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const running = child;
    const exited = new Promise<number | null>((resolve) => running.on("exit", (code) => resolve(code)));
    let stdout = "";
    let stderr = "";
    running.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const fail = () => reject(new Error(`server did not start: ${stdout}${stderr}`));
      const timer = setTimeout(fail, 30_000);
      running.on("exit", fail);
      running.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /Portal and API: (http:\/\/[^\s]+)/.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });

    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const created = await fetch(`${url}/api/me/api-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ name: "sigterm" }),
    });
    const { key, id } = (await created.json()) as { key: string; id: string };

    let answered = 0;
    let refused = 0;
    let signalled = false;
    const one = async () => {
      try {
        const response = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
        await response.arrayBuffer();
        if (response.status === 200) answered++;
        else throw new Error(`unexpected ${response.status}`);
      } catch (error) {
        if (!signalled) throw error;
        refused++; // after SIGTERM, new connections are refused: those requests never ran
      }
      if (answered === 150 && !signalled) {
        signalled = true;
        running.kill("SIGTERM");
      }
    };
    // Several waves of concurrent requests keep load on the server while the signal lands.
    const workers = Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 25; i++) await one();
    });
    await Promise.all(workers);

    expect(signalled).toBe(true);
    expect(await exited).toBe(0);
    expect(answered).toBeGreaterThanOrEqual(150);

    const db = createDb(database.url);
    try {
      const row = await db.apiKey.findUniqueOrThrow({ where: { id } });
      expect(row.totalRequests).toBe(answered);
      const days = await db.apiKeyUsageDay.findMany({ where: { apiKeyId: id } });
      expect(days.reduce((sum, d) => sum + d.count, 0)).toBe(answered);
    } finally {
      await db.$disconnect();
    }
    expect(answered + refused).toBe(500);
  }, 60_000);
});
