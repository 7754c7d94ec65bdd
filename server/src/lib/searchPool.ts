// Full-text search off the event loop: a small pool of worker threads (searchWorker.ts) that keep
// the knowledge bases' passage indexes and answer searches. The main thread asks for "knowledge
// base K at version V, query Q, top k"; a thread without that index answers "missing", and the
// main thread loads the passages once (concurrent askers wait for that one build) and sends them.
// Each task has a time bound: past it the thread is terminated and replaced, and the caller gets
// service_unavailable, as do callers whose thread crashed. Per-server state, held in AppContext.
import { Worker } from "node:worker_threads";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Hit, Passage } from "./textSearch.ts";

// ---- the protocol between the pool and its threads ---------------------------------------------

/** `workerData` of a search thread: the bounds of its index cache. */
export interface SearchThreadData {
  maxIndexes: number;
  maxIndexedChars: number;
}

export type SearchTask =
  | {
      type: "search";
      id: number;
      knowledgeBaseId: string;
      version: string;
      query: string;
      limit: number;
      /** Sent when the thread said "missing": it builds the index from them, keeps it and searches. */
      passages?: Passage[];
    }
  /** Forget a knowledge base's index (it was deleted); no reply. */
  | { type: "drop"; knowledgeBaseId: string };

export type SearchReply =
  /** The thread has loaded its code and takes tasks. */
  | { type: "ready" }
  | { type: "hits"; id: number; hits: Hit[]; build?: { passages: number; chars: number; ms: number } }
  /** No index for that knowledge base at that version: send the passages. */
  | { type: "missing"; id: number }
  | { type: "failed"; id: number; message: string };

type SearchMessage = Omit<Extract<SearchTask, { type: "search" }>, "id">;

// ---- the pool ------------------------------------------------------------------------------------

export interface SearchPoolOptions {
  /** Worker threads; a knowledge base is always searched by the same one. Default 1. */
  threads?: number;
  /** A task running longer than this terminates its thread; the caller gets a 503. Default 10 s. */
  taskTimeoutMs?: number;
  /** Time a new thread has to load its code. Default 30 s. */
  startTimeoutMs?: number;
  /** Indexes a thread keeps (least recently used dropped first). Default 64. */
  maxIndexes?: number;
  /** Characters (titles and passages) a thread keeps indexed. Default 16 million. */
  maxIndexedChars?: number;
  /** Tasks waiting for a thread; past it searches answer 503 at once. Default 256. */
  maxQueued?: number;
  /** V8 heap limit of a thread, MB: a thread that exceeds it dies instead of the server. Default 2048. */
  maxHeapMb?: number;
  /** After a build timed out or ran out of memory, the same version answers 503 at once for this long. Default 60 s. */
  failedBuildTtlMs?: number;
  logger?: Logger;
  /** Called with each new worker thread (tests use it to kill one mid-task). */
  onWorkerStart?: (worker: Worker) => void;
}

export interface SearchRequest {
  knowledgeBaseId: string;
  /** Changes whenever the knowledge base's passages change; an index is reused for one version only. */
  version: string;
  query: string;
  limit: number;
  /** The knowledge base's passages, loaded only when the thread lacks the index. */
  loadPassages(): Promise<Passage[]>;
}

function unavailable(reason: string): AppError {
  return new AppError("service_unavailable", `Search is temporarily unavailable: ${reason}. Try again shortly.`);
}

/**
 * How to start a thread on searchWorker beside this file: the compiled .js as it is; under tsx or
 * vitest the .ts, through a bootstrap that registers tsx's loader in the thread itself. (On Node
 * 20, `execArgv: ["--import", "tsx"]` is not enough: tsx's --import entry registers its hooks on
 * the main thread only, so the thread fails with "Unknown file extension .ts". The parent's own
 * flags are not inherited either.)
 */
function workerSpec(): { filename: string | URL; eval?: boolean; execArgv?: string[] } {
  if (!import.meta.url.endsWith(".ts")) return { filename: new URL("./searchWorker.js", import.meta.url) };
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./searchWorker.ts", import.meta.url).href);
  return {
    filename: `import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); });`,
    eval: true,
    execArgv: [],
  };
}

export class SearchPool {
  private readonly threads: SearchThread[];
  private readonly failedBuilds = new Map<string, number>();
  private readonly failedBuildTtlMs: number;
  private readonly logger: Logger | undefined;

