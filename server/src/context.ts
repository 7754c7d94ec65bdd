// Everything a service needs, built once at start and passed explicitly (no module singletons),
// so tests can build as many isolated instances as they like. Every piece of per-server state is
// a field here, made by createContext and stopped by closeContext; each field's comment says how
// it stays right when several instances serve one database.
import type { Db } from "@fim/db";
import { configuredEngine, type EngineChoice } from "./agent/engine.ts";
import { type AgentSettings, DEFAULT_AGENT_SETTINGS, RunRegistry } from "./agent/runtime.ts";
import { EngineTurns } from "./agent/turns.ts";
import { CredentialCache } from "./auth/credentialCache.ts";
import { KeyRateLimiter } from "./auth/keyRateLimits.ts";
import { LoginThrottle } from "./auth/loginThrottle.ts";
import { PasswordHasher } from "./auth/passwords.ts";
import { PasswordResetThrottle } from "./auth/resetThrottle.ts";
import { RevocationFeed } from "./auth/revocationFeed.ts";
import { SessionActivity } from "./auth/sessionActivity.ts";
import { UnknownKeyBudget } from "./auth/unknownKeys.ts";
import { UsageRecorder } from "./auth/usage.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { BackgroundWork } from "./lib/backgroundWork.ts";
import { Batcher } from "./lib/batcher.ts";
import type { DatabaseState } from "./lib/databaseWatch.ts";
import { type Mailer, smtpMailer } from "./lib/mailer.ts";
import { type HostResolver, systemResolver } from "./lib/networkGuard.ts";
import { RecentKeys } from "./lib/recentKeys.ts";
import { SearchPool } from "./lib/searchPool.ts";
import { SharedState } from "./lib/sharedState.ts";
import type { Logger } from "./logger.ts";
import { type LiveRuns, type RunMessage, recordRunMessages, type StoredRunMessage } from "./services/conversations.ts";
import { type KnowledgeBaseName, knowledgeBaseNamesOf } from "./services/knowledgeBases.ts";

/** How long the portal's run keys are remembered (an EventSource reconnects within seconds). */
const RUN_KEY_MEMORY_MS = 10 * 60_000;

export interface AppContext {
  config: Config;
  /** The database client; replaced when the database file is reopened (see DatabaseWatch). */
  db: Db;
  /** Whether the database can be read and written right now. */
  database: { readonly state: DatabaseState };
  clock: Clock;
  logger: Logger;
  /**
   * Verified keys, sessions and access tokens (credentialCache.ts): changes made here are
   * forgotten at once; those of other instances or the CLI arrive over Redis (about a
   * millisecond) and through the Revocation table (within a second).
   */
  credentials: CredentialCache;
  /** The bound on lookups of unknown keys per client address (counted in `shared` when it is on). */
  unknownKeys: UnknownKeyBudget;
  usage: UsageRecorder;
  /** Login sessions' last activity, noted in memory per request and written in batches. */
  sessionActivity: SessionActivity;
  loginThrottle: LoginThrottle;
  /** The same throttling for second-factor codes (the login's second step, turning 2FA off), counted apart. */
  mfaThrottle: LoginThrottle;
  /** "Forgot password" requests per email and per client address (counted in `shared` when it is on). */
  passwordResetThrottle: PasswordResetThrottle;
  /** SMTP when SMTP_URL is set; null: reset links go to the log. A connection pool per instance, nothing shared. */
  mailer: Mailer | null;
  /**
   * Where links in mails point: PUBLIC_URL, else the address this server listens on (set once it
   * listens). Every instance of a deployment should be given the same PUBLIC_URL.
   */
  publicUrl: string;
  /** Work started by a request but not awaited by it (mails); finished before the context closes. */
  background: BackgroundWork;
  /** argon2id hashing behind a concurrency gate (shared by login, password changes, user creation). */
  passwords: PasswordHasher;
  /** Host name → addresses, for connector calls (tests swap it to play DNS tricks). */
  resolveHost: HostResolver;
  /**
   * Knowledge-base search, in worker threads that keep the indexes. Each instance builds its own
   * from the database, keyed by the knowledge base's content version (which any document added or
   * deleted, through any instance, changes), so no instance searches an outdated index.
   */
  search: SearchPool;
  /** What several instances share (Redis), or nothing for one instance. */
  shared: SharedState;
  /** Per-key rate limits (counted in `shared` when it is on). */
  keyRateLimits: KeyRateLimiter;
  /** Revocations written for, and read from, the other instances sharing the database. */
  revocations: RevocationFeed;
  /**
   * What answers agent runs: the offline rules or the configured model (a test server is given one
   * it can hold). Stateless; every instance makes the same from the same configuration.
   */
  engine: EngineChoice;
  /**
   * How the runs streaming here share the event loop: one engine step per turn (agent/turns.ts).
   * Per process by nature: a run's steps happen on the instance it streams from.
   */
  engineTurns: EngineTurns;
  /** The agent engine's intervals and bounds; the defaults on every instance, nothing to share. */
  agentSettings: AgentSettings;
  /**
   * The runs in progress: each instance holds its own and announces them in Redis (`shared`), so
   * an inject or the end of a deleted conversation's run reaches a run wherever it streams, and the
   * concurrent-runs quota is counted over all instances (per instance while Redis is away).
   */
  runs: RunRegistry;
  /** The same registry, through the port the conversation rules declare (services do not know the engine). */
  liveRuns: LiveRuns;
  /**
   * The messages runs store (their questions, with their new conversations, and their answers),
   * gathered over the runs that start or finish together and stored in one transaction per batch
   * (lib/batcher.ts). A batch lives for a turn of the event loop and goes straight to the shared
   * database: nothing is held that other instances could miss.
   */
  runMessages: Batcher<RunMessage, StoredRunMessage>;
  /** The default agent's knowledge bases, for the runs starting together in one query (lib/batcher.ts). */
  knowledgeBaseNames: Batcher<string, KnowledgeBaseName[]>;
  /**
   * Run keys the portal's runs were started with, so an EventSource reconnecting with the same key
   * does not ask the question again. Claimed in Redis (`shared`) for all instances, so a reconnect
   * that a load balancer sends to another instance is recognised there; per instance while Redis
   * is away.
   */
  startedRuns: RecentKeys;
}

