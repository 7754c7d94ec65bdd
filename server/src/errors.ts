// The one error type. Services throw AppError with a contract code; the REST error handler and
// tRPC's error formatter both turn it into the contract's body through this table.
import { DatabaseUnreachableError } from "@fim/db";
export type ErrorCode =
  | "unauthorized"
  | "invalid_token"
  | "token_expired"
  | "forbidden"
  | "validation_error"
  | "not_found"
  | "rate_limited"
  | "quota_exceeded"
  | "service_unavailable"
  | "run_timeout"
  | "internal_error";

interface CodeInfo {
  status: number;
  message: string;
  /** RFC 6750 `error` attribute for WWW-Authenticate, for 401/403. */
  bearerError?: string;
}

export const ERROR_CODES: Record<ErrorCode, CodeInfo> = {
  unauthorized: { status: 401, message: "Authentication required", bearerError: "invalid_request" },
  invalid_token: {
    status: 401,
    message: "The provided token is invalid or expired",
    bearerError: "invalid_token",
  },
  token_expired: {
    status: 401,
    message: "Your token has expired. Please refresh your authentication.",
    bearerError: "invalid_token",
  },
  forbidden: {
    status: 403,
    message: "Your API key does not have permission to access this resource",
    bearerError: "insufficient_scope",
  },
  validation_error: { status: 400, message: "The request is invalid" },
  not_found: { status: 404, message: "Resource not found" },
  rate_limited: { status: 429, message: "Too many attempts. Try again later." },
  // A per-account limit (keys, knowledge bases, documents, stored bytes: 403; runs at once: 429).
  quota_exceeded: { status: 403, message: "This account has reached one of its limits" },
  // The server cannot serve the request right now (database gone or read-only, overloaded).
  service_unavailable: { status: 503, message: "The service is temporarily unavailable. Try again shortly." },
  // Only ever an `error` event of a stream: the run went past its wall-clock limit.
  run_timeout: { status: 504, message: "The run took longer than the server allows" },
  internal_error: { status: 500, message: "Something went wrong on our side" },
};

/** The four credential errors whose message text is fixed by the public reference. */
const FIXED_MESSAGE: ReadonlySet<ErrorCode> = new Set(["unauthorized", "invalid_token", "token_expired", "forbidden"]);

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  [extra: string]: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown>;
  /** Seconds, for rate_limited. */
  readonly retryAfter: number | undefined;
  /** More response headers the answer carries (the RateLimit fields of a limited key). */
  readonly headers: Record<string, string>;
  private readonly statusOverride: number | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options: {
      extra?: Record<string, unknown>;
      retryAfter?: number;
      status?: number;
      headers?: Record<string, string>;
    } = {},
  ) {
    // The reference fixes the message of the credential errors; any more specific wording goes
    // into `reason` so clients matching on the documented text keep working.
    const fixed = FIXED_MESSAGE.has(code);
    super(fixed || message === undefined ? ERROR_CODES[code].message : message);
    this.name = "AppError";
    this.code = code;
    this.extra = { ...(fixed && message ? { reason: message } : {}), ...options.extra };
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
    this.statusOverride = options.status;
  }

  /** The code's status; a few cases refine it (413 for an oversized body is still a validation_error). */
  get status(): number {
    return this.statusOverride ?? ERROR_CODES[this.code].status;
  }

  toBody(): ErrorBody {
    return { error: this.code, message: this.message, ...this.extra };
  }

  /** Value for WWW-Authenticate on 401/403, or undefined for other statuses. */
  wwwAuthenticate(): string | undefined {
    const bearerError = ERROR_CODES[this.code].bearerError;
    if (!bearerError) return undefined;
    // A header value is printable ASCII: quotes and backslashes dropped, anything else (an arrow
    // in a reason) made a "?" rather than failing the whole answer.
    const description = String(this.extra.reason ?? this.message)
      .replace(/["\\]/g, "")
      .replace(/[^\x20-\x7e]/g, "?");
    return `Bearer realm="fim", error="${bearerError}", error_description="${description}"`;
  }
}

export function notFound(what = "Resource"): AppError {
  return new AppError("not_found", `${what} not found`);
}

// Failures that are the database's state (gone, read-only, locked, full, unreachable), not a bug
// in the request or the server: SQLite's error names, and Prisma's connection errors.
const DATABASE_UNAVAILABLE = /^SQLITE_(READONLY|CANTOPEN|IOERR|FULL|BUSY|LOCKED|CORRUPT|NOTADB|PROTOCOL)/;
const PRISMA_UNREACHABLE = new Set(["P1001", "P1002", "P1008", "P1017"]);

/** The 503 for an error that says the database cannot serve right now, or null for any other error. */
export function databaseUnavailable(error: unknown): AppError | null {
  const { code, meta } = (error ?? {}) as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
  };
  // A raw statement (P2010) reports an unreachable PostgreSQL through its driver adapter's cause.
  const unreachable =
    (code === "P2010" && meta?.driverAdapterError?.cause?.kind === "DatabaseNotReachable") ||
    error instanceof DatabaseUnreachableError;
  if (!unreachable && (typeof code !== "string" || !(DATABASE_UNAVAILABLE.test(code) || PRISMA_UNREACHABLE.has(code))))
    return null;
  return new AppError("service_unavailable", "The database is unavailable right now; try again shortly", {
    retryAfter: 5,
  });
}

/**
 * Throws quota_exceeded when an account already holds `limit` things of a kind (`what`, in
 * words: "API keys"); `quota` is the name clients match on ("api_keys").
 */
export function assertRoomFor(held: number, limit: number, quota: string, what: string): void {
  if (held < limit) return;
  throw quotaExceeded(
    quota,
    limit,
    `You already have ${limit} ${what}, the most an account may hold; delete some you no longer use`,
  );
}

/** An account limit: `quota` names it, `limit` is its size; runs at once answer 429, the rest 403. */
export function quotaExceeded(
  quota: string,
  limit: number,
  message: string,
  options: { status?: number; retryAfter?: number } = {},
): AppError {
  return new AppError("quota_exceeded", message, { ...options, extra: { quota, limit } });
}

export function validationError(field: string, message: string): AppError {
  return new AppError("validation_error", `${field}: ${message}`, {
    extra: { details: [{ field, message }] },
  });
}

/** A schema validation issue, as zod (and any Standard Schema library) reports it. */
export interface SchemaIssue {
  code?: string;
  path?: readonly (PropertyKey | { key: PropertyKey })[];
  message: string;
  /** zod's unrecognized_keys: the unknown fields. */
  keys?: readonly string[];
}

/**
 * Failed input validation, for either door: a validation_error naming each offending field
 * (dotted path; `where` when the whole input is wrong). An unknown field is reported under its
 * own name, so the caller sees which one to drop.
 */
export function invalidInput(issues: readonly SchemaIssue[], where: string): AppError {
  const fieldName = (path: readonly (PropertyKey | { key: PropertyKey })[]) =>
    path.length > 0 ? path.map((part) => String(typeof part === "object" ? part.key : part)).join(".") : where;
  const details = issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" && issue.keys
      ? issue.keys.map((key) => ({ field: fieldName([...(issue.path ?? []), key]), message: "unknown field" }))
      : [{ field: fieldName(issue.path ?? []), message: issue.message }],
  );
  const summary = details.map((d) => `${d.field}: ${d.message}`).join("; ");
  return new AppError("validation_error", `Invalid ${where}: ${summary}`, { extra: { details } });
}
