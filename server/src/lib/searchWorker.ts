// The search thread: keeps the passage indexes of recently searched knowledge bases and answers
// searches, so that building an index over megabytes of text, or a long query, never runs on the
// server's event loop. It speaks the protocol declared in searchPool.ts.
import { parentPort, workerData } from "node:worker_threads";
import type { SearchReply, SearchTask, SearchThreadData } from "./searchPool.ts";
import { buildPassageIndex, type PassageIndex } from "./textSearch.ts";

interface CachedIndex {
  version: string;
  index: PassageIndex;
  /** Characters of title and content indexed, the measure of the cache's memory. */
  chars: number;
}

/** Least recently used last out: bounded by number of indexes and by characters indexed. */
class IndexCache {
  private readonly entries = new Map<string, CachedIndex>();
  private chars = 0;

  constructor(private readonly limits: { maxIndexes: number; maxIndexedChars: number }) {}

  get(knowledgeBaseId: string, version: string): PassageIndex | undefined {
    const entry = this.entries.get(knowledgeBaseId);
    if (!entry) return undefined;
    this.drop(knowledgeBaseId);
    if (entry.version !== version) return undefined;
    this.entries.set(knowledgeBaseId, entry);
    this.chars += entry.chars;
    return entry.index;
  }

  set(knowledgeBaseId: string, entry: CachedIndex): void {
    this.drop(knowledgeBaseId);
    // An index bigger than the whole budget serves the search that built it and is not kept.
    if (entry.chars > this.limits.maxIndexedChars) return;
    this.entries.set(knowledgeBaseId, entry);
    this.chars += entry.chars;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxIndexes && this.chars <= this.limits.maxIndexedChars) break;
      this.drop(oldest);
    }
  }

  drop(knowledgeBaseId: string): void {
    const entry = this.entries.get(knowledgeBaseId);
    if (!entry) return;
    this.entries.delete(knowledgeBaseId);
    this.chars -= entry.chars;
  }
}

const port = parentPort;
if (!port) throw new Error("searchWorker.ts runs as a worker thread (see searchPool.ts)");
// Module-level, which in a worker means per thread: each SearchPool (one per AppContext) starts
// its own threads, so every server has its own indexes.
const cache = new IndexCache(workerData as SearchThreadData);

function answer(task: Extract<SearchTask, { type: "search" }>): SearchReply {
  const index = cache.get(task.knowledgeBaseId, task.version);
  if (!index) {
    if (!task.passages) return { id: task.id, type: "missing" };
    const started = performance.now();
    let chars = 0;
    for (const passage of task.passages) chars += passage.title.length + passage.content.length;
    const built = buildPassageIndex(task.passages);
    cache.set(task.knowledgeBaseId, { version: task.version, index: built, chars });
    const build = { passages: task.passages.length, chars, ms: Math.round(performance.now() - started) };
    return { id: task.id, type: "hits", hits: built.search(task.query, task.limit), build };
  }
  return { id: task.id, type: "hits", hits: index.search(task.query, task.limit) };
}

port.on("message", (task: SearchTask) => {
  if (task.type === "drop") {
    cache.drop(task.knowledgeBaseId);
    return;
  }
  let reply: SearchReply;
  try {
    reply = answer(task);
  } catch (error) {
    reply = { id: task.id, type: "failed", message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});

port.postMessage({ type: "ready" } satisfies SearchReply);
