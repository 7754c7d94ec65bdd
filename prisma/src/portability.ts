// What differs between SQLite and PostgreSQL, in one place: which provider a URL selects, the
// errors that say a database cannot be reached, case-insensitive text search, the shape of
// unique-constraint violations, and serializing a group of writes. The services ask these
// functions (with the provider from their configuration) instead of knowing the differences.
import type { Prisma } from "./generated/sqlite/client.ts";

export type DatabaseProvider = "sqlite" | "postgresql";

/** DATABASE_URL names no database we can open. */
export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}

/** The PostgreSQL server did not answer, or refused the connection. */
export class DatabaseUnreachableError extends Error {
  override name = "DatabaseUnreachableError";
}

/**
 * The provider a database URL selects: `file:` is SQLite, `postgresql://` or `postgres://` is
 * PostgreSQL. Anything else is refused here, with the reason: Prisma would report it as a failed
 * engine download.
 */
export function databaseProvider(url: string): DatabaseProvider {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DatabaseUrlError("DATABASE_URL is not a valid URL (expected postgresql://user:password@host:5432/db)");
    }
    if (!parsed.hostname && !parsed.searchParams.get("host")) {
      throw new DatabaseUrlError("DATABASE_URL names no PostgreSQL host (expected postgresql://user@host:5432/db)");
    }
    return "postgresql";
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new DatabaseUrlError(
    `DATABASE_URL${scheme ? ` uses the scheme "${scheme}:"` : " has no scheme"}; FIM One supports SQLite ` +
      "(file:/path/to/fim.db, or leave DATABASE_URL unset for $DATA_DIR/fim.db) and PostgreSQL " +
      "(postgresql://user:password@host:5432/database)",
  );
}

/** The database a URL names, for messages: never the password. */
export function describeDatabaseUrl(url: string): string {
  if (databaseProvider(url) === "sqlite") return `the SQLite database ${url.slice("file:".length)}`;
  const parsed = new URL(url);
  const host = parsed.hostname || parsed.searchParams.get("host") || "localhost";
  const database = decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || "postgres";
  return `the PostgreSQL database "${database}" on ${host}:${parsed.port || "5432"}`;
}

// Node's network errors, PostgreSQL's refusals of a connection (no such database, role, password),
// and the same as Prisma's driver-adapter errors report them.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET"]);
const CONNECTION_SQLSTATES = /^(08|28|3D000|57P03)/;
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "DatabaseDoesNotExist",
  "DatabaseAccessDenied",
  "AuthenticationFailed",
  "TlsConnectionError",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

interface AdapterCause {
  kind?: string;
  originalMessage?: string;
  host?: string;
  port?: number;
}

function connectionProblem(error: unknown): string | null {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const { code, message, meta } = current as {
      code?: unknown;
      message?: unknown;
      meta?: { driverAdapterError?: { cause?: AdapterCause } };
    };
    const cause = meta?.driverAdapterError?.cause;
    if (cause?.kind && ADAPTER_KINDS.has(cause.kind)) {
      return cause.originalMessage ?? (cause.host ? `no answer from ${cause.host}:${cause.port}` : cause.kind);
    }
    if (typeof code === "string" && (NETWORK_CODES.has(code) || CONNECTION_SQLSTATES.test(code))) {
      return typeof message === "string" && message ? message : code;
    }
    if (typeof message === "string" && /timeout expired|Connection terminated unexpectedly/i.test(message)) {
      return message;
    }
    // pg reports a refused connection to every address of a name as an AggregateError.
    const next = current as { cause?: unknown; errors?: unknown[] };
    current = next.cause ?? next.errors?.[0];
  }
  return null;
}

/** A connection failure said plainly (which database, why); any other error as it was. */
export function asUnreachable(url: string, error: unknown): unknown {
  const problem = connectionProblem(error);
  if (problem === null) return error;
  return new DatabaseUnreachableError(`Cannot connect to ${describeDatabaseUrl(url)}: ${problem}`, { cause: error });
}

/**
 * A case-insensitive substring filter. SQLite's LIKE already ignores case (ASCII letters only)
 * and refuses `mode`; PostgreSQL's is case-sensitive unless asked (ILIKE). Prisma passes `%` and
 * `_` through to LIKE as wildcards on both: PostgreSQL's LIKE takes `\` as its escape character,
 * so they are escaped there; SQLite's LIKE has no escape character unless the query names one,
 * which Prisma does not, so there they stay wildcards (see textContainsIsExact).
 */
export function textContains(provider: DatabaseProvider, text: string): Prisma.StringFilter {
  if (provider === "postgresql") {
    return { contains: text.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" } as Prisma.StringFilter;
  }
  return { contains: text };
}

/**
 * Whether textContains(provider, text) matches exactly the values holding `text`. When not (SQLite
 * with `%` or `_` in the text), it matches more, and the caller checks each row itself.
 */
export function textContainsIsExact(provider: DatabaseProvider, text: string): boolean {
  return provider === "postgresql" || !/[%_]/.test(text);
}

interface AdapterErrorMeta {
  target?: unknown;
  driverAdapterError?: { cause?: { kind?: string; constraint?: { fields?: unknown; index?: unknown } } };
}

/**
 * The columns of the unique constraint an error violated (Prisma's P2002), or null for any other
 * error. Through driver adapters Prisma leaves `meta.target` out: the columns sit under
 * `meta.driverAdapterError.cause.constraint.fields`, and PostgreSQL quotes camelCase names there.
 */
export function uniqueViolation(error: unknown): string[] | null {
  const { code, meta } = (error ?? {}) as { code?: unknown; meta?: AdapterErrorMeta };
  if (code !== "P2002") return null;
  const constraint = meta?.driverAdapterError?.cause?.constraint;
  const raw = meta?.target ?? constraint?.fields ?? constraint?.index ?? [];
  const names = Array.isArray(raw) ? raw : [raw];
  return names.filter((name): name is string => typeof name === "string").map((name) => name.replace(/^"|"$/g, ""));
}

/**
 * Serializes the transactions that pass the same key, until each commits: for a check-then-write
 * (count a user's rows, then insert one) that must not interleave with another. SQLite runs one
 * writing transaction at a time already; PostgreSQL's READ COMMITTED does not, so it takes a
 * transaction-scoped advisory lock on the key (a hash: two keys may share a lock, which only
 * costs waiting, never correctness).
 */
export async function serializeWrites(
  tx: Prisma.TransactionClient,
  provider: DatabaseProvider,
  key: string,
): Promise<void> {
  if (provider !== "postgresql") return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
}
