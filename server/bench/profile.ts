// `pnpm bench:profile`: where the time of an authenticated request goes. Starts the built server
// (`dist/main.js`) with V8's sampling profiler (`--cpu-prof`) on a fresh data directory, drives
// one credential path with autocannon, stops the server and prints the functions with the most
// self time and the same grouped by package, from the profile it wrote. The `.cpuprofile` file
// is kept (its path is printed): open it in Chrome DevTools (Performance → Load profile) or
// speedscope for the flame graph.
//   PROFILE_TARGET: key (default), jwt, trpc, or streams (bursts of 200 POST /api/react at once, as
//   in `pnpm bench`, instead of autocannon; PROFILE_NEW_CONNECTIONS=1 for a new connection per
//   run); PROFILE_SECONDS (8);
//   PROFILE_TOP (25); PROFILE_DATABASE_URL and PROFILE_REDIS_URL (default: SQLite in the work
//   directory, no Redis) to profile it on a PostgreSQL database (an empty one) and Redis.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { agent, portalSession, request, sendThrough, spawnAndWait } from "./support.ts";

const TARGET = process.env.PROFILE_TARGET ?? "key";
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 8);
const TOP = Number(process.env.PROFILE_TOP ?? 25);
const ADMIN = { email: "profile@example.com", password: "profile-password-1" };

const work = mkdtempSync(path.join(os.tmpdir(), "fim-profile-"));
// The server's output goes to a file in the work directory (kept with the profile).
const server = await spawnAndWait(
  ["--cpu-prof", `--cpu-prof-dir=${work}`, "dist/main.js"],
  {
    ...process.env,
    DATA_DIR: path.join(work, "data"),
    DATABASE_URL: process.env.PROFILE_DATABASE_URL ?? "",
    REDIS_URL: process.env.PROFILE_REDIS_URL ?? "",
    API_KEY_SECRET: randomBytes(32).toString("hex"),
    JWT_SECRET: randomBytes(32).toString("hex"),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    NODE_ENV: "production",
    // As in `pnpm bench`: the streams target starts 200 runs of one user at once.
    QUOTA_CONCURRENT_RUNS: "1000",
  },
  "/api/health",
  path.join(work, "server.log"),
);
const url = server.url;

const login = JSON.parse((await request(`${url}/api/auth/login`, { method: "POST", body: ADMIN })).body);
let headers: Record<string, string>;
let target = `${url}/api/auth/verify`;
if (TARGET === "jwt") {
  headers = { authorization: `Bearer ${login.access_token}` };
} else if (TARGET === "trpc") {
  headers = await portalSession(url, ADMIN);
  target = `${url}/trpc/me`;
} else {
  const created = await request(`${url}/api/me/api-keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${login.access_token}` },
    body: { name: "profile" },
  });
  headers = { authorization: `Bearer ${JSON.parse(created.body).key}` };
}
const check = await request(target, { headers });
if (check.status !== 200) throw new Error(`${TARGET}: ${check.status} ${check.body.slice(0, 200)}`);

if (TARGET === "streams") {
  await streamBursts(`${url}/api/react`, headers);
} else {
  const result = await autocannon({ url: target, headers, connections: 32, duration: SECONDS });
  console.log(
    `${TARGET}: ${result.requests.average.toFixed(0)} req/s over ${SECONDS} s, ${result.non2xx + result.errors} errors`,
  );
}
await server.stop();
agent.destroy();

/**
 * Bursts of 200 runs at once for PROFILE_SECONDS, on connections kept open from one burst to the
 * next as the streams figure of `pnpm bench` sends them (PROFILE_NEW_CONNECTIONS=1: a new
 * connection for each run, as its printed line beside the figure): what they cost the server.
 * Prints each burst's time to the first event.
 */
async function streamBursts(target: string, headers: Record<string, string>) {
  const burstAgent = new http.Agent({
    keepAlive: process.env.PROFILE_NEW_CONNECTIONS !== "1",
    maxSockets: Number.POSITIVE_INFINITY,
    maxFreeSockets: 200,
  });
  const question = { q: "What is 17 * 23?" };
  const run = async () => {
    const outcome = await sendThrough(burstAgent, { method: "POST", url: target, headers, body: question });
    return outcome.status === 200 && !outcome.failure ? outcome.firstEventMs : Number.NaN;
  };
  const until = performance.now() + SECONDS * 1000;
  while (performance.now() < until) {
    const outcomes = await Promise.all(Array.from({ length: 200 }, run));
    const firsts = outcomes.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
    const failed = outcomes.length - firsts.length;
    const at = (share: number) => firsts[Math.min(firsts.length - 1, Math.floor(share * firsts.length))]?.toFixed(0);
    console.log(`streams: 200 runs, first event p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, ${failed} failed`);
  }
  burstAgent.destroy();
}

// The profile: nodes with their own hit counts; self time is hits × the sampling interval.
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const file = readdirSync(work).find((name) => name.endsWith(".cpuprofile"));
if (!file) throw new Error("no profile was written");
const profile = JSON.parse(readFileSync(path.join(work, file), "utf8")) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) continue;
  const { functionName, url: source, lineNumber } = node.callFrame;
  const where = source ? `${path.basename(source)}:${lineNumber + 1}` : "";
  const name = `${functionName || "(anonymous)"} ${where}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  // The bundle inlines its packages: the esbuild banner comments are gone, so group by the file
  // for node internals and by "server bundle" for dist/main.js.
  const group = !source
    ? functionName.startsWith("(")
      ? functionName
      : "(native)"
    : source.startsWith("node:")
      ? source
      : source.includes("/dist/")
        ? "server bundle"
        : path.basename(source);
  byPackage.set(group, (byPackage.get(group) ?? 0) + hits);
}
const show = (title: string, entries: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, hits] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${((100 * hits) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
};
// Total time: a function's own samples and its callees', counted once per call path even when
// the function appears again below itself (Express's `next` does).
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byTotal = new Map<string, number>();
const nameOf = (node: ProfileNode) => {
  const { functionName, url: source, lineNumber } = node.callFrame;
  return `${functionName || "(anonymous)"} ${source ? `${path.basename(source)}:${lineNumber + 1}` : ""}`.trim();
};
const walk = (node: ProfileNode, open: Set<string>): number => {
  const name = nameOf(node);
  const first = !open.has(name);
  if (first) open.add(name);
  let hits = node.hitCount ?? 0;
  for (const child of node.children ?? []) {
    const next = nodes.get(child);
    if (next) hits += walk(next, open);
  }
  if (first) {
    open.delete(name);
    byTotal.set(name, (byTotal.get(name) ?? 0) + hits);
  }
  return hits;
};
const root = profile.nodes[0];
if (root) walk(root, new Set());
for (const name of ["(root)", "(idle)", "(program)", "(garbage collector)"]) byTotal.delete(name);
show("self time by function", byFunction);
show("total time by function (self and callees)", byTotal);
show("self time by source", byPackage);
console.log(`\nprofile: ${path.join(work, file)}`);
