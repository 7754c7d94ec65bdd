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
import type { Db } from "@fim/db";
import type { Logger } from "../logger.ts";

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

export class UsageRecorder {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: { db: () => Db; writable: () => boolean },
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  record(keyId: string, at: Date, outcome: UsageOutcome = "served"): void {
    let entry = this.pending.get(keyId);
    if (!entry) {
      entry = { count: 0, lastUsedAt: null, days: new Map() };
      this.pending.set(keyId, entry);
    }
    if (outcome !== "refused") {
      entry.count += 1;
      if (!entry.lastUsedAt || at > entry.lastUsedAt) entry.lastUsedAt = at;
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
  pendingFor(keyId: string, day?: string): { count: number; lastUsedAt: Date | null; day: DayUsage } {
    const entry = this.pending.get(keyId);
    return {
      count: entry?.count ?? 0,
      lastUsedAt: entry?.lastUsedAt ?? null,
      day: (day !== undefined ? entry?.days.get(day) : undefined) ?? emptyDay(),
    };
  }

  /** Writes everything recorded so far. Concurrent calls are serialised. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async writeBatch(): Promise<void> {
    // While the database is gone or read-only the counts wait in memory for it to come back.
    if (this.pending.size === 0 || !this.store.writable()) return;
    const db = this.store.db();
    const batch = this.pending;
    this.pending = new Map();
    try {
      const existing = new Set(
        (await db.apiKey.findMany({ where: { id: { in: [...batch.keys()] } }, select: { id: true } })).map(
          (row) => row.id,
        ),
      );
      const writes = [];
      // Rows in one order (key, then day) in every flush of every server sharing the database, so
      // two flushes at once wait for each other instead of deadlocking (PostgreSQL).
      for (const [keyId, entry] of [...batch].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        // A key deleted since it was used has nothing left to count against.
        if (!existing.has(keyId)) continue;
        if (entry.count > 0) {
          // `increment` is one UPDATE … SET x = x + n: atomic on both databases.
          writes.push(db.apiKey.update({ where: { id: keyId }, data: { totalRequests: { increment: entry.count } } }));
        }
        if (entry.lastUsedAt) {
          // Only forward: another server's flush may have written a later use already.
          writes.push(
            db.apiKey.updateMany({
              where: { id: keyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: entry.lastUsedAt } }] },
              data: { lastUsedAt: entry.lastUsedAt },
            }),
          );
        }
        for (const [day, counts] of [...entry.days].sort(([a], [b]) => (a < b ? -1 : 1))) {
          // One atomic statement, the same on SQLite (≥ 3.24) and PostgreSQL: two flushes (from two
          // servers) adding to the same key's day never lose a count and never collide on the
          // insert. Prisma 6.19 compiles the equivalent upsert to this too, but only while its
          // conditions for a "database upsert" hold (else: a read, then an insert or an update);
          // written out, it stays atomic whatever the query around it becomes.
          writes.push(
            db.$executeRaw`INSERT INTO "ApiKeyUsageDay" ("apiKeyId", "day", "count", "refused", "rateLimited")
              VALUES (${keyId}, ${day}, ${counts.served}, ${counts.refused}, ${counts.rateLimited})
              ON CONFLICT ("apiKeyId", "day") DO UPDATE SET
                "count" = "ApiKeyUsageDay"."count" + excluded."count",
                "refused" = "ApiKeyUsageDay"."refused" + excluded."refused",
                "rateLimited" = "ApiKeyUsageDay"."rateLimited" + excluded."rateLimited"`,
          );
        }
      }
      await db.$transaction(writes);
    } catch (error) {
      this.logger.error({ err: error }, "usage flush failed; counts kept for the next flush");
      for (const [keyId, entry] of batch) this.merge(keyId, entry);
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
