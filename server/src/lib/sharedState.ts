// What several server instances share: a Redis connection for counters (login throttling,
// per-key rate limits, which runs are streaming where) and a publish/subscribe channel for
// news that must reach every instance (a key revoked, a message injected into a run). Without
// REDIS_URL there is one instance and nothing to share: `commands` is null and publishing is a
// no-op, and every caller keeps its state in memory as before.
//
// Redis may go away while the server runs. Commands then fail at once (no offline queue) so
// callers fall back to their in-memory state instead of waiting, and the client reconnects in
// the background; what each caller does meanwhile is written next to it.
import { randomUUID } from "node:crypto";
import type { RedisClientType } from "@redis/client";
import type { Logger } from "../logger.ts";
import { loadCommonJs } from "./lazyModule.ts";

export type SharedHandler = (payload: Record<string, unknown>) => void;

const RECONNECT_MAX_MS = 2000;
const CONNECT_TIMEOUT_MS = 2000;

export class SharedState {
  /** Tells this process's own messages from the others'. */
  readonly instanceId = randomUUID();
  private readonly handlers = new Map<string, SharedHandler[]>();
  private readonly subscribing: Promise<unknown>[] = [];
  private lastError = 0;

  private constructor(
    /** Commands: counters, run presence. Null without REDIS_URL. */
    readonly commands: RedisClientType | null,
    private readonly subscriber: RedisClientType | null,
    /** Put before every Redis key and channel, so several deployments can share one Redis. */
    readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** One instance, nothing shared. */
  static local(logger: Logger): SharedState {
    return new SharedState(null, null, "", logger);
  }

  /**
   * Connects to Redis. An unreachable Redis does not stop the start: the server runs on its
   * in-memory fallbacks and the client keeps trying; the log says so.
   */
  static async connect(url: string, prefix: string, logger: Logger): Promise<SharedState> {
    // Loaded here, not at the top: a server without REDIS_URL never needs the client, over a
    // megabyte of code that every start would otherwise load.
    const { createClient } = await loadCommonJs(() => import("@redis/client"));
    const commands: RedisClientType = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, RECONNECT_MAX_MS),
      },
    });
    const subscriber = commands.duplicate();
    const shared = new SharedState(commands, subscriber, prefix, logger);
    for (const [client, role] of [
      [commands, "commands"],
      [subscriber, "subscriber"],
    ] as const) {
      client.on("error", (error: Error) => shared.reportError(role, error));
      client.on("ready", () => logger.info({ role }, "redis connected"));
    }
    await Promise.all(
      [commands, subscriber].map((client) =>
        client.connect().catch((error: Error) => shared.reportError("connect", error)),
      ),
    );
    return shared;
  }

  /** Whether instances share state at all (REDIS_URL set). */
  get enabled(): boolean {
    return this.commands !== null;
  }

  /** Whether news from other instances is arriving right now. */
  get listening(): boolean {
    return this.subscriber?.isReady ?? false;
  }

  /** A Redis key in this deployment's namespace. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Tells the other instances; fire and forget (a failure is logged, the caller goes on). */
  publish(topic: string, payload: Record<string, unknown>): void {
    if (!this.commands?.isReady) return;
    const message = JSON.stringify({ ...payload, from: this.instanceId });
    this.commands.publish(this.key(topic), message).catch((error: Error) => this.reportError("publish", error));
  }

  /** Calls `handler` with what other instances publish on `topic` (never with our own messages). */
  on(topic: string, handler: SharedHandler): void {
    const existing = this.handlers.get(topic);
    if (existing) {
      existing.push(handler);
      return;
    }
    this.handlers.set(topic, [handler]);
    if (!this.subscriber) return;
    // Subscriptions are remembered by the client and renewed after a reconnect.
    this.subscribing.push(
      this.subscriber
        .subscribe(this.key(topic), (raw) => this.deliver(topic, raw))
        .catch((error: Error) => this.reportError("subscribe", error)),
    );
  }

  /** Resolves once every subscription asked for so far is in place (or has failed and been logged). */
  async settled(): Promise<void> {
    await Promise.all(this.subscribing);
  }

  async close(): Promise<void> {
    for (const client of [this.subscriber, this.commands]) {
      if (client?.isOpen) await client.close().catch(() => undefined);
    }
  }

  private deliver(topic: string, raw: string): void {
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return;
    }
    if (payload.from === this.instanceId) return;
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        this.logger.error({ err: error, topic }, "handling a message from another instance failed");
      }
    }
  }

  /** Logs Redis trouble at most every 5 s (a reconnect loop would flood the log otherwise). */
  private reportError(role: string, error: Error): void {
    const now = Date.now();
    if (now - this.lastError < 5000) return;
    this.lastError = now;
    this.logger.error({ role, err: error.message }, "redis unavailable: limits count per instance until it is back");
  }
}
