// Everything a service needs, built once at start and passed explicitly (no module singletons),
// so tests can build as many isolated instances as they like.
import type { Db } from "@fim/db";
import { KeyCache } from "./auth/keyCache.ts";
import { KeyRateLimiter } from "./auth/keyRateLimits.ts";
import { LoginThrottle } from "./auth/loginThrottle.ts";
import { PasswordHasher } from "./auth/passwords.ts";
import { RevocationFeed } from "./auth/revocationFeed.ts";
import { UsageRecorder } from "./auth/usage.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { DatabaseState } from "./lib/databaseWatch.ts";
import { type HostResolver, systemResolver } from "./lib/networkGuard.ts";
import { SearchPool } from "./lib/searchPool.ts";
import { SharedState } from "./lib/sharedState.ts";
import type { Logger } from "./logger.ts";

export interface AppContext {
  config: Config;
  /** The database client; replaced when the database file is reopened (see DatabaseWatch). */
  db: Db;
  /** Whether the database can be read and written right now. */
  database: { readonly state: DatabaseState };
  clock: Clock;
  logger: Logger;
  keyCache: KeyCache;
  usage: UsageRecorder;
  loginThrottle: LoginThrottle;
  /** argon2id hashing behind a concurrency gate (shared by login, password changes, user creation). */
  passwords: PasswordHasher;
  /** Host name → addresses, for connector calls (tests swap it to play DNS tricks). */
  resolveHost: HostResolver;
  /** Knowledge-base search, in worker threads that keep the indexes (stopped with the server). */
  search: SearchPool;
  /** What several instances share (Redis), or nothing for one instance. */
  shared: SharedState;
  /** Per-key rate limits (counted in `shared` when it is on). */
  keyRateLimits: KeyRateLimiter;
  /** Revocations written for, and read from, the other instances sharing the database. */
  revocations: RevocationFeed;
}

export function createContext(options: {
  config: Config;
  db: Db;
  logger: Logger;
  clock?: Clock;
  resolveHost?: HostResolver;
  database?: { readonly state: DatabaseState };
  shared?: SharedState;
}): AppContext {
  const { config, logger } = options;
  const shared = options.shared ?? SharedState.local(logger);
  // Revocations made here are announced to the other instances (Redis: at once; the database
  // table: within a second, whatever Redis does), and theirs forgotten here. See keyCache.ts.
  const keyCache = new KeyCache((change) => {
    shared.publish("revoke", { ...change });
    revocations.record(change);
  });
  shared.on("revoke", (change) => keyCache.apply(change));
  const revocations = new RevocationFeed({
    db: () => ctx.db,
    // Several instances can only share a PostgreSQL database; SQLite is served by one process.
    enabled: config.databaseProvider === "postgresql",
    keyCache,
    logger,
  });
  const ctx: AppContext = {
    config,
    db: options.db,
    database: options.database ?? { state: "ok" },
    logger,
    clock: options.clock ?? systemClock,
    keyCache,
    // Reads the context's current client at each flush, and holds counts while writes are refused.
    usage: new UsageRecorder(
      { db: () => ctx.db, writable: () => ctx.database.state === "ok" },
      logger,
      config.usageFlushMs,
    ),
    loginThrottle: new LoginThrottle(config.login, shared),
    passwords: new PasswordHasher(config.passwordHashing),
    resolveHost: options.resolveHost ?? systemResolver,
    search: new SearchPool({ logger }),
    shared,
    keyRateLimits: new KeyRateLimiter(shared),
    revocations,
  };
  return ctx;
}
