// `pnpm bench`: measures the authentication layer and usage accounting on a real server over a
// real SQLite file, and prints figures next to the targets we hold ourselves to. It measures; it
// does not assert (performance is reported, never a timed unit test).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "@redis/client";
import pg from "pg";
import { generateApiKey } from "../src/auth/apiKeyFormat.ts";
import { authenticate } from "../src/auth/authenticate.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { startServer } from "../src/server.ts";

const ADMIN = { email: "bench@example.com", password: "bench-password-1" };

interface Figures {
  n: number;
  totalMs: number;
  samples: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function report(label: string, figures: Figures, target?: { p99Ms?: number; p95Ms?: number; minRps?: number }) {
  const sorted = [...figures.samples].sort((a, b) => a - b);
  const rps = figures.n / (figures.totalMs / 1000);
  const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)}µs` : `${ms.toFixed(2)}ms`);
  const checks: string[] = [];
  if (target?.p95Ms !== undefined)
    checks.push(`p95 ≤ ${target.p95Ms}ms ${percentile(sorted, 95) <= target.p95Ms ? "✓" : "✗"}`);
  if (target?.p99Ms !== undefined)
    checks.push(`p99 ≤ ${target.p99Ms}ms ${percentile(sorted, 99) <= target.p99Ms ? "✓" : "✗"}`);
  if (target?.minRps !== undefined) checks.push(`≥ ${target.minRps}/s ${rps >= target.minRps ? "✓" : "✗"}`);
  console.log(
    `${label.padEnd(44)} ${String(figures.n).padStart(6)} ops  ${rps.toFixed(0).padStart(7)}/s  ` +
      `p50 ${fmt(percentile(sorted, 50)).padStart(8)}  p95 ${fmt(percentile(sorted, 95)).padStart(8)}  ` +
      `p99 ${fmt(percentile(sorted, 99)).padStart(8)}   ${checks.join("  ")}`,
  );
}

async function sequential(n: number, op: () => Promise<unknown>): Promise<Figures> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op();
    samples.push(performance.now() - t);
  }
  return { n, totalMs: performance.now() - started, samples };
}

async function concurrent(n: number, concurrency: number, op: () => Promise<unknown>): Promise<Figures> {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const t = performance.now();
        await op();
        samples.push(performance.now() - t);
      }
    }),
  );
  return { n, totalMs: performance.now() - started, samples };
}

/** GET /api/auth/verify over HTTP with a key and a JWT, one at a time and 50 at once. */
async function httpVerify(label: string, url: string, key: string, accessToken: string): Promise<void> {
  console.log(`\nHTTP, GET /api/auth/verify on ${label} (keep-alive; client in the same process)`);
  const verify = (token: string) => async () => {
    const response = await fetch(`${url}/api/auth/verify`, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
  };
  // Warm-up. Connections left idle during an earlier phase may be closed by the server just as
  // they are reused (the client's idle timer could not run while this process was busy).
  await concurrent(500, 50, () => verify(key)().catch(() => undefined));
  report("  API key, one at a time", await sequential(2_000, verify(key)), { p95Ms: 3 });
  report("  API key, 50 concurrent", await concurrent(10_000, 50, verify(key)), { minRps: 1_500 });
  report("  access JWT, one at a time", await sequential(2_000, verify(accessToken)), { p95Ms: 5 });
  report("  access JWT, 50 concurrent", await concurrent(5_000, 50, verify(accessToken)), { minRps: 500 });
}

/**
 * The same on PostgreSQL + Redis, when both answer (BENCH_POSTGRES_URL, default the local
 * server's `postgres` database, where a throwaway database is made; BENCH_REDIS_URL). Skipped,
 * saying so, when they are not there.
 */
async function postgresAndRedis(): Promise<void> {
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  const name = `fim_bench_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    console.log(`\n(PostgreSQL not reachable at ${adminUrl}: the PostgreSQL + Redis figures are skipped)`);
    return;
  }
  const redis = createClient({ url: redisUrl, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.close();
  } catch {
    console.log(`\n(Redis not reachable at ${redisUrl}: the PostgreSQL + Redis figures are skipped)`);
    await admin.end();
    return;
  }
  await admin.query(`CREATE DATABASE ${name}`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${name}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "fim-bench-pg-"));
  const prefix = `fim-bench-${randomUUID()}:`;
  try {
    const running = await startServer({
      config: loadConfig({
        DATA_DIR: dir,
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "silent",
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      }),
      logger: createLogger("silent"),
    });
    try {
      const login = await postTo(running.url, "/api/auth/login", ADMIN);
      const created = await postTo(running.url, "/api/me/api-keys", { name: "bench" }, login.access_token);
      await httpVerify("PostgreSQL + Redis", running.url, created.key, login.access_token);
    } finally {
      await running.stop();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    const cleanup = createClient({ url: redisUrl });
    await cleanup.connect();
    for (const key of await cleanup.keys(`${prefix}*`)) await cleanup.del(key);
    await cleanup.close();
  }
}

