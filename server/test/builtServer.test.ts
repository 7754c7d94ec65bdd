// The build `pnpm start` runs (server/dist, bundled by scripts/build.mjs), not the TypeScript the
// other tests run: the packages it loads on first use (the Redis client, undici for connector
// calls) must work from the bundle too, where a CommonJS package arrives as `default` alone.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN } from "./harness.ts";
import { call, type ServerProcess, startServerProcess } from "./support/serverProcess.ts";
import { deleteRedisKeys } from "./support/testDatabases.ts";

const prefix = `fim-test-${randomUUID()}:`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-built-"));
let upstream: http.Server;
let upstreamCalls = 0;
let server: ServerProcess;

beforeAll(async () => {
  // Incremental: a no-op when `pnpm build` (as `pnpm test` runs it) already built this tree.
  execFileSync(process.execPath, [path.resolve(import.meta.dirname, "../../scripts/build.mjs"), "db", "server"], {
    stdio: "ignore",
  });
  upstream = http.createServer((_req, res) => {
    upstreamCalls += 1;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ pong: true }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  server = await startServerProcess(
    {
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: prefix,
      // The upstream listens on loopback, which connector calls refuse by default.
      CONNECTOR_PRIVATE_NETWORKS: "allow",
    },
    "built",
  );
}, 120_000);

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  upstream?.close();
  rmSync(dataDir, { recursive: true, force: true });
  await deleteRedisKeys(prefix);
});

test("the built server connects to Redis and calls a connector", async () => {
  expect(server.output()).toContain("redis connected");
  const token = (await call(server.url, "POST", "/api/auth/login", undefined, ADMIN)).body.access_token;
  const connector = await call(server.url, "POST", "/api/connectors", token, {
    name: "Upstream",
    base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    actions: [{ name: "ping", method: "GET", path: "/ping" }],
  });
  expect(connector.status).toBe(201);
  const agent = await call(server.url, "POST", "/api/agents", token, {
    name: "Caller",
    tools: ["connector_call"],
    connector_ids: [connector.body.id],
  });
  expect(agent.status).toBe(201);
  const run = await fetch(`${server.url}/api/react`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ q: "ping", agent_id: agent.body.id }),
  });
  const text = await run.text();
  const results = [...text.matchAll(/^data: (.*)$/gm)]
    .map((match) => JSON.parse(match[1]!))
    .filter((data) => data.type === "tool_result");
  expect(results).toHaveLength(1);
  expect(results[0]).toMatchObject({ tool: "connector_call", ok: true });
  expect(upstreamCalls).toBe(1);
});
