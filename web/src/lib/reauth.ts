// Sudo mode in the portal: when the server refuses a mutation until the password is confirmed
// again (`reauthenticate: true` in its error body), the tRPC link asks here and waits. The one
// <ReauthDialog> on the page shows while anyone is waiting; confirming retries every waiting
// mutation, cancelling lets them fail with the server's refusal.

type Listener = (asking: boolean) => void;

class ReauthPrompt {
  private waiting: ((confirmed: boolean) => void)[] = [];
  private readonly listeners = new Set<Listener>();

  get asking(): boolean {
    return this.waiting.length > 0;
  }

  /** Resolves true once the person confirmed their password, false if they cancelled. */
  ask(): Promise<boolean> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.emit();
    });
  }

  /** The dialog's answer, for everyone waiting. */
  settle(confirmed: boolean): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve(confirmed);
    this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.asking);
  }
}

export const reauthPrompt = new ReauthPrompt();
