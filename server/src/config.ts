// Configuration: read from the environment once, validated, with a safe default for every
// setting so the embedded mode needs no .env. Nothing else reads process.env.
import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import path from "node:path";
import { type DatabaseProvider, databaseProvider } from "@fim/db";
import { z } from "zod";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

const secret = optionalString.refine((value) => value === undefined || value.length >= 32, {
  message: "must be at least 32 characters (256 bits)",
});

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: optionalString,
  JWT_SECRET: secret,
  API_KEY_SECRET: secret,
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ACCESS_TOKEN_TTL: z.coerce.number().int().positive().default(7200),
  REFRESH_TOKEN_TTL: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3600),
  USAGE_FLUSH_MS: z.coerce.number().int().positive().max(1000).default(1000),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(20),
  LOGIN_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  BODY_LIMIT: z.string().default("1mb"),
  TRUST_PROXY: optionalString,
  // Half the cores (at least one): a login storm can never take every core from the event loop.
  PASSWORD_HASH_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(Math.max(1, Math.floor(availableParallelism() / 2))),
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).max(10_000).default(64),
  QUOTA_API_KEYS: z.coerce.number().int().positive().default(100),
  QUOTA_KNOWLEDGE_BASES: z.coerce.number().int().positive().default(50),
  QUOTA_DOCUMENTS: z.coerce.number().int().positive().default(5000),
  QUOTA_STORAGE_MB: z.coerce.number().positive().default(200),
  QUOTA_CONCURRENT_RUNS: z.coerce.number().int().positive().default(4),
  RUN_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(300),
  REDIS_URL: optionalString,
  REDIS_KEY_PREFIX: z.string().default("fim:"),
  DEFAULT_KEY_RATE_LIMIT: optionalString,
  WEB_DIST: optionalString,
  LLM_BASE_URL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_MODEL: optionalString,
  COOKIE_SECURE: z.enum(["auto", "true", "false"]).default("auto"),
  CONNECTOR_PRIVATE_NETWORKS: z.enum(["block", "allow"]).default("block"),
  CHECK_RESPONSES: z.enum(["true", "false"]).default("false"),
  SMTP_URL: optionalString,
  SMTP_FROM: optionalString,
  PUBLIC_URL: optionalString,
  PASSWORD_RESET_MAX_PER_EMAIL: z.coerce.number().int().positive().default(3),
  PASSWORD_RESET_MAX_PER_IP: z.coerce.number().int().positive().default(10),
  PASSWORD_RESET_WINDOW_SECONDS: z.coerce.number().int().positive().default(3600),
  SUDO_MODE_SECONDS: z.coerce.number().int().positive().max(86_400).default(600),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  /** Which database DATABASE_URL selects: `file:` (or unset) SQLite, `postgresql://` PostgreSQL. */
  databaseProvider: DatabaseProvider;
  jwtSecret: string;
  /**
   * The same secret as a key object. jsonwebtoken, given a string, first tries to read it as a
   * public key and fails with an exception on every verify (~1 ms); a KeyObject skips that.
   */
  jwtKey: KeyObject;
  apiKeySecret: string;
  /** The same secret as a key object, for the HMAC of every API key a request presents (no conversion per call). */
  apiKeyHashKey: KeyObject;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: Env["LOG_LEVEL"];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  usageFlushMs: number;
  login: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number };
  bodyLimit: string;
  /** Express's `trust proxy`: a boolean, a hop count, or names/addresses/CIDRs. */
  trustProxy: TrustProxy | undefined;
  /** Password hashes (argon2id) running at once, and how many more may wait for a turn. */
  passwordHashing: { concurrency: number; queue: number };
  quotas: Quotas;
  /** Wall-clock limit of one agent run, seconds. */
  runTimeoutSeconds: number;
  /** Shared state for several instances; unset = one instance, state in memory. */
  redis: { url: string; keyPrefix: string } | undefined;
  /** Rate limit for keys that have none of their own; unset = none. */
  defaultKeyRateLimit: { requests: number; windowSeconds: number } | undefined;
  /** The built portal (WEB_DIST, else web/dist of this checkout); served when it holds index.html. */
  webDist: string;
  llm: { baseUrl: string; apiKey: string | undefined; model: string } | undefined;
  cookieSecure: "auto" | "true" | "false";
  /** Whether connector calls may reach loopback, private and link-local addresses. */
  connectorPrivateNetworks: "block" | "allow";
  /**
   * Development and tests: every REST answer is checked against the contract (its status is
   * documented, its body matches); a mismatch is logged as a contract violation and answered 500.
   */
  checkResponses: boolean;
  /**
   * Outgoing mail (password-reset links): an `smtp://` or `smtps://` URL with optional
   * credentials, and the sender. Unset: reset links are written to the log for the operator.
   */
  smtp: { url: string; from: string } | undefined;
  /** Where people reach the portal, for links in mails; unset: the address the server listens on. */
  publicUrl: string | undefined;
  /** "Forgot password" requests per email address and per client address, per window. */
  passwordReset: { maxPerEmail: number; maxPerIp: number; windowSeconds: number };
  /** How long a password confirmed in a session (at login, or by re-authenticating) opens sensitive actions. */
  sudoModeSeconds: number;
}

