// Structured logging. Credentials are redacted by path, so a token, key or password never
// reaches a log line even if someone logs a whole request or body by mistake.
import { type Logger, pino } from "pino";

export type { Logger };

export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.password",
  "*.token",
  "*.access_token",
  "*.refresh_token",
  "*.key",
  "*.authorization",
  "*.auth_secret",
  "*.apiKey",
];

/** A logger at `level`, writing JSON lines to stdout or to `destination` (tests read it back). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: undefined }, destination);
}
