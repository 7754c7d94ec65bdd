// Keys remembered for a while, each claimable once: the portal's run keys (an EventSource that
// reconnects repeats its request, and must not start the same run twice).

export class RecentKeys {
  private readonly claimedAt = new Map<string, number>();

  constructor(private readonly memoryMs: number) {}

  /** True the first time a key is claimed; false while it is remembered. Forgets keys older than memoryMs. */
  claim(key: string): boolean {
    const now = Date.now();
    for (const [old, at] of this.claimedAt) if (now - at > this.memoryMs) this.claimedAt.delete(old);
    if (this.claimedAt.has(key)) return false;
    this.claimedAt.set(key, now);
    return true;
  }
}
