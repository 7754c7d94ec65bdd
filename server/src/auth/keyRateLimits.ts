// Per-key rate limits: `requests` per `window_seconds`, counted across every instance when Redis
// is on (one atomic counter per key), per instance otherwise. A window starts with the key's
// first request after the previous one ended. Each answer to a limited key says where it stands
// with the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers):
//   RateLimit-Policy: "key";q=100;w=60     the quota and its window
//   RateLimit: "key";r=42;t=17             remaining in this window, seconds until it resets
import { type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors.ts";
import type { SharedState } from "../lib/sharedState.ts";
import { windowCounter } from "./limiters.ts";

export interface KeyRateLimit {
  requests: number;
  windowSeconds: number;
}

/** Where a limited key stands after a request: enough for the RateLimit fields. */
export interface RateLimitState {
  limit: KeyRateLimit;
  remaining: number;
  resetSeconds: number;
}

/** Distinct limits (requests/window pairs) whose counters are kept; the oldest unused go first. */
const MAX_POLICIES = 256;

export class KeyRateLimiter {
  private readonly counters = new Map<string, RateLimiterAbstract>();

  constructor(private readonly shared: SharedState) {}

  /**
   * Counts one request against the key's limit. Over it, throws rate_limited with Retry-After
   * and the state (the door still sends the RateLimit fields with the refusal).
   */
  async take(keyId: string, limit: KeyRateLimit): Promise<RateLimitState> {
    const counter = this.counterFor(limit);
    try {
      const result = await counter.consume(keyId);
      return {
        limit,
        remaining: result.remainingPoints,
        resetSeconds: Math.max(0, Math.ceil(result.msBeforeNext / 1000)),
      };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const resetSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      const state: RateLimitState = { limit, remaining: 0, resetSeconds };
      throw new AppError(
        "rate_limited",
        `This API key may make ${limit.requests} requests every ${limit.windowSeconds} s; try again in ${resetSeconds} s`,
        { retryAfter: resetSeconds, extra: { retry_after: resetSeconds }, headers: rateLimitHeaders(state) },
      );
    }
  }

  private counterFor(limit: KeyRateLimit): RateLimiterAbstract {
    const name = `${limit.requests}/${limit.windowSeconds}`;
    let counter = this.counters.get(name);
    if (counter) {
      this.counters.delete(name);
    } else {
      // A changed limit is a different policy: it starts its own count.
      counter = windowCounter(this.shared, {
        keyPrefix: `key-rate:${name}`,
        points: limit.requests,
        durationSeconds: limit.windowSeconds,
      });
    }
    this.counters.set(name, counter);
    while (this.counters.size > MAX_POLICIES) {
      const oldest = this.counters.keys().next().value;
      if (oldest === undefined) break;
      this.counters.delete(oldest);
    }
    return counter;
  }
}

/** The two IETF fields for a limited key's answer. */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    "RateLimit-Policy": `"key";q=${state.limit.requests};w=${state.limit.windowSeconds}`,
    RateLimit: `"key";r=${state.remaining};t=${state.resetSeconds}`,
  };
}
