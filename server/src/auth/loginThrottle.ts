// Login throttling: failed attempts are counted per account and per client address; either
// limit being reached refuses further attempts (429 with Retry-After) until the window ends.
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors.ts";

export class LoginThrottle {
  private readonly perAccount: RateLimiterMemory;
  private readonly perIp: RateLimiterMemory;

  constructor(options: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number }) {
    this.perAccount = new RateLimiterMemory({
      keyPrefix: "login-account",
      points: options.maxFailuresPerAccount,
      duration: options.windowSeconds,
    });
    this.perIp = new RateLimiterMemory({
      keyPrefix: "login-ip",
      points: options.maxFailuresPerIp,
      duration: options.windowSeconds,
    });
  }

  /** Throws rate_limited when either counter is used up. */
  async assertAllowed(email: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([this.perAccount.get(email), this.perIp.get(ip)]);
    const blocked = [
      [account, this.perAccount.points],
      [address, this.perIp.points],
    ] as const;
    let waitMs = 0;
    for (const [state, points] of blocked) {
      if (state && state.consumedPoints >= points) waitMs = Math.max(waitMs, state.msBeforeNext);
    }
    if (waitMs > 0) {
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      throw new AppError("rate_limited", `Too many failed login attempts. Try again in ${retryAfter} seconds.`, {
        retryAfter,
        extra: { retry_after: retryAfter },
      });
    }
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([this.swallow(this.perAccount.consume(email)), this.swallow(this.perIp.consume(ip))]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.perAccount.delete(email);
  }

  private async swallow(attempt: Promise<RateLimiterRes>): Promise<void> {
    try {
      await attempt;
    } catch (error) {
      // Going over the limit rejects with a RateLimiterRes; that is the point, not a failure.
      if (!(error instanceof RateLimiterRes)) throw error;
    }
  }
}
