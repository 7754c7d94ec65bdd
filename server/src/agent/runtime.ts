// Per-server agent state: the registry of runs in progress (for /api/chat/inject and for
// cancelling runs of a deleted conversation) and the engine's timing settings. It hangs off
// the AppContext, so every server instance (and every test server) has its own.
import type { AppContext } from "../context.ts";

export interface AgentSettings {
  /** How often a running stream re-checks its credential (a disabled key ends it). */
  credentialCheckMs: number;
  /** Interval of the `: keepalive` comment on SSE streams. */
  keepaliveMs: number;
  /**
   * A pause before each engine step (model turn, tool call, plan step). 0 in production; tests
   * raise it to hold a run open long enough to inject into, revoke or disconnect from it.
   */
  stepDelayMs: number;
  /** Upper bound on react iterations (an agent's `max_iterations` may lower it). */
  maxIterations: number;
}

export const DEFAULT_AGENT_SETTINGS: AgentSettings = {
  credentialCheckMs: 1000,
  keepaliveMs: 15_000,
  stepDelayMs: 0,
  maxIterations: 20,
};

export interface InjectedMessage {
  id: string;
  content: string;
}

/** A run in progress, as the registry knows it. */
export interface RunHandle {
  runId: string;
  conversationId: string;
  ownerId: string;
  /** Messages injected while the run is going, taken by the engine at its next step. */
  inbox: InjectedMessage[];
  /** Ends the run with the given error (an AppError becomes the stream's `error` event). */
  cancel(reason: unknown): void;
}

export class RunRegistry {
  private byConversation = new Map<string, Set<RunHandle>>();
  /** Runs started (or starting) per user, for the concurrent-runs quota. */
  private slotsByOwner = new Map<string, number>();

  /**
   * Takes one of the user's run slots, or returns null when `limit` are taken. Synchronous, so
   * simultaneous starts cannot both take the last slot. The release function frees it (once).
   * Slots are per server process: the SQLite default runs one process per database.
   */
  /** Run slots the user holds right now. */
  slotsOf(ownerId: string): number {
    return this.slotsByOwner.get(ownerId) ?? 0;
  }

  tryReserve(ownerId: string, limit: number): (() => void) | null {
    const taken = this.slotsByOwner.get(ownerId) ?? 0;
    if (taken >= limit) return null;
    this.slotsByOwner.set(ownerId, taken + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.slotsByOwner.get(ownerId) ?? 1) - 1;
      if (left > 0) this.slotsByOwner.set(ownerId, left);
      else this.slotsByOwner.delete(ownerId);
    };
  }

  register(handle: RunHandle): void {
    let runs = this.byConversation.get(handle.conversationId);
    if (!runs) {
      runs = new Set();
      this.byConversation.set(handle.conversationId, runs);
    }
    runs.add(handle);
  }

  unregister(handle: RunHandle): void {
    const runs = this.byConversation.get(handle.conversationId);
    if (!runs) return;
    runs.delete(handle);
    if (runs.size === 0) this.byConversation.delete(handle.conversationId);
  }

  /** The runs going on in a conversation, if the user owns them. */
  runsFor(conversationId: string, ownerId: string): RunHandle[] {
    return [...(this.byConversation.get(conversationId) ?? [])].filter((run) => run.ownerId === ownerId);
  }

  cancelConversation(conversationId: string, reason: unknown): void {
    for (const run of this.byConversation.get(conversationId) ?? []) run.cancel(reason);
  }

  /** How many runs are going on (all users). */
  get size(): number {
    let count = 0;
    for (const runs of this.byConversation.values()) count += runs.size;
    return count;
  }
}

export interface AgentRuntime {
  settings: AgentSettings;
  runs: RunRegistry;
}

const runtimes = new WeakMap<AppContext, AgentRuntime>();

export function agentRuntime(ctx: AppContext): AgentRuntime {
  let runtime = runtimes.get(ctx);
  if (!runtime) {
    runtime = { settings: { ...DEFAULT_AGENT_SETTINGS }, runs: new RunRegistry() };
    runtimes.set(ctx, runtime);
  }
  return runtime;
}
