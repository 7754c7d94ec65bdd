// How the runs of one server share its event loop: each run's engine waits for its turn between
// steps, and the turns are handed out one per turn of the event loop, each on its own `setImmediate`.
//
// Why not each run's own `setImmediate`, as before: Node runs every immediate queued before the
// check phase in one go, so with two hundred runs in flight one turn of the loop held two hundred
// engine steps, and a turn is also when Node accepts a new connection: one per turn when the loop
// is busy, as libuv accepts here. A burst of runs then took its own new connections in at a trickle
// (a few every 20 ms, measured), behind the steps of the runs already going, and the last runs of
// the burst waited hundreds of milliseconds for their `start`. With one step per turn, the loop
// goes back to its I/O between steps, and new requests are read and started in between: runs that
// have not started come before the next step of those that have. The total work is the same.
//
// Per process and stateless beyond its queue: a run's steps happen where it streams.

/** Hands out engine steps, one per turn of the event loop, in the order they were asked for. */
export class EngineTurns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** Resolves on a later turn of the event loop, after the steps asked for before it. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.step);
  }

  private readonly step = (): void => {
    this.scheduled = false;
    // The step itself runs in this immediate's microtasks; the next one is queued for the next turn
    // (an immediate queued during the check phase waits for the next one).
    this.waiting.shift()?.();
    if (this.waiting.length > 0) this.schedule();
  };
}