  constructor(options: SearchPoolOptions = {}) {
    this.logger = options.logger;
    const count = Math.max(1, Math.floor(options.threads ?? 1));
    this.failedBuildTtlMs = options.failedBuildTtlMs ?? 60_000;
    const settings: ThreadSettings = {
      taskTimeoutMs: options.taskTimeoutMs ?? 10_000,
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      maxQueued: options.maxQueued ?? 256,
      maxHeapMb: options.maxHeapMb ?? 2048,
      data: { maxIndexes: options.maxIndexes ?? 64, maxIndexedChars: options.maxIndexedChars ?? 16_000_000 },
      logger: options.logger,
      onWorkerStart: options.onWorkerStart,
      onBuildFailed: (message) => this.rememberFailedBuild(buildKey(message)),
    };
    this.threads = Array.from({ length: count }, () => new SearchThread(settings));
  }

  /** The best `limit` passages of the knowledge base for `query`, best first. */
  async search(request: SearchRequest): Promise<Hit[]> {
    const message: SearchMessage = {
      type: "search",
      knowledgeBaseId: request.knowledgeBaseId,
      version: request.version,
      query: request.query,
      limit: request.limit,
    };
    const key = buildKey(message);
    const failedAt = this.failedBuilds.get(key);
    if (failedAt !== undefined) {
      if (Date.now() - failedAt < this.failedBuildTtlMs) {
        throw unavailable("this knowledge base could not be indexed within the server's limits");
      }
      this.failedBuilds.delete(key);
    }
    const thread = this.threadFor(request.knowledgeBaseId);
    for (;;) {
      // One build per index: later askers wait for it (and share its failure), then search.
      const building = thread.builds.get(key);
      if (building) await building;
      const reply = await thread.run(message);
      if (reply.type !== "missing") return hitsOf(reply);
      if (thread.builds.has(key)) continue;
      const build = request.loadPassages().then((passages) => thread.run({ ...message, passages }));
      thread.builds.set(key, build);
      try {
        const built = await build;
        if (built.type === "hits" && built.build) {
          this.logger?.info({ knowledgeBaseId: request.knowledgeBaseId, ...built.build }, "search index built");
        }
        return hitsOf(built);
      } finally {
        if (thread.builds.get(key) === build) thread.builds.delete(key);
      }
    }
  }

  /** Drops a knowledge base's index (it was deleted). */
  forget(knowledgeBaseId: string): void {
    this.threadFor(knowledgeBaseId).post({ type: "drop", knowledgeBaseId });
  }

  /** Terminates the threads; waiting and later searches answer service_unavailable. */
  async stop(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.stop()));
  }

  private threadFor(knowledgeBaseId: string): SearchThread {
    let hash = 0;
    for (let i = 0; i < knowledgeBaseId.length; i++) hash = (hash * 31 + knowledgeBaseId.charCodeAt(i)) >>> 0;
    return this.threads[hash % this.threads.length] as SearchThread;
  }

  private rememberFailedBuild(key: string): void {
    this.failedBuilds.delete(key);
    this.failedBuilds.set(key, Date.now());
    // Bounded: the oldest entries go first.
    for (const oldest of this.failedBuilds.keys()) {
      if (this.failedBuilds.size <= 1000) break;
      this.failedBuilds.delete(oldest);
    }
  }
}

function buildKey(message: { knowledgeBaseId: string; version: string }): string {
  return `${message.knowledgeBaseId}\n${message.version}`;
}

function hitsOf(reply: SearchReply): Hit[] {
  if (reply.type === "hits") return reply.hits;
  if (reply.type === "failed") throw new Error(`search thread: ${reply.message}`);
  throw new Error(`search thread: unexpected reply ${reply.type}`);
}

// ---- one thread ----------------------------------------------------------------------------------

interface ThreadSettings {
  taskTimeoutMs: number;
  startTimeoutMs: number;
  maxQueued: number;
  maxHeapMb: number;
  data: SearchThreadData;
  logger: Logger | undefined;
  onWorkerStart: ((worker: Worker) => void) | undefined;
  onBuildFailed(message: SearchMessage): void;
}

interface Job {
  message: SearchMessage;
  resolve(reply: SearchReply): void;
  reject(error: Error): void;
}

/**
 * One worker thread, started on first use and restarted after a failure. Tasks are sent one at a
 * time, so a task's time bound measures its own work rather than the queue before it.
 */
class SearchThread {
  /** Builds in progress, by knowledge base and version. */
  readonly builds = new Map<string, Promise<SearchReply>>();
  private worker: Worker | undefined;
  private ready = false;
  private stopped = false;
  private readonly queue: Job[] = [];
  private running: (Job & { id: number; timer: NodeJS.Timeout }) | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private lastId = 0;

