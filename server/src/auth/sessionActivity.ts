// The last activity of login sessions (Settings → Sessions: "last active"), without a database
// write on the request path: each request made with an access token notes its time in memory; a
// timer writes the newest note of each session in one transaction, and shutdown writes what is left. A session is written at most once a minute by an instance
// (the page shows "3 minutes ago", not seconds), and a row only moves forward, so an older note
// from another instance never wins. A refresh writes it too (rotateRefreshToken), with the address
// the session is used from; the address stays what login and refresh recorded.
import type { Prisma } from "@fim/db";
import { PeriodicWriter } from "../lib/periodicWriter.ts";
import { sqlParameters } from "../lib/sqlParameters.ts";

/** A session's activity is written at most this often by one instance. */
export const SESSION_ACTIVITY_RESOLUTION_MS = 60_000;

/** Sessions written per statement. */
const ROWS_PER_STATEMENT = 500;

export class SessionActivity extends PeriodicWriter {
  /** The newest request time of each session, not yet written. */
  private pending = new Map<string, Date>();
  /** When each session's activity was last written by this instance (forgotten after a while). */
  private written = new Map<string, number>();
  /** A request of the session at `at`: kept in memory only. */
  note(sessionId: string, at: Date): void {
    const last = this.written.get(sessionId);
    if (last !== undefined && at.getTime() - last < SESSION_ACTIVITY_RESOLUTION_MS) return;
    const current = this.pending.get(sessionId);
    if (!current || at > current) this.pending.set(sessionId, at);
  }

  /** Activity noted but not yet written (the sessions list shows it at once). */
  pendingFor(sessionId: string): Date | undefined {
    return this.pending.get(sessionId);
  }

  protected async writeBatch(): Promise<void> {
    if (this.pending.size === 0 || !this.store.writable()) return;
    const batch = this.pending;
    this.pending = new Map();
    // Sessions in one order in every flush of every instance: concurrent flushes wait, not deadlock.
    const sessions = [...batch].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    try {
      await this.store.db().$transaction(
        async (tx) => {
          for (let from = 0; from < sessions.length; from += ROWS_PER_STATEMENT) {
            await this.writeRows(tx, sessions.slice(from, from + ROWS_PER_STATEMENT));
          }
        },
        { timeout: 60_000 },
      );
      for (const [id, at] of sessions) this.written.set(id, at.getTime());
      this.forgetOld(Math.max(...sessions.map(([, at]) => at.getTime())));
    } catch (error) {
      this.logger.error({ err: error }, "session activity flush failed; kept for the next flush");
      for (const [id, at] of batch) {
        const newer = this.pending.get(id);
        if (!newer || newer < at) this.pending.set(id, at);
      }
    }
  }

  /**
   * One statement for many sessions (as the usage flush does for keys: one statement per row made
   * a flush of thousands take seconds of the server's time), after locking them in id order on
   * PostgreSQL. A revoked session is left alone, and a time only moves forward.
   */
  private async writeRows(tx: Prisma.TransactionClient, rows: [string, Date][]): Promise<void> {
    const { add, take } = sqlParameters(this.store.provider);
    if (this.store.provider === "postgresql") {
      const ids = rows.map(([id]) => add(id, "text")).join(", ");
      await tx.$queryRawUnsafe(`SELECT "id" FROM "Session" WHERE "id" IN (${ids}) ORDER BY "id" FOR UPDATE`, ...take());
    }
    const values = rows.map(([id, at]) => `(${add(id, "text")}, ${add(at, "timestamp(3)")})`).join(", ");
    await tx.$executeRawUnsafe(
      `WITH v("id", "at") AS (VALUES ${values})
      UPDATE "Session" SET "lastUsedAt" = v."at"
      FROM v WHERE "Session"."id" = v."id" AND "Session"."revokedAt" IS NULL AND "Session"."lastUsedAt" < v."at"`,
      ...take(),
    );
  }

  /** Drops the write times that no longer hold a session back, so the map does not grow without end. */
  private forgetOld(now: number): void {
    for (const [id, at] of this.written) {
      if (now - at >= SESSION_ACTIVITY_RESOLUTION_MS) this.written.delete(id);
    }
  }
}
