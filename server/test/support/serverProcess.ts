// The real server as a separate process (`src/main.ts`, as `pnpm start` runs it), for faults
// that only a process can show: being killed, refusing to start, staying up through trouble.
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

function spawnMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverDir,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", DATABASE_URL: "", ...env },
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
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const { child, exited, output } = spawnMain(env);
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
