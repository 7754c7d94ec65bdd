// A real deployment's worst stop: the process killed (SIGKILL) under load. Nothing but what the
// contract allows is lost, on either database. (SQLite's own file faults, a second server on its
// data directory, the file removed or made read-only: databaseFile.test.ts.)
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, test } from "vitest";
import { ADMIN, type ProcessDatabase, processDatabase, testProvider } from "../harness.ts";
import { call, killAll, type ServerProcess, startServerProcess } from "../support/serverProcess.ts";

const running: ServerProcess[] = [];
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fim-faults-"));
  dirs.push(dir);
  return dir;
}
const databases: ProcessDatabase[] = [];

async function start(dir: string, database: ProcessDatabase): Promise<ServerProcess> {
  const server = await startServerProcess({
    DATA_DIR: dir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...database.env,
  });
  running.push(server);
  return server;
}

async function login(url: string): Promise<string> {
  return (await call(url, "POST", "/api/auth/login", undefined, ADMIN)).body.access_token;
}

afterAll(async () => {
  await killAll(running);
  for (const database of databases) await database.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("SIGKILL under load", () => {
  test("loses at most the last flush interval of usage counts, and nothing else", async () => {
    const dir = dataDir();
    const database = await processDatabase(dir);
    databases.push(database);
    const server = await start(dir, database);
    const token = await login(server.url);
    const key = (await call(server.url, "POST", "/api/me/api-keys", token, { name: "under load" })).body;
    const kb = (await call(server.url, "POST", "/api/knowledge-bases", token, { name: "kept" })).body;
    await call(server.url, "POST", `/api/knowledge-bases/${kb.id}/documents`, token, {
      title: "Kept",
      content: "Written before the kill, present after it.",
    });

    // Load from eight clients, noting when each answer arrived.
    const answeredAt: number[] = [];
    let killedAt = 0;
    const client = async () => {
      while (killedAt === 0) {
        try {
          const answer = await call(server.url, "GET", "/api/auth/verify", key.key);
          if (answer.status === 200) answeredAt.push(Date.now());
        } catch {
          return; // the server is gone
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    killedAt = Date.now();
    server.child.kill("SIGKILL");
    await Promise.all(clients);
    expect(await server.exited).toBe("SIGKILL");

    const restarted = await start(dir, database);
    const again = await login(restarted.url);
    const stored = (await call(restarted.url, "GET", `/api/me/api-keys/${key.id}`, again)).body.total_requests;
    const answered = answeredAt.length;
    const flushMs = 1000;
    // What may be missing: what was answered since the last flush (1 s), plus scheduling slack.
    const lastInterval = answeredAt.filter((at) => at > killedAt - flushMs - 300).length;
    console.log(
      `SIGKILL under load: ${answered} answered, ${stored} counted after restart, ${answered - stored} lost; ` +
        `${lastInterval} answered in the last flush interval`,
    );
    expect(answered).toBeGreaterThan(100);
    expect(stored).toBeLessThanOrEqual(answered + 8); // at most the requests still in flight
    expect(answered - stored).toBeLessThanOrEqual(lastInterval);

    // Nothing else: the key works, the knowledge base and its document are there, a SQLite file is
    // sound (PostgreSQL recovers from its own write-ahead log before it answers at all).
    expect((await call(restarted.url, "GET", "/api/auth/verify", key.key)).status).toBe(200);
    const documents = await call(restarted.url, "GET", `/api/knowledge-bases/${kb.id}/documents`, again);
    expect(documents.body.items.map((d: any) => d.title)).toEqual(["Kept"]);
    if (testProvider() === "sqlite") {
      const file = new Database(path.join(dir, "fim.db"), { readonly: true });
      try {
        expect(file.pragma("integrity_check", { simple: true })).toBe("ok");
      } finally {
        file.close();
      }
    }
  });
});
