// Usage accounting for API keys. Counting happens in memory on the request path (no database
// write there); a timer flushes the totals in one transaction at most every second, and
// shutdown flushes what is left. A failed flush puts its counts back, so nothing is lost and,
// because each batch is taken out of the buffer before it is written, nothing is counted twice.
//
// Each request made with a recognised key has an outcome:
// - `served`: authenticated and let through (whatever its answer then);
// - `forbidden`: authenticated, refused by the route's scope (403);
// - `refused`: the key is known but may not be used (401: disabled, expired, its user disabled);
// - `rate_limited`: over the key's rate limit (429).
// The key's `total_requests` and `last_used_at` count authenticated requests (served, forbidden
// and rate-limited: the contract counts "every authenticated request", errors included); the
// per-day series splits them into served, refused (forbidden + refused) and rate-limited.
// The client address of the last counted request goes with last_used_at, in the same flush (the
// last one seen in a flush window wins), so knowing where a key was used costs no write either.
import type { Db, Prisma } from "@fim/db";
import { PeriodicWriter } from "../lib/periodicWriter.ts";
import { sqlParameters } from "../lib/sqlParameters.ts";
import { displayAddress } from "./addressAllowList.ts";

type TransactionClient = Prisma.TransactionClient;
/** Keys per statement: at 5 parameters a row, far below both databases' limits on parameters. */
const ROWS_PER_STATEMENT = 500;

export type UsageOutcome = "served" | "forbidden" | "refused" | "rate_limited";

export interface DayUsage {
  served: number;
  refused: number;
  rateLimited: number;
}

interface Pending {
  /** Authenticated requests: what total_requests counts. */
  count: number;
  lastUsedAt: Date | null;
  /** The client address of the request at lastUsedAt, as Express gave it (req.ip). */
  lastUsedIp: string | null;
  days: Map<string, DayUsage>;
}

function emptyDay(): DayUsage {
  return { served: 0, refused: 0, rateLimited: 0 };
}

/**
 * A memo of the last answer (a pure function of its input), since every request asks for the day
 * and formatting a date costs about 2 µs.
 */
let lastDay = { number: Number.NaN, text: "" };

export function utcDay(date: Date): string {
  const number = Math.floor(date.getTime() / 86_400_000);
  if (number !== lastDay.number) lastDay = { number, text: date.toISOString().slice(0, 10) };
  return lastDay.text;
}

export class UsageRecorder extends PeriodicWriter {
  private pending = new Map<string, Pending>();
  /** The flush writing right now (its counts are out of `pending` and not yet in the database). */
  private writing: Promise<void> | null = null;
  /** Moves when a flush takes the pending counts and when it is done with them. */
  private epoch = 0;
  record(keyId: string, at: Date, outcome: UsageOutcome = "served", from?: string | null): void {
    let entry = this.pending.get(keyId);
    if (!entry) {
      entry = { count: 0, lastUsedAt: null, lastUsedIp: null, days: new Map() };
      this.pending.set(keyId, entry);
    }
    if (outcome !== "refused") {
      entry.count += 1;
      if (!entry.lastUsedAt || at >= entry.lastUsedAt) {
        entry.lastUsedAt = at;
        if (from) entry.lastUsedIp = from;
      }
    }
    const day = utcDay(at);
    let counts = entry.days.get(day);
    if (!counts) {
      counts = emptyDay();
      entry.days.set(day, counts);
    }
    if (outcome === "served") counts.served += 1;
    else if (outcome === "rate_limited") counts.rateLimited += 1;
    else counts.refused += 1;
  }

  /** Counts recorded but not yet written, for a key (the portal adds them to what it shows). */
  pendingFor(
    keyId: string,
    day?: string,
  ): { count: number; lastUsedAt: Date | null; lastUsedIp: string | null; day: DayUsage } {
    const entry = this.pending.get(keyId);
    return {
      count: entry?.count ?? 0,
      lastUsedAt: entry?.lastUsedAt ?? null,
      lastUsedIp: entry?.lastUsedIp ?? null,
      day: (day !== undefined ? entry?.days.get(day) : undefined) ?? emptyDay(),
    };
  }

