// Login throttling, per account and per client address. An attempt is counted *before* its
// password is checked, atomically (the counters are in-process and consume in the same tick),
// so a burst of simultaneous guesses cannot all pass a check made before any of them failed:
// at most the configured number reach argon2 in a window, the rest get 429 with Retry-After.
// A successful login gives its points back (the account's counter starts over), so the limits
// count failures and attempts still in flight, never successes. With Redis the counters are
// shared by every instance and consuming is one atomic script, so the guarantee holds across
// them: a burst spread over all instances still lets at most the limit through.
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { SharedState } from "../lib/sharedState.ts";
import { consumeTogether, throttled, windowCounter } from "./limiters.ts";

export interface LoginAttempt {
  /** The password was right: the account's failures are forgotten, the address's point returned. */
  succeeded(): Promise<void>;
  /** The password was never checked (the server was too busy): both points go back. */
  abandoned(): Promise<void>;
}

export class LoginThrottle {
  private readonly perAccount: RateLimiterAbstract;
  private readonly perIp: RateLimiterAbstract;

  constructor(
    options: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number },
    shared: SharedState,
    /** Whose counters these are: "login" (passwords) or "mfa" (second-factor codes), each counted apart. */
    name = "login",
  ) {
    this.perAccount = windowCounter(shared, {
      keyPrefix: `${name}-account`,
      points: options.maxFailuresPerAccount,
      durationSeconds: options.windowSeconds,
    });
    this.perIp = windowCounter(shared, {
      keyPrefix: `${name}-ip`,
      points: options.maxFailuresPerIp,
      durationSeconds: options.windowSeconds,
    });
  }

  /**
   * Counts one attempt against the account and the address, or throws rate_limited when either
   * has none left. Both counters are taken in the same tick, before any await.
   */
  async begin(email: string, ip: string): Promise<LoginAttempt> {
    const { taken, waitMs } = await consumeTogether([
      [this.perAccount, email],
      [this.perIp, ip],
    ]);
    if (waitMs !== null) {
      // A refused attempt tests nothing; the counter that still had room gets its point back.
      if (taken[0]) await this.perAccount.reward(email, 1);
      if (taken[1]) await this.perIp.reward(ip, 1);
      throw throttled("Too many failed login attempts", waitMs);
    }
    return {
      succeeded: async () => {
        await Promise.all([this.perAccount.delete(email), this.perIp.reward(ip, 1)]);
      },
      abandoned: async () => {
        await Promise.all([this.perAccount.reward(email, 1), this.perIp.reward(ip, 1)]);
      },
    };
  }
}
