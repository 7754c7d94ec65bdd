// A real server on an ephemeral port over a real database of its own, for integration tests:
// a SQLite file in its data directory, or (the PostgreSQL leg of the suite) a PostgreSQL database
// made from the run's migrated template and dropped when the server closes.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, inject } from "vitest";
import { configuredEngine } from "../src/agent/engine.ts";
import { ManualClock } from "../src/clock.ts";
import { loadConfig } from "../src/config.ts";
import { sqliteFile } from "../src/lib/fileModes.ts";
import type { HostResolver } from "../src/lib/networkGuard.ts";
import { createLogger, type Logger } from "../src/logger.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { createUser } from "../src/services/users.ts";
import { HeldEngine } from "./support/heldEngine.ts";
import { SecretLedger } from "./support/secretLedger.ts";
import {
  createPostgresDatabase,
  databaseText,
  dropPostgresDatabase,
  type TestDatabaseProvider,
  testDatabases,
} from "./support/testDatabases.ts";

export { type ProcessDatabase, processDatabase, testProvider } from "./support/testDatabases.ts";

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
  /** The server's agent engine: `hold()` keeps its runs in progress until `release()`. */
  engine: HeldEngine;
  dataDir: string;
  /** The database this server uses, and which kind it is. */
  databaseUrl: string;
  provider: TestDatabaseProvider;
  /** The SQLite database file; null on PostgreSQL. */
  dbFile: string | null;
  /** Everything the database holds, as text (file bytes, or every row printed), for at-rest checks. */
  databaseText(): Promise<string>;
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

/**
 * The usual start of a test file: a test server started before its tests and closed after them,
 * its administrator logged in. `use` receives both once they are there.
 */
export function withAdminServer(
  use: (started: { server: TestServer; token: string }) => void,
  env: Record<string, string> = {},
): void {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(env);
    use({ server, token: (await server.login(ADMIN.email, ADMIN.password)).access_token });
  });
  afterAll(() => server?.close());
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: { logger?: Logger; resolveHost?: HostResolver } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-test-"));
  const databases = testDatabases();
  // A DATABASE_URL (or DATA_DIR) passed in is someone else's database: used, not made or dropped.
  let ownDatabase: string | undefined;
  if (databases.provider === "sqlite") {
    copyFileSync(databases.template, path.join(dataDir, "fim.db"));
  } else if (!env.DATABASE_URL) {
    ownDatabase = await createPostgresDatabase();
  }
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOGIN_MAX_FAILURES_PER_IP: "1000",
    // Every REST answer is checked against the contract; a mismatch fails its test and the run.
    CHECK_RESPONSES: "true",
    ...(ownDatabase ? { DATABASE_URL: ownDatabase } : {}),
    ...env,
  });
  const dbFile = sqliteFile(config.databaseUrl);
  const clock = new ManualClock();
  const engine = new HeldEngine(configuredEngine(config.llm));
  const running = await startServer({
    config,
    clock,
    engine: engine.choose,
    migrate: false,
    logger: options.logger ?? suiteLogger(),
    resolveHost: options.resolveHost,
  }).catch(async (error: unknown) => {
    if (ownDatabase) await dropPostgresDatabase(ownDatabase);
    throw error;
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
    engine,
    dataDir,
    databaseUrl: config.databaseUrl,
    provider: config.databaseProvider,
    dbFile,
    async databaseText() {
      // SQLite: everything into the main file first (the server writes through its WAL).
      if (dbFile) await running.ctx.db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
      return databaseText(config.databaseUrl);
    },
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
      if (ownDatabase) await dropPostgresDatabase(ownDatabase);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
