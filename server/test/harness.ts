// A real server on an ephemeral port over a real SQLite file, for integration tests.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { inject } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { loadConfig } from "../src/config.ts";
import type { HostResolver } from "../src/lib/networkGuard.ts";
import { createLogger, type Logger } from "../src/logger.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { createUser } from "../src/services/users.ts";
import { SecretLedger } from "./support/secretLedger.ts";

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const ADMIN = { email: "admin@example.com", password: "admin-password-1" };

export interface TestServer extends RunningServer {
  clock: ManualClock;
  dataDir: string;
  dbFile: string;
  /** JSON request helper: returns status, headers and parsed body. */
  api(
    method: string,
    route: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: any }>;
  login(email: string, password: string): Promise<{ access_token: string; refresh_token: string; user: any }>;
  createUser(
    email: string,
    password?: string,
    role?: "user" | "admin",
  ): Promise<{ id: string; email: string; token: string }>;
  /** Creates an API key for the holder of `token`; returns the full key and its id. */
  createKey(token: string, body?: Record<string, unknown>): Promise<{ key: string; id: string }>;
  close(): Promise<void>;
}

const ledger = SecretLedger.forDirectory(inject("logDir"));
let serversStarted = 0;

/** A trace-level logger writing where the suite-wide secret scan will read it. */
function suiteLogger(): Logger {
  const file = path.join(inject("logDir"), `server-${process.pid}-${++serversStarted}.log`);
  return createLogger("trace", pino.destination({ dest: file, sync: true }));
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: { logger?: Logger; resolveHost?: HostResolver } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-test-"));
  const dbFile = path.join(dataDir, "fim.db");
  copyFileSync(inject("templateDb"), dbFile);
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOGIN_MAX_FAILURES_PER_IP: "1000",
    ...env,
  });
  const clock = new ManualClock();
  const running = await startServer({
    config,
    clock,
    migrate: false,
    logger: options.logger ?? suiteLogger(),
    resolveHost: options.resolveHost,
  });

  const api: TestServer["api"] = async (method, route, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    ledger.noteRequest(headers.authorization?.replace(/^Bearer\s+/i, ""), parseJson(body));
    const response = await fetch(`${running.url}${route}`, { method, headers, body });
    const text = await response.text();
    // not JSON: keep the text so a test can show what came back
    const parsed = parseJson(text) ?? (text || undefined);
    ledger.checkResponse(method, route, text, parsed);
    return { status: response.status, headers: response.headers, body: parsed };
  };

  const login: TestServer["login"] = async (email, password) => {
    const response = await api("POST", "/api/auth/login", { body: { email, password } });
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };

  return {
    ...running,
    clock,
    dataDir,
    dbFile,
    api,
    login,
    async createUser(email, password = "user-password-1", role = "user") {
      const user = await createUser(running.ctx, { email, password, role });
      const { access_token } = await login(email, password);
      return { id: user.id, email: user.email, token: access_token };
    },
    async createKey(token, body = { name: "test key" }) {
      const response = await api("POST", "/api/me/api-keys", { token, body });
      if (response.status !== 201)
        throw new Error(`key creation failed: ${response.status} ${JSON.stringify(response.body)}`);
      return { key: response.body.key, id: response.body.id };
    },
    async close() {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
