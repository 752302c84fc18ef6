// SPDX-License-Identifier: Apache-2.0
// The standalone server's bound on requests of one route handled at once (remote writes, remote
// reads). Without it, every request that arrives is decoded and handled at once: with hundreds of
// senders (Prometheus shards writes up to 200 per server) or readers, memory grows with them, all
// requests share the throughput and finish together, and past the client's timeout every one of
// them is given up on (and a write resent), so none gets through. Here the excess waits in arrival
// order, unread; a write that waits too long is answered 503 early.

/** How a request's wait for its turn ended. */
export type Admission = 'admitted' | 'timed-out' | 'gone' | 'stopping';

interface Waiter {
  settled: boolean;
  settle(admission: Admission): void;
}

/** Requests in flight at most `limit` at once (0: no limit); the rest wait in arrival order. */
export class RequestQueue {
  private running = 0;
  /** Waiters in arrival order, settled ones included until passed; `head` is the next to look at. */
  private waiters: Waiter[] = [];
  private head = 0;
  private pending = 0;
  private stopped = false;

  /**
   * @param limit requests handled at once; 0 means no limit
   * @param maxWaitMs how long a request may wait for its turn before it is answered 503; undefined:
   *   until its turn, its client leaving, or a shutdown
   */
  constructor(
    readonly limit: number,
    readonly maxWaitMs?: number,
  ) {}

  /** Requests being handled now. */
  get inFlight(): number {
    return this.running;
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.pending;
  }

  /**
   * Takes a turn if one is free and nobody waits for it, at once (no await on the common path).
   * After `true` the caller must call `leave()` once it is done; after `false`, `wait()`.
   */
  tryEnter(): boolean {
    if (this.limit !== 0 && (this.running >= this.limit || this.pending > 0)) return false;
    this.running++;
    return true;
  }

  /**
   * Waits in arrival order for a turn, after tryEnter() found none. After `admitted` the caller must
   * call `leave()` once it is done; any other outcome holds no turn. `gone` ends the wait early: the
   * client closed its connection.
   */
  wait(gone?: AbortSignal): Promise<Admission> {
    if (gone?.aborted) return Promise.resolve('gone');
    // A request arriving on a kept-alive connection during a shutdown would wait for a turn only to
    // be refused, holding the shutdown up: it is answered as the waiters were.
    if (this.stopped) return Promise.resolve('stopping');
    return new Promise<Admission>((resolve) => {
      const onGone = () => waiter.settle('gone');
      const timer =
        this.maxWaitMs === undefined
          ? undefined
          : setTimeout(() => waiter.settle('timed-out'), this.maxWaitMs);
      const waiter: Waiter = {
        settled: false,
        settle: (admission) => {
          // Once: the first of its turn, its time-out, its client going and a shutdown wins.
          if (waiter.settled) return;
          waiter.settled = true;
          this.pending--;
          clearTimeout(timer);
          gone?.removeEventListener('abort', onGone);
          if (admission === 'admitted') this.running++;
          // One that timed out or whose client went stays in the array until passed: with no turn
          // given back for a while (stuck calls) they would pile up, so they are swept now and then.
          else this.compact();
          resolve(admission);
        },
      };
      this.waiters.push(waiter);
      this.pending++;
      gone?.addEventListener('abort', onGone, { once: true });
    });
  }

  /** Gives back the turn of an admitted request, and admits the longest-waiting one. */
  leave(): void {
    this.running--;
    // Ends: while any waiter is unsettled, one lies at or after head.
    while (this.running < this.limit && this.pending > 0) this.waiters[this.head++].settle('admitted');
    this.compact();
  }

  /** Answers every waiting request, and every later one that would wait, `stopping` (a shutdown). */
  stop(): void {
    this.stopped = true;
    // A copy: settling sweeps the array.
    for (const waiter of this.waiters.slice(this.head)) waiter.settle('stopping');
  }

  /** Drops settled entries once they are most of the array (amortised: each sweep halves it). */
  private compact(): void {
    if (this.pending === 0) {
      this.waiters = [];
      this.head = 0;
    } else if (this.waiters.length > 1024 && this.waiters.length > 2 * this.pending) {
      this.waiters = this.waiters.filter((waiter, i) => i >= this.head && !waiter.settled);
      this.head = 0;
    }
  }
}
