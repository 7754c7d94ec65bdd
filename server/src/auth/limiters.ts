// Counters with a window, for login throttling and per-key rate limits: in Redis when instances
// share state (one count for all of them), in memory otherwise. While Redis is unreachable each
// instance counts alone (rate-limiter-flexible's insurance limiter): the limits stay enforced,
// per instance, rather than failing every request or letting everything through.
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
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
