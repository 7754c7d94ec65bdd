// Usage accounting for API keys. Counting happens in memory on the request path (no database
// write there); a timer flushes the totals in one transaction at most every second, and
// shutdown flushes what is left. A failed flush puts its counts back, so nothing is lost and,
// because each batch is taken out of the buffer before it is written, nothing is counted twice.
import type { Db } from "@fim/db";
import type { Logger } from "../logger.ts";

interface Pending {
  count: number;
  lastUsedAt: Date;
  days: Map<string, number>;
}

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
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

  record(keyId: string, at: Date): void {
    let entry = this.pending.get(keyId);
    if (!entry) {
      entry = { count: 0, lastUsedAt: at, days: new Map() };
      this.pending.set(keyId, entry);
    }
    entry.count += 1;
    if (at > entry.lastUsedAt) entry.lastUsedAt = at;
    const day = utcDay(at);
    entry.days.set(day, (entry.days.get(day) ?? 0) + 1);
  }

  /** Counts recorded but not yet written, for a key (the portal adds them to what it shows). */
  pendingFor(keyId: string): { count: number; lastUsedAt: Date | null } {
    const entry = this.pending.get(keyId);
    return { count: entry?.count ?? 0, lastUsedAt: entry?.lastUsedAt ?? null };
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
        // `increment` is one UPDATE … SET x = x + n: atomic on both databases.
        writes.push(db.apiKey.update({ where: { id: keyId }, data: { totalRequests: { increment: entry.count } } }));
        // Only forward: another server's flush may have written a later use already.
        writes.push(
          db.apiKey.updateMany({
            where: { id: keyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: entry.lastUsedAt } }] },
            data: { lastUsedAt: entry.lastUsedAt },
          }),
        );
        for (const [day, count] of [...entry.days].sort(([a], [b]) => (a < b ? -1 : 1))) {
          // One atomic statement, the same on SQLite (≥ 3.24) and PostgreSQL: two flushes (from two
          // servers) adding to the same key's day never lose a count and never collide on the
          // insert. Prisma 6.19 compiles the equivalent upsert to this too, but only while its
          // conditions for a "database upsert" hold (else: a read, then an insert or an update);
          // written out, it stays atomic whatever the query around it becomes.
          writes.push(
            db.$executeRaw`INSERT INTO "ApiKeyUsageDay" ("apiKeyId", "day", "count") VALUES (${keyId}, ${day}, ${count})
              ON CONFLICT ("apiKeyId", "day") DO UPDATE SET "count" = "ApiKeyUsageDay"."count" + excluded."count"`,
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
    if (entry.lastUsedAt > current.lastUsedAt) current.lastUsedAt = entry.lastUsedAt;
    for (const [day, count] of entry.days) current.days.set(day, (current.days.get(day) ?? 0) + count);
  }
}
