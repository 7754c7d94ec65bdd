// "Forgot password" throttling: per email address and per client address, counted before any
// lookup, for known and unknown addresses alike (so a refusal tells nothing about an account).
// In Redis when instances share state, so the limit holds across them (limiters.ts).
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { SharedState } from "../lib/sharedState.ts";
import { consumeTogether, throttled, windowCounter } from "./limiters.ts";

export class PasswordResetThrottle {
  private readonly perEmail: RateLimiterAbstract;
  private readonly perIp: RateLimiterAbstract;

  constructor(options: { maxPerEmail: number; maxPerIp: number; windowSeconds: number }, shared: SharedState) {
    this.perEmail = windowCounter(shared, {
      keyPrefix: "reset-email",
      points: options.maxPerEmail,
      durationSeconds: options.windowSeconds,
    });
    this.perIp = windowCounter(shared, {
      keyPrefix: "reset-ip",
      points: options.maxPerIp,
      durationSeconds: options.windowSeconds,
    });
  }

  /** Counts one request, or throws rate_limited (with Retry-After) when either counter is spent. */
  async take(email: string, ip: string): Promise<void> {
    const { waitMs } = await consumeTogether([
      [this.perEmail, email],
      [this.perIp, ip],
    ]);
    if (waitMs !== null) throw throttled("Too many password reset requests", waitMs);
  }
}
