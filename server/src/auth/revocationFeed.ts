// Revocations reach every instance within a second, whatever happens to Redis. Each one (a key
// or a user whose cached credentials must be forgotten) is written to the Revocation table, and
// every instance reads the new rows once a second and forgets what they name. Redis pub/sub is
// the fast path (about a millisecond); this is the guarantee, for the message Redis drops or
// the instance that was away from Redis for a while.
//
// On SQLite too: one server process serves the file (it holds a lock), and forgets its own
// revocations at once, but the CLI changes the database from another process (ending a user's
// sessions when it sets their password) and writes its revocations here for the server to read.
// The read is one indexed query a second.
import { type Db, directReads } from "@fim/db";
import type { Logger } from "../logger.ts";
import type { CacheChange, CredentialCache } from "./credentialCache.ts";

const POLL_MS = 1000;
/** Sequence numbers are handed out before commit: a row may appear a little after a later one. */
const LOOKBACK = 100;
const PRUNE_EVERY_MS = 3_600_000;
const KEEP_MS = 86_400_000;

const SINCE = `SELECT "seq", "kind", "targetId" FROM "Revocation" WHERE "seq" > $1 ORDER BY "seq" ASC LIMIT 1000`;

interface RevocationRow {
  seq: number;
  kind: string;
  targetId: string;
}

export class RevocationFeed {
  private timer: NodeJS.Timeout | undefined;
  private highest = 0;
  private readonly seen = new Set<number>();
  private lastPrune = Date.now();
  private polling = false;
  /** Writes not finished yet: `stop` waits for them (a CLI command exits right after its change). */
  private readonly writing = new Set<Promise<unknown>>();

  constructor(private readonly options: { db: () => Db; credentials: CredentialCache; logger: Logger }) {}

  /** Writes a revocation for the other processes (the request does not wait; a failure is logged). */
  record(change: CacheChange): void {
    const write = this.options
      .db()
      .revocation.create({ data: { kind: change.kind, targetId: change.id } })
      .catch((error: unknown) =>
        this.options.logger.error({ err: error }, "revocation not written for the other instances"),
      )
      .finally(() => this.writing.delete(write));
    this.writing.add(write);
  }

  async start(): Promise<void> {
    const newest = await this.options.db().revocation.aggregate({ _max: { seq: true } });
    this.highest = newest._max.seq ?? 0;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.writing);
  }

  /** Reads the rows since the last poll (and a little before) and forgets what they name. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const db = this.options.db();
      // Read through the driver (directReads): once a second on every instance, and through the
      // ORM its query engine would hold the event loop for a part of each millisecond it takes.
      const rows = (await directReads(db).all(SINCE, [this.highest - LOOKBACK])) as unknown as RevocationRow[];
      for (const row of rows) {
        if (this.seen.has(row.seq)) continue;
        this.seen.add(row.seq);
        this.highest = Math.max(this.highest, row.seq);
        this.options.credentials.apply({ kind: row.kind, id: row.targetId });
      }
      for (const seq of this.seen) if (seq <= this.highest - 2 * LOOKBACK) this.seen.delete(seq);
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = Date.now();
        await db.revocation.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - KEEP_MS) } } });
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, "could not read revocations from the other instances");
    } finally {
      this.polling = false;
    }
  }
}
