// Many callers, one database round: calls made close together are gathered and served by one
// piece of work, so a burst of runs starting at once costs a few queries instead of a few per run
// (each Prisma operation costs milliseconds of CPU, which a burst would otherwise queue behind).
// Calls wait at most for the event loop's next turn, or for the batch already in progress to end.

/** Serves a batch: one settled result per item, in the items' order. */
export type BatchWork<Item, Result> = (items: Item[]) => Promise<PromiseSettledResult<Result>[]>;

export class Batcher<Item, Result> {
  private waiting: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private running = false;

  constructor(private readonly work: BatchWork<Item, Result>) {}

  /** Queues one item; resolves with its own result, or rejects with its own failure. */
  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /**
   * One batch at a time: the calls made while a batch is served form the next one, which keeps
   * the order of the calls and lets a burst grow its batches instead of its queue.
   */
  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // After the I/O callbacks of this turn, so the requests that arrived together join one batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.serve();
    });
  }

  private async serve(): Promise<void> {
    const batch = this.waiting.splice(0);
    if (batch.length === 0) return;
    this.running = true;
    try {
      const results = await this.work(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => {
        const result = results[i];
        if (result?.status === "fulfilled") entry.resolve(result.value);
        else entry.reject(result ? result.reason : new Error("the batch returned no result for this item"));
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.running = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }
}
