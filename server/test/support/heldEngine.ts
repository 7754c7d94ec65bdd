// A test server's agent engine, which the test can hold: it wraps the real engine (the offline
// rules, unless LLM_BASE_URL is set) and, while held, makes every model turn and every dag
// planning, reasoning and analysis wait until the test releases it. So a test sees a run in
// progress for as long as it needs (to inject into it, revoke its credential, disconnect, fill
// the concurrent-runs quota, let it time out) without the server sleeping. A held call whose run
// stops (client gone, credential refused, timeout, conversation deleted) ends at once with the
// run's reason, as a real model call does.
import type { EngineChoice } from "../../src/agent/engine.ts";

export class HeldEngine {
  private holding = false;
  private waiting: (() => void)[] = [];

  constructor(private readonly inner: EngineChoice) {}

  /** The engine to give the server. */
  readonly choose: EngineChoice = (profile, turns) => {
    const engine = this.inner(profile, turns);
    const gate = (signal: AbortSignal) => this.gate(signal);
    return {
      model: {
        name: engine.model.name,
        complete: async (request) => {
          await gate(request.signal);
          return engine.model.complete(request);
        },
      },
      dagBrain: (scope) => {
        const brain = engine.dagBrain(scope);
        return {
          plan: async (input, signal) => {
            await gate(signal);
            return brain.plan(input, signal);
          },
          think: async (input, signal) => {
            await gate(signal);
            return brain.think(input, signal);
          },
          analyze: async (input, onDelta, signal) => {
            await gate(signal);
            return brain.analyze(input, onDelta, signal);
          },
        };
      },
    };
  };

  /** From now on, every engine call waits (until release). */
  hold(): void {
    this.holding = true;
  }

  /** Lets every waiting call go, and stops holding. */
  release(): void {
    this.holding = false;
    for (const resume of this.waiting.splice(0)) resume();
  }

  /** How many engine calls are waiting. */
  held(): number {
    return this.waiting.length;
  }

  private gate(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (!this.holding) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const resume = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiting = this.waiting.filter((waiting) => waiting !== resume);
        reject(signal.reason);
      };
      this.waiting.push(resume);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
