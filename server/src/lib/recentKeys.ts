// Keys remembered for a while, each claimable once: the portal's run keys (an EventSource that
// reconnects repeats its request, and must not start the same run twice). With Redis, a key is
// claimed once for all instances (SET NX with the memory as its expiry), so a reconnect that a
// load balancer sends to another instance is recognised there too; while Redis is away, each
// instance remembers its own claims.
import type { Logger } from "../logger.ts";
import type { SharedState } from "./sharedState.ts";

export class RecentKeys {
  private readonly claimedAt = new Map<string, number>();

  constructor(
    private readonly memoryMs: number,
    private readonly shared: SharedState,
    private readonly logger: Logger,
    /** Names this set's keys in Redis. */
    private readonly name = "run-key",
  ) {}

  /** True the first time a key is claimed (on any instance); false while it is remembered. */
  async claim(key: string): Promise<boolean> {
    const now = Date.now();
    for (const [old, at] of this.claimedAt) if (now - at > this.memoryMs) this.claimedAt.delete(old);
    if (this.claimedAt.has(key)) return false;
    this.claimedAt.set(key, now);
    const redis = this.shared.commands;
    if (!redis?.isReady) return true;
    try {
      const set = await redis.set(this.shared.key(`${this.name}:${key}`), "1", { NX: true, PX: this.memoryMs });
      return set === "OK";
    } catch (error) {
      this.logger.warn({ err: error }, "run key not claimed in redis; remembered on this instance alone");
      return true;
    }
  }
}