export function createContext(options: {
  config: Config;
  db: Db;
  logger: Logger;
  clock?: Clock;
  resolveHost?: HostResolver;
  database?: { readonly state: DatabaseState };
  shared?: SharedState;
  /** Default: the offline engine, or the model LLM_BASE_URL names. */
  engine?: EngineChoice;
  /** Default: a new one with the configured limits (the server passes the one its start already hashes with). */
  passwords?: PasswordHasher;
}): AppContext {
  const { config, logger } = options;
  const shared = options.shared ?? SharedState.local(logger);
  // Revocations made here are announced to the other instances (Redis: at once; the database
  // table: within a second, whatever Redis does), and theirs forgotten here. See credentialCache.ts.
  const credentials = new CredentialCache((change) => {
    shared.publish("revoke", { ...change });
    revocations.record(change);
  });
  shared.on("revoke", (change) => credentials.apply(change));
  // Read on SQLite too: one server serves the file, but the CLI (ending a user's sessions, say)
  // changes it from another process.
  const revocations = new RevocationFeed({ db: () => ctx.db, credentials, logger });
  // Subscribes to the other instances' injects and cancellations now, before the server listens.
  const runs = new RunRegistry(shared, logger);
  const ctx: AppContext = {
    config,
    db: options.db,
    database: options.database ?? { state: "ok" },
    logger,
    clock: options.clock ?? systemClock,
    credentials,
    unknownKeys: new UnknownKeyBudget(shared),
    // Reads the context's current client at each flush, and holds counts while writes are refused.
    usage: new UsageRecorder(
      { db: () => ctx.db, writable: () => ctx.database.state === "ok", provider: config.databaseProvider },
      logger,
      config.usageFlushMs,
    ),
    sessionActivity: new SessionActivity(
      { db: () => ctx.db, writable: () => ctx.database.state === "ok", provider: config.databaseProvider },
      logger,
      config.usageFlushMs,
    ),
    loginThrottle: new LoginThrottle(config.login, shared),
    mfaThrottle: new LoginThrottle(config.login, shared, "mfa"),
    passwordResetThrottle: new PasswordResetThrottle(config.passwordReset, shared),
    mailer: config.smtp ? smtpMailer(config.smtp) : null,
    publicUrl: config.publicUrl ?? `http://127.0.0.1:${config.port}`,
    background: new BackgroundWork(logger),
    passwords: options.passwords ?? new PasswordHasher(config.passwordHashing),
    resolveHost: options.resolveHost ?? systemResolver,
    search: new SearchPool({ logger }),
    shared,
    keyRateLimits: new KeyRateLimiter(shared),
    revocations,
    engine: options.engine ?? configuredEngine(config.llm),
    engineTurns: new EngineTurns(),
    agentSettings: { ...DEFAULT_AGENT_SETTINGS },
    runs,
    liveRuns: { stop: (conversationId, reason) => runs.cancelConversation(conversationId, reason) },
    runMessages: new Batcher((items) => recordRunMessages(ctx, items)),
    knowledgeBaseNames: new Batcher((ownerIds) => knowledgeBaseNamesOf(ctx, ownerIds)),
    startedRuns: new RecentKeys(RUN_KEY_MEMORY_MS, shared, logger),
  };
  return ctx;
}

/**
 * Stops what createContext made, once no request is being served: usage counts written,
 * revocation reads and run announcements stopped, search threads ended. The database client and
 * the shared state are closed by whoever passed them in.
 */
export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.background.settled();
  ctx.mailer?.close();
  await ctx.usage.stop();
  await ctx.sessionActivity.stop();
  await ctx.revocations.stop();
  ctx.runs.close();
  await ctx.search.stop();
}
