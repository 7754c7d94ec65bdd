// What the batched writers (key usage, session activity) share: what they note in memory is written
// by a timer (unref'd, so it never keeps the process alive), on demand, and once more at stop;
// writes never overlap, each waits for the one before it.
import type { DatabaseProvider, Db } from "@fim/db";
import type { Logger } from "../logger.ts";

/** The database as a writer reaches it: the current client (it is replaced when the file comes back), whether it takes writes, and its provider. */
export interface WriterStore {
  db: () => Db;
  writable: () => boolean;
  provider: DatabaseProvider;
}

export abstract class PeriodicWriter {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    protected readonly store: WriterStore,
    protected readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes everything noted so far. Concurrent calls are serialised. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes what is pending; keeps it for the next flush when the write fails. */
  protected abstract writeBatch(): Promise<void>;
}
