// Work a request starts but does not wait for (sending a password-reset mail after the answer
// has gone), kept track of so a graceful stop finishes it, and so a failure is logged rather
// than lost or thrown at nobody.
import type { Logger } from "../logger.ts";

export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /**
   * Runs `work` after the current tick. `describe` turns a failure into log fields: it decides
   * what of the error is safe to write (never a token or a link).
   */
  run(what: string, work: () => Promise<void>, describe: (error: unknown) => Record<string, unknown>): void {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => this.logger.error({ task: what, ...describe(error) }, `${what} failed`))
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Resolves once everything started so far has finished (for a graceful stop, and for tests). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
