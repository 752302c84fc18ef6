// SPDX-License-Identifier: Apache-2.0
// Figure 4's measured window. It opens after the warm-up and only once every series exists, that
// is once the first round of bodies (each series' first sample) has been answered: creating 100 k
// series takes a receiver several seconds (the connector's first round ran 5–6 s into a 3 s
// warm-up, bench/NOTES.md), and the figure asks for the sustained rate. The first round's time is
// reported apart, so the cost of new series stays visible.

/** The window opens at the latest this long after the warm-up, even if the first round is still unanswered. */
export const FIRST_ROUND_LIMIT_MS = 60_000;

export class MeasuredWindow {
  /** Time from the start until every first-round body was answered; NaN until then. */
  firstRoundMs = NaN;
  private unanswered: number;
  private roundAnsweredAt = Infinity;
  private lastCounted = NaN;

  /** Times are `performance.now()` readings; bodies 0 … firstRoundBodies - 1 are the first round. */
  constructor(
    private readonly started: number,
    private readonly warmupMs: number,
    private readonly durationMs: number,
    private readonly firstRoundBodies: number,
  ) {
    this.unanswered = firstRoundBodies;
    if (firstRoundBodies === 0) {
      this.firstRoundMs = 0;
      this.roundAnsweredAt = started;
    }
  }

  /** When the window opens: after the warm-up and the first round, or at the limit. */
  get opens(): number {
    const warm = this.started + this.warmupMs;
    return Math.min(Math.max(warm, this.roundAnsweredAt), warm + FIRST_ROUND_LIMIT_MS);
  }

  /** When the window closes; the load stops there. */
  get end(): number {
    return this.opens + this.durationMs;
  }

  /**
   * Notes that body `index` was answered (acknowledged or not) at `now`. Returns whether that
   * answer falls inside the window; the answer that completes the first round never does.
   */
  answered(index: number, now: number): boolean {
    if (index < this.firstRoundBodies && --this.unanswered === 0) {
      this.firstRoundMs = now - this.started;
      this.roundAnsweredAt = now;
    }
    if (!(now > this.opens && now <= this.end)) return false;
    this.lastCounted = now;
    return true;
  }

  /** The window's length; when the bodies ran out early, up to the last answer inside it. */
  length(exhausted: boolean): number {
    if (!exhausted) return this.durationMs;
    return Math.max(1, (Number.isNaN(this.lastCounted) ? this.opens : this.lastCounted) - this.opens);
  }
}
