// The bound on lookups of unknown API keys. The checksum in a key stops typos without a query,
// but anyone can compute it: an attacker can send fresh, well-formed keys forever, and each one
// that is not cached would cost a database query. So each client address gets a budget of such
// misses (MISSES per WINDOW_SECONDS, counted in Redis across instances when it is on, per instance
// otherwise); past it, that address's uncached keys are refused with 429 and no query until the
// window ends, on every instance (the one that counts the last miss announces it). Keys already cached (its callers' real keys) still work from that address, and a
// repeated unknown key is answered from the credential cache without touching the budget.
//
// IPv6 clients are counted by their /64 network: one host usually owns the whole /64.
import { isIPv6 } from "node:net";
import { RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors.ts";
import type { SharedState } from "../lib/sharedState.ts";
import { windowCounter } from "./limiters.ts";

const MISSES = 60;
const WINDOW_SECONDS = 60;
/** Addresses remembered as over budget (only those; the counts live in the limiter). */
const MAX_BLOCKED = 10_000;
const BLOCK_TOPIC = "unknown-key-block";

/** The part of an address the budget counts: the address, or an IPv6 address's /64. */
export function clientBucket(address: string): string {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (!isIPv6(plain)) return plain;
  // Expand "::" so that the first four groups are the network, whatever the notation.
  const [head = "", tail = ""] = plain.split("::");
  const left = head ? head.split(":") : [];
  const right = plain.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = plain.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group || "0", 16).toString(16))
    .join(":")}::/64`;
}

export class UnknownKeyBudget {
  private readonly counter;
  /** Address bucket → when its budget is available again (ms since the epoch). */
  private readonly blocked = new Map<string, number>();

  constructor(private readonly shared: SharedState) {
    this.counter = windowCounter(shared, { keyPrefix: "unknown-key", points: MISSES, durationSeconds: WINDOW_SECONDS });
    // The instance that sees an address spend its budget tells the others, which then refuse it
    // too without a lookup of their own (about a millisecond later).
    shared.on(BLOCK_TOPIC, (message) => {
      const { bucket, until } = message as { bucket?: unknown; until?: unknown };
      if (typeof bucket === "string" && typeof until === "number") this.block(bucket, until);
    });
  }

  /** Refuses, without a query, a lookup from an address that spent its budget of misses. */
  assertMayLookUp(address: string | undefined): void {
    if (address === undefined) return;
    const bucket = clientBucket(address);
    const until = this.blocked.get(bucket);
    if (until === undefined) return;
    const left = until - Date.now();
    if (left <= 0) {
      this.blocked.delete(bucket);
      return;
    }
    throw new AppError("rate_limited", "Too many unknown API keys from this address; try again later", {
      retryAfter: Math.ceil(left / 1000),
    });
  }

  /** Counts a lookup that matched no key; the address that reaches the budget is blocked for the window's rest. */
  async recordMiss(address: string | undefined): Promise<void> {
    if (address === undefined) return;
    const bucket = clientBucket(address);
    let outcome: RateLimiterRes;
    try {
      outcome = await this.counter.consume(bucket);
    } catch (refusal) {
      // Not a refusal but a failure to count (Redis away and no fallback): the miss goes uncounted.
      if (!(refusal instanceof RateLimiterRes)) return;
      outcome = refusal;
    }
    // The miss that spends the budget's last point blocks the address for the rest of the window.
    if (outcome.remainingPoints > 0) return;
    const until = Date.now() + outcome.msBeforeNext;
    this.block(bucket, until);
    this.shared.publish(BLOCK_TOPIC, { bucket, until });
  }

  private block(bucket: string, until: number): void {
    if (this.blocked.size >= MAX_BLOCKED) this.blocked.delete(this.blocked.keys().next().value ?? "");
    this.blocked.set(bucket, until);
  }
}
