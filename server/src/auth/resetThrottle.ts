// "Forgot password" throttling: per email address and per client address, counted before any
// lookup, for known and unknown addresses alike (so a refusal tells nothing about an account).
// In Redis when instances share state, so the limit holds across them (limiters.ts).
import { type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors.ts";
import type { SharedState } from "../lib/sharedState.ts";
import { windowCounter } from "./limiters.ts";

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
    const outcomes = await Promise.allSettled([this.perEmail.consume(email), this.perIp.consume(ip)]);
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    if (refused.length === 0) return;
    let waitMs = 1000;
    for (const outcome of refused) {
      if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
      waitMs = Math.max(waitMs, outcome.reason.msBeforeNext);
    }
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    throw new AppError("rate_limited", `Too many password reset requests. Try again in ${retryAfter} seconds.`, {
      retryAfter,
      extra: { retry_after: retryAfter },
    });
  }
}
