// Watches the SQLite database file while the server runs. Removed or replaced, the open
// connection would go on writing into a file nobody will ever read again; made read-only by the
// operator, writes must stop. So the server follows the file: `missing` refuses every API call
// with 503, `read_only` refuses writes with 503, and when the file is back (writable) the
// database is reopened and service resumes, without a restart. The file system tells us at once
// (fs.watch on the directory); a check every second covers systems where it does not.
import { type FSWatcher, statSync, watch } from "node:fs";
import path from "node:path";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";

export type DatabaseState = "ok" | "read_only" | "missing";

/** The 503 a request gets in this state: every request while the file is missing, writes while it is read-only. */
export function refusalFor(state: DatabaseState, writes: boolean): AppError | null {
  if (state === "missing") {
    return new AppError("service_unavailable", "The database is unavailable (its file is missing); try again shortly", {
      retryAfter: 5,
    });
  }
  if (state === "read_only" && writes) {
    return new AppError("service_unavailable", "The database is read-only right now: nothing can be changed", {
      retryAfter: 5,
    });
  }
  return null;
}

export interface DatabaseWatchOptions {
  file: string;
  logger: Logger;
  /** Opens the database again (a new connection on whatever file is at `file` now). */
  reopen: () => Promise<void>;
  intervalMs?: number;
}

export class DatabaseWatch {
  private current: DatabaseState = "ok";
  private inode: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private reopening: Promise<void> | undefined;

  constructor(private readonly options: DatabaseWatchOptions) {}

  get state(): DatabaseState {
    return this.current;
  }

  start(): void {
    this.inode = statSync(this.options.file).ino;
    try {
      // Only news of the file itself: its write-ahead log and shared memory beside it change with
      // every commit, and a check (a stat) for each would be paid by every write.
      const name = path.basename(this.options.file);
      this.watcher = watch(path.dirname(this.options.file), (_event, changed) => {
        if (changed === null || changed === name) this.check();
      });
      this.watcher.on("error", () => undefined);
      this.watcher.unref();
    } catch {
      // No file-system notifications here: the timer alone will notice.
    }
    this.timer = setInterval(() => this.check(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.watcher?.close();
  }

  /** Compares the file with what the server opened, and moves between states. */
  check(): void {
    const seen = this.observe();
    if (seen.state === "missing") {
      this.enter("missing", "the database file is gone; the API answers 503 until it is back");
      return;
    }
    if (this.current === "missing" || seen.inode !== this.inode) {
      // Back, or replaced by another file (a restore): refuse until whatever is there now is open.
      this.enter("missing", "the database file was replaced; reopening it");
      this.reopening ??= this.options
        .reopen()
        .then(() => {
          this.inode = seen.inode;
          this.options.logger.warn({ file: this.options.file }, "database file is back; reopened it");
          this.enter(this.observe().state);
        })
        .catch((error: unknown) => this.options.logger.error({ err: error }, "could not reopen the database"))
        .finally(() => {
          this.reopening = undefined;
        });
      return;
    }
    this.enter(seen.state, "the database file is read-only; writes answer 503 until it is writable again");
  }

  private observe(): { state: DatabaseState; inode?: number } {
    try {
      const stats = statSync(this.options.file);
      return { state: (stats.mode & 0o222) === 0 ? "read_only" : "ok", inode: stats.ino };
    } catch {
      return { state: "missing" };
    }
  }

  private enter(next: DatabaseState, why?: string): void {
    if (next === this.current) return;
    const previous = this.current;
    this.current = next;
    if (next === "ok") this.options.logger.warn({ from: previous }, "database available again");
    else this.options.logger.error({ file: this.options.file, state: next }, why ?? `database ${next}`);
  }
}
