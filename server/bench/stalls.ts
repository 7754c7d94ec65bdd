// `pnpm bench`, part two: does the heaviest load one user may send stall everybody else? A real
// server process answers `GET /api/health` probes while the load runs; the probes' latency is
// the figure, next to the same probes on the idle server (the floor, measured in the same run).
// The load, all at once:
//   - streaming runs whose question is the calculator's old worst case ("1", 19,998 spaces, "1"),
//   - retrieval over a 4 MB corpus of random words (the first one builds the index), with
//     2,000-character queries of 160+ distinct long words,
//   - 1 MB document uploads (chunked on arrival),
//   - storms of 50 simultaneous logins at full argon2id cost.
// BENCH_URL points it at a server already running (with ADMIN_EMAIL/ADMIN_PASSWORD set to the
// bench's), e.g. an older build, to compare; otherwise it starts the built server (`dist/main.js`,
// as `pnpm start` runs it; `pnpm bench` builds it first) on a temp directory.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { corpusDocument, random, wordMaker } from "../test/support/corpus.ts";

const ADMIN = { email: "bench@example.com", password: "bench-password-1" };
const LOAD_SECONDS = Number(process.env.BENCH_STALL_SECONDS ?? 12);

async function startServer(): Promise<{ url: string; child?: ChildProcess; cleanup(): void }> {
  if (process.env.BENCH_URL) return { url: process.env.BENCH_URL, cleanup() {} };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-bench-stalls-"));
  const child = spawn(process.execPath, ["dist/main.js"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
      LOGIN_MAX_FAILURES_PER_IP: "1000000",
      QUOTA_CONCURRENT_RUNS: "100",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.on("exit", () => reject(new Error(`the server exited:\n${output}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Portal and API: (http:\/\/\S+)/.exec(output)?.[1];
      if (found) resolve(found);
    });
  });
  return {
    url,
    child,
    cleanup() {
      child.kill("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Answer {
  status: number;
  text: string;
}

async function request(url: string, method: string, route: string, token?: string, body?: unknown): Promise<Answer> {
  try {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  } catch {
    return { status: 0, text: "" };
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

// The probe runs in a thread of its own, so the load generator's work in this process (building
// bodies, reading streams) never delays a probe: what it measures is the server alone.
const PROBE_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
let stopped = false;
parentPort.on("message", () => { stopped = true; });
(async () => {
  const samples = [];
  while (!stopped) {
    const started = performance.now();
    try {
      const response = await fetch(workerData.url + "/api/health");
      await response.arrayBuffer();
    } catch {}
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  parentPort.postMessage(samples);
})();
`;

/** Probes /api/health one after another (every 10 ms) until `until` settles; returns the latencies. */
async function probe(url: string, until: Promise<unknown>): Promise<number[]> {
  const thread = new Worker(PROBE_THREAD, { eval: true, workerData: { url } });
  const samples = new Promise<number[]>((resolve) => thread.once("message", resolve));
  await until.catch(() => undefined);
  thread.postMessage("stop");
  const result = await samples;
  await thread.terminate();
  return result;
}

function summary(label: string, samples: number[]): { p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)}ms`.padStart(9);
  const p99 = percentile(sorted, 99);
  console.log(
    `  ${label.padEnd(34)} ${String(samples.length).padStart(5)} probes  p50 ${fmt(percentile(sorted, 50))}  ` +
      `p95 ${fmt(percentile(sorted, 95))}  p99 ${fmt(p99)}  max ${fmt(sorted.at(-1) ?? Number.NaN)}`,
  );
  return { p99 };
}

/** Repeats `work` until the deadline; counts answers by status. */
async function loop(deadline: number, counts: Map<string, number>, name: string, work: () => Promise<number[]>) {
  while (Date.now() < deadline) {
    for (const status of await work()) {
      const key = `${name} ${status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
}

const server = await startServer();
try {
  const { url } = server;
  const login = JSON.parse((await request(url, "POST", "/api/auth/login", undefined, ADMIN)).text);
  const token: string = login.access_token;

  console.log("\nStalls: /api/health while the heaviest requests a user may send run together");
  const corpusKb = JSON.parse(
    (await request(url, "POST", "/api/knowledge-bases", token, { name: "4 MB corpus" })).text,
  );
  const next = random(7);
  for (let i = 0; i < 5; i++) {
    await request(url, "POST", `/api/knowledge-bases/${corpusKb.id}/documents`, token, {
      title: `Volume ${i}`,
      content: corpusDocument(800_000, next),
    });
  }
  const uploadsKb = JSON.parse((await request(url, "POST", "/api/knowledge-bases", token, { name: "uploads" })).text);
  const word = wordMaker(random(11), 10, 12);
  const longQuery = () => Array.from({ length: 170 }, word).join(" ").slice(0, 2000);
  const megabyte = corpusDocument(999_000, random(3));
  const adversarial = `1${" ".repeat(19_998)}1`;

  const idle = summary("idle (the floor)", await probe(url, new Promise((resolve) => setTimeout(resolve, 3000))));

  type Load = (deadline: number, counts: Map<string, number>) => Promise<void>[];
  const loads: Record<string, Load> = {
    "runs, adversarial question ×4": (deadline, counts) =>
      Array.from({ length: 4 }, () =>
        loop(deadline, counts, "run (adversarial question)", async () => [
          (await request(url, "POST", "/api/react", token, { q: adversarial })).status,
        ]),
      ),
    "retrieval, 4 MB, long queries ×2": (deadline, counts) =>
      Array.from({ length: 2 }, () =>
        loop(deadline, counts, "retrieve (4 MB, 160-word query)", async () => [
          (await request(url, "POST", `/api/knowledge-bases/${corpusKb.id}/retrieve`, token, { query: longQuery() }))
            .status,
        ]),
      ),
    "1 MB uploads ×1": (deadline, counts) => [
      loop(deadline, counts, "upload 1 MB document", async () => {
        const added = await request(url, "POST", `/api/knowledge-bases/${uploadsKb.id}/documents`, token, {
          title: "upload",
          content: megabyte,
        });
        if (added.status === 201) {
          const { id } = JSON.parse(added.text);
          await request(url, "DELETE", `/api/knowledge-bases/${uploadsKb.id}/documents/${id}`, token);
        }
        return [added.status];
      }),
    ],
    "login storms, 50 at once": (deadline, counts) => [
      loop(deadline, counts, "login storm (50 at once)", async () =>
        (
          await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              request(url, "POST", "/api/auth/login", undefined, {
                email: `storm-${i}@example.com`,
                password: "guess-1",
              }),
            ),
          )
        ).map((answer) => answer.status),
      ),
    ],
  };

  const counts = new Map<string, number>();
  const phase = async (label: string, chosen: Load[], seconds: number) => {
    const deadline = Date.now() + seconds * 1000;
    const load = Promise.all(chosen.flatMap((start) => start(deadline, counts)));
    const result = summary(label, await probe(url, load));
    await load;
    return result;
  };
  for (const [name, load] of Object.entries(loads)) await phase(`alone: ${name}`, [load], 5);
  // The first retrieval above built the index; make the combined phase build one too.
  await request(url, "POST", `/api/knowledge-bases/${corpusKb.id}/documents`, token, { title: "v2", content: "new" });
  const loaded = await phase("all of them at once", Object.values(loads), LOAD_SECONDS);
  console.log(
    `  p99 under the heaviest load: ${loaded.p99.toFixed(1)} ms (target: under 100 ms), ${(loaded.p99 / idle.p99).toFixed(1)}× the idle p99`,
  );
  console.log("  answers served during the phases, by status:");
  for (const [name, count] of [...counts].sort()) console.log(`    ${name.padEnd(44)} ${String(count).padStart(6)}`);
  console.log("");
} finally {
  server.cleanup();
}
