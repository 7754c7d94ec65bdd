// Password hashing with argon2id at OWASP's minimum cost or above (19 MiB, t=2, p=1), through a
// gate that bounds how many hashes run at once. Each hash holds a libuv pool thread and 19 MiB
// for tens of milliseconds; without a bound, a login storm from anyone fills the pool that file
// and DNS work also need, and memory with it. Past the gate a short queue waits its turn; past
// the queue the answer is 503 with Retry-After rather than an ever longer wait.
import { type Algorithm, hash, verify } from "@node-rs/argon2";
import { AppError } from "../errors.ts";

// Algorithm is an ambient const enum; 2 is its Argon2id member.
const ARGON2ID = 2 as Algorithm.Argon2id;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };

// OWASP ASVS 4.0 V2.1.1: at least 12 characters (length, not composition rules, is what counts).
export const PASSWORD_MIN_LENGTH = 12;

export interface PasswordHashingLimits {
  /** Hashes running at once. */
  concurrency: number;
  /** Hashes allowed to wait for a turn; one more is refused. */
  queue: number;
}

export class PasswordHasher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private verified = 0;
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly limits: PasswordHashingLimits) {}

  /** How many hashes are running and waiting right now (for tests and the benchmark). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  hash(password: string): Promise<string> {
    return this.gated(() => hash(password, OPTIONS));
  }

  /** Verifications started so far: what a login costs, whatever its outcome (tests compare it). */
  get verifications(): number {
    return this.verified;
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.gated(() => {
      this.verified++;
      return verify(passwordHash, password).catch(() => false);
    });
  }

  /**
   * Runs a verification that always fails, so a login for an unknown email costs the same time
   * as one with a wrong password and response times do not reveal which emails exist.
   */
  async verifyNobody(password: string): Promise<false> {
    // The dummy hash is made outside the gate: it is the gate's own preparation, done once.
    this.dummyHash ??= hash("not-a-real-password-only-spends-time", OPTIONS);
    await this.verify(await this.dummyHash, password);
    return false;
  }

  private async gated<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limits.concurrency) {
      this.running++;
    } else {
      if (this.waiting.length >= this.limits.queue) {
        throw new AppError(
          "service_unavailable",
          "The server is busy checking other passwords; try again in a moment",
          {
            retryAfter: 1,
          },
        );
      }
      // A finishing hash hands its slot straight to the next waiter (running stays the same).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
