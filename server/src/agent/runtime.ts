// Per-server agent state: the registry of runs in progress (for /api/chat/inject, the
// concurrent-runs quota and cancelling runs of a deleted conversation) and the engine's timing
// settings. Both are fields of the AppContext, made by its factory, so every server instance (and
// every test server) has its own.
import { randomUUID } from "node:crypto";
import { AppError } from "../errors.ts";
import type { SharedState } from "../lib/sharedState.ts";
import type { Logger } from "../logger.ts";

export interface AgentSettings {
  /** How often a running stream re-checks its credential (a disabled key ends it). */
  credentialCheckMs: number;
  /** Interval of the `: keepalive` comment on SSE streams. */
  keepaliveMs: number;
  /** Upper bound on react iterations (an agent's `max_iterations` may lower it). */
  maxIterations: number;
}

export const DEFAULT_AGENT_SETTINGS: AgentSettings = {
  credentialCheckMs: 1000,
  keepaliveMs: 15_000,
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

const PRESENCE_TTL_SECONDS = 60;
const PRESENCE_REFRESH_MS = 20_000;
const SLOT_TTL_MS = 60_000;

/**
 * Takes a run slot in a user's sorted set (KEYS[1]) when fewer than the limit are held: drops
 * slots that lapsed (score < now), counts the rest, adds ARGV[4] lapsing at now + ttl. Atomic
 * in Redis, so instances taking the last slot at once cannot both get it. Returns 1 or 0.
 */
const TAKE_SLOT = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

/**
 * The runs in progress. Each instance holds its own runs (their inboxes, their cancel
 * functions); with shared state on, every run is also announced in Redis (which instance streams
 * it, for whom, refreshed while it lasts), so an inject or a cancellation arriving at any
 * instance reaches the run wherever it streams, through a published message. Without Redis, or
 * while it is away, only this instance's runs are reachable.
 */
export class RunRegistry {
  private byConversation = new Map<string, Set<RunHandle>>();
  /** Runs started (or starting) per user, for the concurrent-runs quota. */
  private slotsByOwner = new Map<string, number>();
  /** Slots this instance holds in Redis: slot id → owner. */
  private heldSlots = new Map<string, string>();
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly shared: SharedState,
    private readonly logger: Logger,
  ) {
    shared.on("run-inject", (payload) => {
      const runIds = new Set(Array.isArray(payload.runIds) ? payload.runIds : []);
      const message = payload.message as InjectedMessage | undefined;
      if (typeof payload.conversationId !== "string" || !message) return;
      for (const run of this.byConversation.get(payload.conversationId) ?? []) {
        if (runIds.has(run.runId)) run.inbox.push(message);
      }
    });
    shared.on("run-cancel", (payload) => {
      if (typeof payload.conversationId !== "string") return;
      this.cancelHere(payload.conversationId, new AppError("not_found", "The conversation was deleted during the run"));
    });
  }

  /** Run slots the user holds right now (on this instance). */
  slotsOf(ownerId: string): number {
    return this.slotsByOwner.get(ownerId) ?? 0;
  }

  /**
   * Takes one of the user's run slots: null when `limit` are taken on this instance; otherwise the
   * release function, which frees it (once), and whether the other instances left one free. This
   * instance's count is taken synchronously, so simultaneous starts here cannot both take the last
   * slot. With shared state on, the slot is also taken in Redis by one atomic script over a sorted
   * set per user (member: this instance's slot, score: when it lapses), so the limit holds across
   * instances; `granted` says how that went, and a run may store its question meanwhile (it takes
   * the question back when refused: runs elsewhere hold the user's last slot, which only several
   * instances can bring about). A slot held by an instance that died lapses after SLOT_TTL_MS, and
   * the presence timer keeps live ones fresh. While Redis is away, each instance counts alone (a
   * user may then hold `limit` runs per instance).
   */
  reserve(ownerId: string, limit: number): { release: () => void; granted: Promise<boolean> } | null {
    const taken = this.slotsByOwner.get(ownerId) ?? 0;
    if (taken >= limit) return null;
    this.slotsByOwner.set(ownerId, taken + 1);
    const slotId = `${this.shared.instanceId}:${randomUUID()}`;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.slotsByOwner.get(ownerId) ?? 1) - 1;
      if (left > 0) this.slotsByOwner.set(ownerId, left);
      else this.slotsByOwner.delete(ownerId);
      if (this.heldSlots.delete(slotId)) {
        void this.withRedis((redis) => redis.zRem(this.slotsKey(ownerId), slotId));
        this.stopTimerWhenIdle();
      }
    };
    return { release, granted: this.takeSharedSlot(ownerId, limit, slotId, () => released) };
  }

  private async takeSharedSlot(
    ownerId: string,
    limit: number,
    slotId: string,
    released: () => boolean,
  ): Promise<boolean> {
    const redis = this.shared.commands;
    if (!redis?.isReady) return true;
    try {
      const granted = await redis.eval(TAKE_SLOT, {
        keys: [this.slotsKey(ownerId)],
        arguments: [String(Date.now()), String(SLOT_TTL_MS), String(limit), slotId],
      });
      if (granted !== 1) return false;
      if (released()) {
        // The run ended (its question refused) while the slot was being taken: give it back.
        void this.withRedis((client) => client.zRem(this.slotsKey(ownerId), slotId));
        return true;
      }
      this.heldSlots.set(slotId, ownerId);
      this.ensurePresenceTimer();
    } catch (error) {
      this.logger.warn({ err: error }, "run slot not taken in redis; counting on this instance alone");
    }
    return true;
  }

  /**
   * Registers a run. Resolves once other instances can find it (its announcement is in Redis, or
   * there is no Redis), so a client that saw the run start may inject through any instance.
   */
  async register(handle: RunHandle): Promise<void> {
    let runs = this.byConversation.get(handle.conversationId);
    if (!runs) {
      runs = new Set();
      this.byConversation.set(handle.conversationId, runs);
    }
    runs.add(handle);
    await this.announce([handle]);
    this.ensurePresenceTimer();
  }

  unregister(handle: RunHandle): void {
    const runs = this.byConversation.get(handle.conversationId);
    if (!runs) return;
    runs.delete(handle);
    if (runs.size === 0) this.byConversation.delete(handle.conversationId);
    void this.withRedis((redis) => redis.hDel(this.presenceKey(handle.conversationId), handle.runId));
    this.stopTimerWhenIdle();
  }

  /** The runs going on in a conversation for this user, here and on the other instances. */
  async runIdsFor(conversationId: string, ownerId: string): Promise<string[]> {
    const here = [...(this.byConversation.get(conversationId) ?? [])]
      .filter((run) => run.ownerId === ownerId)
      .map((run) => run.runId);
    const redis = this.shared.commands;
    if (!redis?.isReady) return here;
    try {
      const announced = await redis.hGetAll(this.presenceKey(conversationId));
      const anywhere = Object.entries(announced)
        .filter(([, holder]) => holder.split(" ")[0] === ownerId)
        .map(([runId]) => runId);
      return [...new Set([...here, ...anywhere])];
    } catch (error) {
      this.logger.warn({ err: error }, "could not look up runs on other instances");
      return here;
    }
  }

  /** Hands a message to the given runs of a conversation, wherever they stream. */
  inject(conversationId: string, runIds: string[], message: InjectedMessage): void {
    const wanted = new Set(runIds);
    for (const run of this.byConversation.get(conversationId) ?? []) {
      if (wanted.has(run.runId)) run.inbox.push(message);
    }
    this.shared.publish("run-inject", { conversationId, runIds, message });
  }

  /** Ends every run of a conversation (it was deleted), on every instance. */
  cancelConversation(conversationId: string, reason: unknown): void {
    this.cancelHere(conversationId, reason);
    this.shared.publish("run-cancel", { conversationId });
  }

  /** Stops refreshing this instance's announcements (the server is stopping); what it announced lapses. */
  close(): void {
    clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
  }

  /** How many runs are going on here (all users). */
  get size(): number {
    let count = 0;
    for (const runs of this.byConversation.values()) count += runs.size;
    return count;
  }

  private cancelHere(conversationId: string, reason: unknown): void {
    for (const run of this.byConversation.get(conversationId) ?? []) run.cancel(reason);
  }

  private all(): RunHandle[] {
    return [...this.byConversation.values()].flatMap((runs) => [...runs]);
  }

  private ensurePresenceTimer(): void {
    if (!this.shared.enabled || this.presenceTimer) return;
    this.presenceTimer = setInterval(() => void this.refresh(), PRESENCE_REFRESH_MS);
    this.presenceTimer.unref();
  }

  private stopTimerWhenIdle(): void {
    if (this.size > 0 || this.heldSlots.size > 0 || !this.presenceTimer) return;
    clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
  }

  /** Keeps this instance's runs announced and its run slots from lapsing. */
  private async refresh(): Promise<void> {
    await this.announce(this.all());
    const lapse = Date.now() + SLOT_TTL_MS;
    await Promise.all(
      [...this.heldSlots].map(([slotId, ownerId]) =>
        this.withRedis(async (redis) => {
          await redis.zAdd(this.slotsKey(ownerId), { score: lapse, value: slotId }, { XX: true });
          await redis.pExpire(this.slotsKey(ownerId), SLOT_TTL_MS);
        }),
      ),
    );
  }

  private slotsKey(ownerId: string): string {
    return this.shared.key(`run-slots:${ownerId}`);
  }

  private presenceKey(conversationId: string): string {
    return this.shared.key(`runs:${conversationId}`);
  }

  /** Announces runs in Redis: who owns them and which instance streams them; they expire unless refreshed. */
  private async announce(handles: RunHandle[]): Promise<void> {
    await Promise.all(
      handles.map((handle) => {
        const key = this.presenceKey(handle.conversationId);
        // Sent together, answered in one round trip.
        return this.withRedis((redis) =>
          Promise.all([
            redis.hSet(key, handle.runId, `${handle.ownerId} ${this.shared.instanceId}`),
            redis.expire(key, PRESENCE_TTL_SECONDS),
          ]),
        );
      }),
    );
  }

  /** Runs `work` when Redis is there; a failure is logged, never thrown (the run goes on here). */
  private async withRedis(work: (redis: NonNullable<SharedState["commands"]>) => Promise<unknown>): Promise<void> {
    const redis = this.shared.commands;
    if (!redis?.isReady) return;
    await work(redis).catch((error: unknown) => this.logger.warn({ err: error }, "run presence not updated in redis"));
  }
}