export type TrustProxy = boolean | number | string[];

export interface Quotas {
  /** Per user. */
  apiKeys: number;
  knowledgeBases: number;
  documents: number;
  /** Bytes of document content (UTF-8) a user may store. */
  storageBytes: number;
  /** Agent runs one user may have streaming at once. */
  concurrentRuns: number;
}

const PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * Reads TRUST_PROXY the way Express understands it: `true`/`false`, a hop count, or a
 * comma-separated list of names (loopback, linklocal, uniquelocal), addresses and CIDR ranges.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === "true";
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(",").map((entry) => entry.trim());
  for (const entry of entries) {
    if (PROXY_NAMES.has(entry)) continue;
    const [address = "", prefix, ...rest] = entry.split("/");
    const family = isIP(address);
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new Error(
        `TRUST_PROXY: "${entry}" is not true/false, a hop count, loopback/linklocal/uniquelocal, an address or a CIDR range`,
      );
    }
  }
  return entries;
}

/** Reads DEFAULT_KEY_RATE_LIMIT: `<requests>/<seconds>`, e.g. `600/60`. */
export function parseRateLimit(value: string): { requests: number; windowSeconds: number } {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,6})\s*$/.exec(value);
  const requests = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || requests < 1 || windowSeconds < 1 || windowSeconds > 86_400) {
    throw new Error(`DEFAULT_KEY_RATE_LIMIT: "${value}" is not <requests>/<seconds> (e.g. 600/60; 1 to 86400 seconds)`);
  }
  return { requests, windowSeconds };
}

/** Reads PUBLIC_URL: an http(s) URL, kept without a trailing slash. */
export function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`PUBLIC_URL: "${value}" is not a URL (e.g. https://fim.example.com)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`PUBLIC_URL: "${value}" must start with http:// or https://`);
  }
  return url.href.replace(/\/+$/, "");
}

/** Reads SMTP_URL: smtp:// or smtps://, host required. The URL itself may hold a password: never logged. */
export function parseSmtpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error("SMTP_URL: not a URL (e.g. smtp://user:pass@mail.example.com:587)");
  }
  if ((url.protocol !== "smtp:" && url.protocol !== "smtps:") || url.hostname === "") {
    throw new Error("SMTP_URL: must be smtp://[user:pass@]host[:port] or smtps://…");
  }
  return value;
}