  constructor(private readonly settings: ThreadSettings) {}

  run(message: SearchMessage): Promise<SearchReply> {
    if (this.stopped) return Promise.reject(unavailable("the server is stopping"));
    if (this.queue.length >= this.settings.maxQueued) return Promise.reject(unavailable("too many searches at once"));
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.pump();
    });
  }

  /** A message without a reply, for a thread that is running; a thread yet to start has nothing to drop. */
  post(task: SearchTask): void {
    if (this.worker && this.ready) this.worker.postMessage(task);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    const running = this.discard();
    for (const job of [...(running ? [running] : []), ...this.queue.splice(0)]) {
      job.reject(unavailable("the server is stopping"));
    }
    await worker?.terminate();
  }

  private pump(): void {
    if (this.running || this.queue.length === 0 || this.stopped) return;
    if (!this.worker) {
      try {
        this.start();
      } catch (error) {
        this.settings.logger?.error({ err: error }, "search thread could not start");
        for (const job of this.queue.splice(0)) job.reject(unavailable("the search thread could not start"));
        return;
      }
    }
    const worker = this.worker as Worker;
    if (!this.ready) return; // its "ready" message pumps again
    const job = this.queue.shift() as Job;
    const id = ++this.lastId;
    const limit = this.settings.taskTimeoutMs;
    const timer = setTimeout(
      () => this.fail(worker, `task ran past ${limit} ms`, "the search took too long and was stopped", true),
      limit,
    );
    timer.unref();
    this.running = { ...job, id, timer };
    worker.ref();
    try {
      worker.postMessage({ ...job.message, id } satisfies SearchTask);
    } catch (error) {
      this.fail(worker, `could not send a task: ${String(error)}`, "the search thread failed");
    }
  }

  private start(): Worker {
    const { filename, ...spec } = workerSpec();
    const worker = new Worker(filename, {
      ...spec,
      workerData: this.settings.data,
      resourceLimits: { maxOldGenerationSizeMb: this.settings.maxHeapMb },
      name: "fim-search",
    });
    this.worker = worker;
    this.ready = false;
    this.startTimer = setTimeout(
      () => this.fail(worker, "not ready in time", "the search thread could not start"),
      this.settings.startTimeoutMs,
    );
    this.startTimer.unref();
    worker.on("message", (reply: SearchReply) => this.receive(worker, reply));
    worker.on("error", (error: Error & { code?: string }) => {
      const outOfMemory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
      const shown = outOfMemory ? "the search ran out of memory" : "the search thread failed";
      this.fail(worker, `error: ${error.message}`, shown, outOfMemory);
    });
    worker.on("exit", (code) => this.fail(worker, `exited with code ${code}`, "the search thread stopped"));
    this.settings.onWorkerStart?.(worker);
    return worker;
  }

  private receive(worker: Worker, reply: SearchReply): void {
    if (worker !== this.worker) return;
    if (reply.type === "ready") {
      this.ready = true;
      clearTimeout(this.startTimer);
      this.pump();
      return;
    }
    const job = this.running;
    if (!job || job.id !== reply.id) return;
    clearTimeout(job.timer);
    this.running = undefined;
    if (this.queue.length === 0) worker.unref();
    job.resolve(reply);
    this.pump();
  }

  /**
   * The thread is beyond use (too slow, crashed, exited): it is terminated, its task fails with
   * service_unavailable and the next task starts a new thread. If it never became ready, the
   * tasks waiting for it fail too, so a thread that cannot start does not restart in a loop.
   * `reason` goes to the log, `shown` to the caller; `buildFailed` marks a build that cannot work.
   */
  private fail(worker: Worker, reason: string, shown: string, buildFailed = false): void {
    if (worker !== this.worker) return;
    const wasReady = this.ready;
    const job = this.discard();
    void worker.terminate();
    const task = job ? { knowledgeBaseId: job.message.knowledgeBaseId, build: !!job.message.passages } : undefined;
    this.settings.logger?.error({ reason, task }, "search thread stopped");
    if (job) {
      if (buildFailed && job.message.passages) this.settings.onBuildFailed(job.message);
      job.reject(unavailable(shown));
    }
    if (!wasReady) for (const waiting of this.queue.splice(0)) waiting.reject(unavailable(shown));
    this.pump();
  }

  /** Forgets the current worker; returns its running task, for the caller to settle. */
  private discard(): Job | undefined {
    const job = this.running;
    if (job) clearTimeout(job.timer);
    clearTimeout(this.startTimer);
    this.running = undefined;
    this.worker = undefined;
    this.ready = false;
    return job;
  }
}
