// Everything a service needs, built once at start and passed explicitly (no module singletons),
// so tests can build as many isolated instances as they like.
import type { Db } from "@fim/db";
import { KeyCache } from "./auth/keyCache.ts";
import { LoginThrottle } from "./auth/loginThrottle.ts";
import { PasswordHasher } from "./auth/passwords.ts";
import { UsageRecorder } from "./auth/usage.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { type HostResolver, systemResolver } from "./lib/networkGuard.ts";
import { SearchPool } from "./lib/searchPool.ts";
import type { Logger } from "./logger.ts";

export interface AppContext {
  config: Config;
  db: Db;
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
}

export function createContext(options: {
  config: Config;
  db: Db;
  logger: Logger;
  clock?: Clock;
  resolveHost?: HostResolver;
}): AppContext {
  const { config, db, logger } = options;
  return {
    config,
    db,
    logger,
    clock: options.clock ?? systemClock,
    keyCache: new KeyCache(),
    usage: new UsageRecorder(db, logger, config.usageFlushMs),
    loginThrottle: new LoginThrottle(config.login),
    passwords: new PasswordHasher(config.passwordHashing),
    resolveHost: options.resolveHost ?? systemResolver,
    search: new SearchPool({ logger }),
  };
}