/** Reads a secret from `<dataDir>/<file>`, generating it (mode 0600) on first run. */
function persistedSecret(dataDir: string, file: string): string {
  const target = path.join(dataDir, file);
  if (existsSync(target)) {
    const value = readFileSync(target, "utf8").trim();
    if (value.length >= 32) return value;
  }
  const value = randomBytes(48).toString("base64url");
  writeFileSync(target, `${value}\n`, { mode: 0o600 });
  chmodSync(target, 0o600);
  return value;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.DATA_DIR);
  // Private from the start: the directory holds the database and the generated secrets.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const databaseUrl = env.DATABASE_URL ?? `file:${path.join(dataDir, "fim.db")}`;
  const provider = databaseProvider(databaseUrl); // a URL naming no supported database stops here
  const jwtSecret = env.JWT_SECRET ?? persistedSecret(dataDir, "jwt-secret");
  const apiKeySecret = env.API_KEY_SECRET ?? persistedSecret(dataDir, "api-key-secret");
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir,
    databaseUrl,
    databaseProvider: provider,
    jwtSecret,
    jwtKey: createSecretKey(Buffer.from(jwtSecret)),
    apiKeySecret,
    apiKeyHashKey: createSecretKey(Buffer.from(apiKeySecret)),
    adminEmail: env.ADMIN_EMAIL,
    adminPassword: env.ADMIN_PASSWORD,
    logLevel: env.LOG_LEVEL,
    accessTokenTtl: env.ACCESS_TOKEN_TTL,
    refreshTokenTtl: env.REFRESH_TOKEN_TTL,
    usageFlushMs: env.USAGE_FLUSH_MS,
    login: {
      maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: env.LOGIN_WINDOW_SECONDS,
    },
    bodyLimit: env.BODY_LIMIT,
    trustProxy: env.TRUST_PROXY === undefined ? undefined : parseTrustProxy(env.TRUST_PROXY),
    passwordHashing: { concurrency: env.PASSWORD_HASH_CONCURRENCY, queue: env.PASSWORD_HASH_QUEUE },
    quotas: {
      apiKeys: env.QUOTA_API_KEYS,
      knowledgeBases: env.QUOTA_KNOWLEDGE_BASES,
      documents: env.QUOTA_DOCUMENTS,
      storageBytes: Math.floor(env.QUOTA_STORAGE_MB * 1024 * 1024),
      concurrentRuns: env.QUOTA_CONCURRENT_RUNS,
    },
    runTimeoutSeconds: env.RUN_TIMEOUT_SECONDS,
    redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX } : undefined,
    defaultKeyRateLimit: env.DEFAULT_KEY_RATE_LIMIT ? parseRateLimit(env.DEFAULT_KEY_RATE_LIMIT) : undefined,
    // The built portal beside the server: this module sits one folder below server/ both as source
    // (src/config.ts) and built (bundled into dist/), so the path holds for both.
    webDist: env.WEB_DIST ?? path.resolve(import.meta.dirname, "..", "..", "web", "dist"),
    llm: env.LLM_BASE_URL
      ? { baseUrl: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY, model: env.LLM_MODEL ?? "gpt-4o-mini" }
      : undefined,
    cookieSecure: env.COOKIE_SECURE,
    checkResponses: env.CHECK_RESPONSES === "true",
    connectorPrivateNetworks: env.CONNECTOR_PRIVATE_NETWORKS,
    smtp: env.SMTP_URL
      ? { url: parseSmtpUrl(env.SMTP_URL), from: env.SMTP_FROM ?? "FIM One <no-reply@localhost>" }
      : undefined,
    publicUrl: env.PUBLIC_URL === undefined ? undefined : parsePublicUrl(env.PUBLIC_URL),
    passwordReset: {
      maxPerEmail: env.PASSWORD_RESET_MAX_PER_EMAIL,
      maxPerIp: env.PASSWORD_RESET_MAX_PER_IP,
      windowSeconds: env.PASSWORD_RESET_WINDOW_SECONDS,
    },
    sudoModeSeconds: env.SUDO_MODE_SECONDS,
  };
}
