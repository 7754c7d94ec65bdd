// Configuration: read from the environment once, validated, with a safe default for every
// setting so the embedded mode needs no .env. Nothing else reads process.env.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
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
  WEB_DIST: optionalString,
  LLM_BASE_URL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_MODEL: optionalString,
  COOKIE_SECURE: z.enum(["auto", "true", "false"]).default("auto"),
  CONNECTOR_PRIVATE_NETWORKS: z.enum(["block", "allow"]).default("block"),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  jwtSecret: string;
  apiKeySecret: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: Env["LOG_LEVEL"];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  usageFlushMs: number;
  login: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number };
  bodyLimit: string;
  trustProxy: string | undefined;
  webDist: string | undefined;
  llm: { baseUrl: string; apiKey: string | undefined; model: string } | undefined;
  cookieSecure: "auto" | "true" | "false";
  /** Whether connector calls may reach loopback, private and link-local addresses. */
  connectorPrivateNetworks: "block" | "allow";
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
  mkdirSync(dataDir, { recursive: true });
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir,
    databaseUrl: env.DATABASE_URL ?? `file:${path.join(dataDir, "fim.db")}`,
    jwtSecret: env.JWT_SECRET ?? persistedSecret(dataDir, "jwt-secret"),
    apiKeySecret: env.API_KEY_SECRET ?? persistedSecret(dataDir, "api-key-secret"),
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
    trustProxy: env.TRUST_PROXY,
    webDist: env.WEB_DIST,
    llm: env.LLM_BASE_URL
      ? { baseUrl: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY, model: env.LLM_MODEL ?? "gpt-4o-mini" }
      : undefined,
    cookieSecure: env.COOKIE_SECURE,
    connectorPrivateNetworks: env.CONNECTOR_PRIVATE_NETWORKS,
  };
}