  /**
   * Runs `read`, a database read of keys' usage to which the caller then adds `pendingFor`, so that
   * no count is missing or counted twice: not while a flush is writing (its counts are in neither
   * place), and again if a flush began or ended during the read. The caller adds the pending
   * counts in the same turn of the event loop as the read ends; a flush starts only on a timer.
   */
  async consistent<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      const epoch = this.epoch;
      const result = await read();
      // Flushes a few milliseconds apart could keep moving the epoch: after a few tries the
      // read stands, as it did before this check existed.
      if (epoch === this.epoch || attempt >= 4) return result;
    }
  }

  protected async writeBatch(): Promise<void> {
    // While the database is gone or read-only the counts wait in memory for it to come back.
    if (this.pending.size === 0 || !this.store.writable()) return;
    let written!: () => void;
    this.writing = new Promise<void>((resolve) => {
      written = resolve;
    });
    this.epoch++;
    try {
      await this.writePending();
    } finally {
      this.epoch++;
      this.writing = null;
      written();
    }
  }

  private async writePending(): Promise<void> {
    const db = this.store.db();
    const batch = this.pending;
    this.pending = new Map();
    // Keys in one order (by id) in every flush of every server sharing the database, so two
    // flushes at once wait for each other instead of deadlocking (PostgreSQL).
    const keys = [...batch].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    try {
      await db.$transaction(
        async (tx) => {
          for (let at = 0; at < keys.length; at += ROWS_PER_STATEMENT) {
            await this.writeRows(tx, keys.slice(at, at + ROWS_PER_STATEMENT));
          }
        },
        { timeout: 60_000 },
      );
    } catch (error) {
      this.logger.error({ err: error }, "usage flush failed; counts kept for the next flush");
      for (const [keyId, entry] of batch) this.merge(keyId, entry);
    }
  }

  /**
   * A few statements for many keys, whatever their number: the keys that still exist (locked, on
   * PostgreSQL, in id order), their totals and last use in one UPDATE, their days in one upsert.
   * One statement per key and day, as before, made a flush of 10,000 keys take seconds of the
   * server's time. Every change is an addition (or a forward-only date) done by the database, so
   * two servers adding to the same key never lose a count; SQLite (3.33+) and PostgreSQL take the
   * same SQL apart from the placeholders, the casts and the row locks.
   */
  private async writeRows(tx: Db | TransactionClient, rows: [string, Pending][]): Promise<void> {
    const postgres = this.store.provider === "postgresql";
    const { add: param, take } = sqlParameters(this.store.provider);

    // A key deleted since it was used has nothing left to count against.
    const ids = rows.map(([keyId]) => param(keyId, "text")).join(", ");
    const found = await tx.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM "ApiKey" WHERE "id" IN (${ids}) ORDER BY "id"${postgres ? " FOR UPDATE" : ""}`,
      ...take(),
    );
    const existing = new Set(found.map((row) => row.id));
    const live = rows.filter(([keyId]) => existing.has(keyId));

    const used = live.filter(([, entry]) => entry.count > 0 || entry.lastUsedAt);
    if (used.length > 0) {
      const values = used
        .map(
          ([keyId, entry]) =>
            `(${param(keyId, "text")}, ${param(entry.count, "integer")}, ${param(entry.lastUsedAt, "timestamp(3)")}, ${param(entry.lastUsedIp === null ? null : displayAddress(entry.lastUsedIp), "text")})`,
        )
        .join(", ");
      // The last use (and the address it came from) only moves forward: another server's flush
      // may have written a later one. Both columns are set from the row as it was before this
      // statement, so they change together.
      await tx.$executeRawUnsafe(
        `WITH v("id", "n", "last", "ip") AS (VALUES ${values})
        UPDATE "ApiKey" SET
          "totalRequests" = "ApiKey"."totalRequests" + v."n",
          "lastUsedAt" = CASE WHEN v."last" IS NOT NULL AND ("ApiKey"."lastUsedAt" IS NULL OR "ApiKey"."lastUsedAt" <= v."last")
            THEN v."last" ELSE "ApiKey"."lastUsedAt" END,
          "lastUsedIp" = CASE WHEN v."last" IS NOT NULL AND v."ip" IS NOT NULL AND ("ApiKey"."lastUsedAt" IS NULL OR "ApiKey"."lastUsedAt" <= v."last")
            THEN v."ip" ELSE "ApiKey"."lastUsedIp" END
        FROM v WHERE "ApiKey"."id" = v."id"`,
        ...take(),
      );
    }

    const days = live.flatMap(([keyId, entry]) =>
      [...entry.days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, counts]) => ({ keyId, day, counts })),
    );
    if (days.length > 0) {
      const values = days
        .map(
          ({ keyId, day, counts }) =>
            `(${param(keyId, "text")}, ${param(day, "text")}, ${param(counts.served, "integer")}, ${param(counts.refused, "integer")}, ${param(counts.rateLimited, "integer")})`,
        )
        .join(", ");
      await tx.$executeRawUnsafe(
        `INSERT INTO "ApiKeyUsageDay" ("apiKeyId", "day", "count", "refused", "rateLimited")
        VALUES ${values}
        ON CONFLICT ("apiKeyId", "day") DO UPDATE SET
          "count" = "ApiKeyUsageDay"."count" + excluded."count",
          "refused" = "ApiKeyUsageDay"."refused" + excluded."refused",
          "rateLimited" = "ApiKeyUsageDay"."rateLimited" + excluded."rateLimited"`,
        ...take(),
      );
    }
  }

  private merge(keyId: string, entry: Pending): void {
    const current = this.pending.get(keyId);
    if (!current) {
      this.pending.set(keyId, entry);
      return;
    }
    current.count += entry.count;
    if (entry.lastUsedAt && (!current.lastUsedAt || entry.lastUsedAt > current.lastUsedAt)) {
      current.lastUsedAt = entry.lastUsedAt;
      current.lastUsedIp = entry.lastUsedIp;
    }
    for (const [day, counts] of entry.days) {
      const into = current.days.get(day) ?? emptyDay();
      into.served += counts.served;
      into.refused += counts.refused;
      into.rateLimited += counts.rateLimited;
      current.days.set(day, into);
    }
  }
}
