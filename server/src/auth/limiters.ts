// Counters with a window, for login throttling and per-key rate limits: in Redis when instances
// share state (one count for all of them), in memory otherwise. While Redis is unreachable each
// instance counts alone (rate-limiter-flexible's insurance limiter): the limits stay enforced,
// per instance, rather than failing every request or letting everything through.
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors.ts";
import type { SharedState } from "../lib/sharedState.ts";

export function windowCounter(
  shared: SharedState,
  options: { keyPrefix: string; points: number; durationSeconds: number },
): RateLimiterAbstract {
  const memory = new RateLimiterMemory({
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
  });
  if (!shared.commands) return memory;
  return new RateLimiterRedis({
    storeClient: shared.commands,
    useRedisPackage: true,
    rejectIfRedisNotReady: true,
    keyPrefix: shared.key(options.keyPrefix),
    points: options.points,
    duration: options.durationSeconds,
    insuranceLimiter: memory,
  });
}

/**
 * Takes a point from each counter in the same tick (so no other request slips between the
 * checks). `taken` says which counters gave one; `waitMs` is how long until all of them would
 * (at least a second), or null when none refused. Anything but a refusal is thrown.
 */
export async function consumeTogether(
  takes: readonly (readonly [RateLimiterAbstract, string])[],
): Promise<{ taken: boolean[]; waitMs: number | null }> {
  const outcomes = await Promise.allSettled(takes.map(([counter, key]) => counter.consume(key)));
  let waitMs: number | null = null;
  for (const outcome of outcomes) {
    if (outcome.status === "fulfilled") continue;
    if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
    waitMs = Math.max(waitMs ?? 1000, outcome.reason.msBeforeNext);
  }
  return { taken: outcomes.map((outcome) => outcome.status === "fulfilled"), waitMs };
}

/** The 429 for a throttle: "<what>. Try again in N seconds.", with Retry-After and retry_after. */
export function throttled(what: string, waitMs: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError("rate_limited", `${what}. Try again in ${retryAfter} seconds.`, {
    retryAfter,
    extra: { retry_after: retryAfter },
  });
}
