// What the benchmark scripts share: a JSON request over a keep-alive agent, a request sent through
// a given agent and followed to its end (the streams bursts), a portal session, and a process
// started on a free port and waited for until its health route answers.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import path from "node:path";

/** The server package (where `dist/main.js` is). */
export const SERVER_DIR = path.resolve(import.meta.dirname, "..");

export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) {
  return new Promise<Answer>((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      url,
      {
        method: options.method ?? "GET",
        agent,
        headers: { ...(body ? { "content-type": "application/json" } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** What became of a request sent by `sendThrough`. */
export interface Outcome {
  status: number;
  text: string;
  /** Milliseconds from sending to the answer's first byte, and to its first complete SSE event (NaN: none). */
  firstByteMs: number;
  firstEventMs: number;
  /** Whether it went on a connection an earlier request had opened (false: a new connection). */
  reusedConnection: boolean;
  /** Set when the request did not end with a complete answer. */
  failure?: string;
}

/**
 * One request through `connections` (an agent that opens a connection for each request, or one
 * that keeps them open for the next); resolves when it is over, however it ends, so one bad
 * request cannot hang a burst or go uncounted.
 */
export function sendThrough(
  connections: http.Agent,
  options: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: unknown;
    timeoutMs?: number;
    onResponse?: (res: http.IncomingMessage) => void;
  },
): Promise<Outcome> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const started = performance.now();
    const outcome: Outcome = {
      status: 0,
      text: "",
      firstByteMs: Number.NaN,
      firstEventMs: Number.NaN,
      reusedConnection: false,
    };
    const req = http.request(
      options.url,
      {
        method: options.method,
        agent: connections,
        headers: { ...options.headers, ...(options.body ? { "content-type": "application/json" } : {}) },
      },
      (res) => {
        outcome.status = res.statusCode ?? 0;
        outcome.reusedConnection = req.reusedSocket;
        options.onResponse?.(res);
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (Number.isNaN(outcome.firstByteMs)) outcome.firstByteMs = performance.now() - started;
          outcome.text += chunk;
          // The first event is complete once its frame ends (a blank line after `event:` and `data:`).
          if (Number.isNaN(outcome.firstEventMs) && /^event: .*\ndata: .*\n\n/m.test(outcome.text)) {
            outcome.firstEventMs = performance.now() - started;
          }
        });
        res.on("error", () => undefined);
        res.on("close", () =>
          resolve({ ...outcome, ...(res.complete ? {} : { failure: "connection closed mid-answer" }) }),
        );
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", (error) => resolve({ ...outcome, failure: error.message }));
    req.end(options.body ? JSON.stringify(options.body) : undefined);
  });
}

/** Logs in through the portal's door: the headers of a browser holding that session (its access cookie). */
export async function portalSession(url: string, login: { email: string; password: string }) {
  const answer = await request(`${url}/trpc/auth.login`, {
    method: "POST",
    headers: { "x-fim-csrf": "1", "sec-fetch-site": "same-origin" },
    body: login,
  });
  const cookie = (answer.headers["set-cookie"] ?? [])
    .map((line) => line.split(";")[0] ?? "")
    .filter((pair) => pair.startsWith("fim_access="))
    .join("; ");
  return { cookie, "sec-fetch-site": "same-origin" };
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface Spawned {
  url: string;
  child: ChildProcess;
  /** spawn → first 200 from the health route, ms */
  startMs: number;
  stop(): Promise<void>;
}

export async function spawnAndWait(args: string[], env: NodeJS.ProcessEnv, healthPath: string, logFile: string) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(logFile, "a");
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: SERVER_DIR,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exit.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) {
      const message = readFileSync(logFile, "utf8").match(/"message":"([^"]*)"/)?.[1] ?? "see its log";
      throw new Error(`${args.join(" ")} exited before it answered: ${message}`);
    }
    const status = await new Promise<number>((resolve) => {
      const req = http.get(`${url}${healthPath}`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", () => resolve(0));
    });
    if (status === 200) break;
    await sleep(5);
  }
  const startMs = performance.now() - started;
  return {
    url,
    child,
    startMs,
    async stop() {
      if (!exited) child.kill("SIGTERM");
      await exit;
    },
  } satisfies Spawned;
}
