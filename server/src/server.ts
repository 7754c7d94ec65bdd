// Starting and stopping the whole service: database, migrations, first admin, HTTP server,
// usage flushing, and a graceful stop that finishes in-flight requests and loses no counts.

import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { applyMigrations, type DatabaseLock, lockDatabase, openDb } from "@fim/db";
import type { EngineChoice } from "./agent/engine.ts";
import { PasswordHasher } from "./auth/passwords.ts";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { type AppContext, closeContext, createContext } from "./context.ts";
import { createApp } from "./http/app.ts";
import { DatabaseWatch } from "./lib/databaseWatch.ts";
import { sqliteFile, sqliteFiles, tightenModes } from "./lib/fileModes.ts";
import type { HostResolver } from "./lib/networkGuard.ts";
import { SharedState } from "./lib/sharedState.ts";
import { createLogger, type Logger } from "./logger.ts";
import { checkSecrets } from "./services/installation.ts";
import { removeUnfinishedDocuments } from "./services/knowledgeBases.ts";
import { ensureAdmin, startupAdmin } from "./services/users.ts";
import { TRPC_PATH } from "./trpc/cookies.ts";
import { createTrpcHandler } from "./trpc/handler.ts";

export interface RunningServer {
  ctx: AppContext;
  url: string;
  port: number;
  /** Graceful stop: no new connections, in-flight requests finish, usage flushed, db closed. */
  stop(): Promise<void>;
}

export async function startServer(options: {
  config: Config;
  logger?: Logger;
  clock?: Clock;
  migrate?: boolean;
  /** Host name resolution for connector calls (tests pass a scripted one). */
  resolveHost?: HostResolver;
  /** What answers agent runs; default: the offline engine or the configured model (tests pass one they hold). */
  engine?: EngineChoice;
  /** Called with first-run admin credentials (the CLI prints them). */
  onFirstAdmin?: (credentials: { email: string; password: string }) => void;
}): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  // SQLite only: the file's lock, modes and watch. PostgreSQL is a server several instances may
  // share; it is migrated under an advisory lock and reached over the network (openDb checks it).
  const dbFile = config.databaseProvider === "sqlite" ? sqliteFile(config.databaseUrl) : null;
  // One server process per SQLite database: a second one refuses to start (DatabaseInUseError).
  const lock = dbFile ? lockDatabase(dbFile) : undefined;
  try {
    return await serve(options, logger, dbFile, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function serve(
  options: Parameters<typeof startServer>[0],
  logger: Logger,
  dbFile: string | null,
  lock: DatabaseLock | undefined,
): Promise<RunningServer> {
  const { config } = options;
  const dataFiles = [
    { path: config.dataDir, mode: 0o700 },
    ...(dbFile ? sqliteFiles(dbFile).map((file) => ({ path: file, mode: 0o600 })) : []),
  ];
  // An install from an older version (or a copied data directory) may be readable by others.
  tightenModes(dataFiles, logger);
  const fresh = new Set(dataFiles.map((file) => file.path).filter((file) => !existsSync(file)));
  // The start-up admin's password hash runs on a thread of its own while the database is migrated
  // and opened, rather than after: from here with ADMIN_PASSWORD, else from the migrations on when
  // they found the database empty (then it has no users: its first admin is certain).
  const passwords = new PasswordHasher(config.passwordHashing);
  let admin = startupAdmin(config, passwords, { newDatabase: false });
  if (options.migrate !== false) {
    const { applied, wasEmpty } = await applyMigrations(config.databaseUrl);
    if (applied.length > 0) logger.info({ migrations: applied }, "applied database migrations");
    admin ??= startupAdmin(config, passwords, { newDatabase: wasEmpty });
  }
  // Files the migration just created: private from their first second, nothing to report.
  tightenModes(dataFiles, logger, { quiet: fresh });
  const watch = dbFile
    ? new DatabaseWatch({
        file: dbFile,
        logger,
        reopen: async () => {
          const previous = ctx.db;
          ctx.db = await openDb(config.databaseUrl);
          await previous.$disconnect().catch(() => undefined);
        },
      })
    : undefined;
  const shared = config.redis
    ? await SharedState.connect(config.redis.url, config.redis.keyPrefix, logger)
    : SharedState.local(logger);
  const ctx = createContext({
    config,
    db: await openDb(config.databaseUrl),
    database: watch,
    logger,
    clock: options.clock,
    resolveHost: options.resolveHost,
    shared,
    engine: options.engine,
    passwords,
  });
  watch?.start();
  // Listening before serving: a message another instance publishes about our runs or our cache
  // from the first request on must not be missed (createContext subscribed to them).
  await shared.settled();
  try {
    // Instances of one deployment must share their secrets: refuse to start with others.
    await checkSecrets(ctx);
    await ctx.revocations.start();
    const firstAdmin = await ensureAdmin(ctx, admin);
    await removeUnfinishedDocuments(ctx);
    if (firstAdmin) options.onFirstAdmin?.(firstAdmin);
  } catch (error) {
    // Nothing of a start that failed may keep the process alive.
    watch?.stop();
    await closeContext(ctx);
    await shared.close();
    await ctx.db.$disconnect().catch(() => undefined);
    throw error;
  }
  ctx.usage.start();
  ctx.sessionActivity.start();

  // The portal talks to the same services over tRPC, mounted beside the REST routes.
  const app = createApp(ctx, { beforeRoutes: [{ path: TRPC_PATH, handler: createTrpcHandler(ctx) }] });
  const server = http.createServer(app);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const url = `http://${shownHost}:${port}`;
  if (!config.publicUrl) ctx.publicUrl = url;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Connections that go idle after their last response are closed as they become idle.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const forced = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearInterval(sweep);
      clearTimeout(forced);
      await closeContext(ctx);
      watch?.stop();
      await ctx.db.$disconnect();
      await shared.close();
      lock?.release();
    })();
    return stopping;
  };
  return { ctx, url, port, stop };
}