async function postTo(url: string, route: string, body: unknown, token?: string): Promise<any> {
  const response = await fetch(`${url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return response.json();
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-bench-"));
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_LEVEL: "silent",
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
  LOGIN_MAX_FAILURES_PER_IP: "1000000",
});
const server = await startServer({ config, logger: createLogger("silent") });
const { ctx, url } = server;

try {
  const post = (route: string, body: unknown, token?: string) => postTo(url, route, body, token);
  const { access_token } = await post("/api/auth/login", ADMIN);
  const { key, id: keyId } = await post("/api/me/api-keys", { name: "bench" }, access_token);
  const badChecksum = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
  const unknownKey = generateApiKey();

  console.log(`\nFIM One benchmark — node ${process.version}, ${os.cpus().length} CPU(s), SQLite at ${dataDir}\n`);
  console.log("authenticate() in process");
  report("  API key, verified key cached", await sequential(20_000, () => authenticate(ctx, key)), { p99Ms: 0.5 });
  report(
    "  API key, cache cold (HMAC + DB lookup)",
    await sequential(2_000, () => {
      ctx.credentials.invalidateKey(keyId);
      return authenticate(ctx, key);
    }),
    { p95Ms: 5 },
  );
  report("  access JWT (signature + session lookup)", await sequential(5_000, () => authenticate(ctx, access_token)), {
    p95Ms: 5,
  });
  report(
    "  bad checksum (rejected before the DB)",
    await sequential(20_000, () => authenticate(ctx, badChecksum).catch(() => undefined)),
    { p99Ms: 0.1 },
  );
  report(
    "  unknown well-formed key (one DB lookup)",
    await sequential(2_000, () => authenticate(ctx, unknownKey).catch(() => undefined)),
    { p95Ms: 5 },
  );

  await httpVerify(`SQLite (${dataDir})`, url, key, access_token);
  console.log("\nUsage accounting");
  await ctx.usage.flush();
  const before = (await ctx.db.apiKey.findUniqueOrThrow({ where: { id: keyId } })).totalRequests;
  const recordFigures = await sequential(100_000, async () => ctx.usage.record(keyId, new Date()));
  report("  record() on the request path", recordFigures, { p99Ms: 0.05 });
  const flushStarted = performance.now();
  await ctx.usage.flush();
  const flushMs = performance.now() - flushStarted;
  const after = (await ctx.db.apiKey.findUniqueOrThrow({ where: { id: keyId } })).totalRequests;
  console.log(
    `  flush of 100000 counts: ${flushMs.toFixed(1)}ms, stored total grew by ${after - before} (expected 100000)`,
  );

  console.log("\nLogin (argon2id m=19456 t=2 p=1)");
  report("  successful login over HTTP", await sequential(20, () => post("/api/auth/login", ADMIN)), { p95Ms: 250 });
  report(
    "  failed login, unknown email",
    await sequential(20, () => post("/api/auth/login", { email: "ghost@example.com", password: "wrong-password" })),
  );
  console.log("");
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
await postgresAndRedis();
