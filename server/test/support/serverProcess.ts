// The real server as a separate process (`src/main.ts`, which `pnpm start` runs once built), for
// faults that only a process can show: being killed, refusing to start, staying up through trouble.
// DATABASE_URL is cleared unless given (SQLite in DATA_DIR); on the PostgreSQL leg of the suite,
// pass the `env` of processDatabase() from ../harness.ts.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string | null>;
  output(): string;
}

const serverDir = path.resolve(import.meta.dirname, "..", "..");

/**
 * Node's flags to run the server's TypeScript as it is, as the tests do: tsx, and @fim/db from its
 * source (its "@fim/source" export) rather than its build, which may be stale or absent.
 */
export const FROM_SOURCE = ["--conditions=@fim/source", "--import", "tsx"];

/** What runs: the TypeScript as the tests run it, or the build `pnpm start` runs (dist/main.js). */
export type ServerEntry = "source" | "built";

function spawnMain(env: Record<string, string>, entry: ServerEntry = "source") {
  const args = entry === "built" ? ["dist/main.js"] : [...FROM_SOURCE, "src/main.ts"];
  const child = spawn(process.execPath, args, {
    cwd: serverDir,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
      CHECK_RESPONSES: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal)),
  );
  return { child, exited, output: () => output };
}

/** Starts `src/main.ts` with `env`; resolves once it listens, rejects if it exits first. */
export async function startServerProcess(
  env: Record<string, string>,
  entry: ServerEntry = "source",
): Promise<ServerProcess> {
  const { child, exited, output } = spawnMain(env, entry);
  const deadline = Date.now() + 30_000;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (true) {
    const url = /Portal and API: (http:\/\/\S+)/.exec(output())?.[1];
    if (url) return { child, url, exited, output };
    if (gone) throw new Error(`the server exited before listening:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not start in 30 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs `src/main.ts` expecting it to refuse to start: its exit code and what it printed. */
export async function refusedStart(
  env: Record<string, string>,
): Promise<{ code: number | string | null; output: string }> {
  const { child, exited, output } = spawnMain(env);
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: output() };
}

/** A JSON request to a server process: status, headers and parsed body. */
export async function call(url: string, method: string, route: string, token?: string, body?: unknown) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Kills (SIGKILL) whichever of `servers` still run, and waits for them to be gone. */
export async function killAll(servers: ServerProcess[]): Promise<void> {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill("SIGKILL");
      await server.exited;
    }
  }
}
