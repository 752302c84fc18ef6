// SPDX-License-Identifier: Apache-2.0
// Seeded fault injection for WriteRecords and Query: added latency and latency spikes, throttling,
// internal errors, partial record rejections, connection resets and slow response bodies, each with
// a configured probability. Off by default; changed at runtime through the store API.

import { MAX_TIMER_MS } from '../config/parsers';
import { StoreError } from './errors';

/** Fault knobs; rates are probabilities in [0, 1], durations milliseconds. */
export interface FaultSettings {
  /** Latency added to every data-plane call. */
  latencyMs?: number;
  /** Share of calls that wait `spikeMs` more (an occasional latency spike). */
  spikeRate?: number;
  spikeMs?: number;
  throttleRate?: number;
  internalErrorRate?: number;
  /**
   * Share of the records of each WriteRecords call answered as RejectedRecords (the rest is
   * written); which records is a function of each record's identity, so a resend is refused alike.
   */
  rejectRate?: number;
  /** Share of calls whose connection is destroyed, half before and half after the call ran. */
  resetRate?: number;
  /** Share of calls whose response body is dribbled in SLOW_BODY_PIECES pieces, `slowBodyMs` apart. */
  slowBodyRate?: number;
  slowBodyMs?: number;
  /** Seed of the PRNG; setting faults with a seed restarts the sequence. */
  seed?: number;
}

/** The fully resolved settings, as `GET /_local/faults` answers them. */
export type ResolvedFaults = Required<FaultSettings>;

/** What the HTTP layer does to one call: nothing, a reset before or after running it, a slow body. */
export type TransportFault = 'reset-before' | 'reset-after' | 'slow-body' | undefined;

/** Pieces a slow response body is cut into; each waits `slowBodyMs` before it is written. */
export const SLOW_BODY_PIECES = 4;

/** Reason given for a record rejected by an injected fault. */
export const INJECTED_REJECTION_REASON = 'Injected fault: record rejected.';

const OFF: ResolvedFaults = {
  latencyMs: 0,
  spikeRate: 0,
  spikeMs: 0,
  throttleRate: 0,
  internalErrorRate: 0,
  rejectRate: 0,
  resetRate: 0,
  slowBodyRate: 0,
  slowBodyMs: 0,
  seed: 1,
};

/** The fields a fault settings object may hold, as `POST /_local/faults` checks its body. */
export const FAULT_FIELDS: readonly string[] = Object.keys(OFF);

const RATE_KEYS = [
  'spikeRate',
  'throttleRate',
  'internalErrorRate',
  'rejectRate',
  'resetRate',
  'slowBodyRate',
] as const;
const DURATION_KEYS = ['latencyMs', 'spikeMs', 'slowBodyMs'] as const;

/** Returns a mulberry32 PRNG: deterministic floats in [0, 1) for a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bits: a stable hash of a record key. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Draws faults per call from a seeded sequence and counts what it injected. */
export class FaultInjector {
  private settings: ResolvedFaults = { ...OFF };
  private random = mulberry32(OFF.seed);
  private injectedCount = 0;
  /** The injected latencies under way, each with what ends it early (stopWaits). */
  private readonly waits = new Set<(error: Error) => void>();

  constructor(initial?: FaultSettings) {
    if (initial) this.set(initial);
  }

  /**
   * Replaces the settings (absent fields fall back to off) and restarts the PRNG from the seed.
   * @throws StoreError ValidationException on out-of-range values
   */
  set(settings: FaultSettings): void {
    // Fields given as undefined (e.g. unset CLI options) fall back to off, like absent ones. Own
    // keys only: `in` also knew `__proto__`, `constructor` and `toString` from Object.prototype, so a
    // POST /_local/faults body naming them kept them among the settings.
    const given = Object.fromEntries(
      Object.entries(settings ?? {}).filter(([key, value]) => value !== undefined && Object.hasOwn(OFF, key)),
    );
    const next = { ...OFF, ...given } as ResolvedFaults;
    const rateOk = (r: number) => typeof r === 'number' && r >= 0 && r <= 1;
    const durationOk = (d: number) => typeof d === 'number' && d >= 0 && d <= MAX_TIMER_MS;
    if (
      !DURATION_KEYS.every((key) => durationOk(next[key])) ||
      !RATE_KEYS.every((key) => rateOk(next[key])) ||
      !Number.isInteger(next.seed)
    ) {
      throw new StoreError(
        'ValidationException',
        `Faults need ${DURATION_KEYS.join(', ')} from 0 to ${MAX_TIMER_MS} ms, ${RATE_KEYS.join(', ')} in [0, 1] and an integer seed.`,
      );
    }
    this.settings = next;
    this.random = mulberry32(next.seed);
  }

  /** Returns the current settings. */
  get(): ResolvedFaults {
    return { ...this.settings };
  }

  /** Faults injected since the store started (every kind; latency counts only as spikes). */
  get injected(): number {
    return this.injectedCount;
  }

  /**
   * Applies the faults to one data-plane call: waits the latency (and a drawn spike), then throws a
   * drawn fault.
   * @throws StoreError ThrottlingException or InternalServerException
   */
  async apply(operation: string): Promise<void> {
    const { latencyMs, spikeRate, spikeMs, throttleRate, internalErrorRate } = this.settings;
    let waitMs = latencyMs;
    if (this.draw(spikeRate)) waitMs += spikeMs;
    // A latency and a spike may add up past what a timer keeps: the longest wait it keeps instead.
    if (waitMs > 0) await this.wait(Math.min(waitMs, MAX_TIMER_MS));
    if (this.draw(throttleRate)) {
      throw new StoreError('ThrottlingException', `Rate exceeded (injected fault on ${operation}).`);
    }
    if (this.draw(internalErrorRate)) {
      throw new StoreError(
        'InternalServerException',
        `Internal server error (injected fault on ${operation}).`,
      );
    }
  }

  /**
   * Ends every injected latency under way with `error`, so that no call waiting in one runs after
   * the store closed (its timer would otherwise run the call on a closed database seconds later).
   */
  stopWaits(error: Error): void {
    for (const stop of [...this.waits]) stop(error);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waits.delete(stop);
        resolve();
      }, ms);
      const stop = (error: Error) => {
        clearTimeout(timer);
        this.waits.delete(stop);
        reject(error);
      };
      this.waits.add(stop);
    });
  }

  /** Tells whether record rejections are on, so callers skip building keys when they are not. */
  rejectsRecords(): boolean {
    return this.settings.rejectRate > 0;
  }

  /**
   * Picks which records of one WriteRecords call are rejected, from each record's identity key
   * (series and time) and the seed rather than the call sequence: like a real refusal, the same
   * record is refused again when the call is resent, so retries never change the outcome.
   * Returns ascending indices into `keys`.
   */
  rejections(keys: readonly string[]): number[] {
    const rate = this.settings.rejectRate;
    if (rate === 0) return [];
    const out: number[] = [];
    keys.forEach((key, index) => {
      if (fnv1a(`${this.settings.seed}\u0000${key}`) / 4294967296 < rate) out.push(index);
    });
    this.injectedCount += out.length;
    return out;
  }

  /** Draws what the HTTP layer does to one data-plane call. */
  transport(): TransportFault {
    const { resetRate, slowBodyRate } = this.settings;
    if (this.draw(resetRate)) return this.random() < 0.5 ? 'reset-before' : 'reset-after';
    if (this.draw(slowBodyRate)) return 'slow-body';
    return undefined;
  }

  /** Milliseconds between the pieces of a slow body. */
  get slowBodyMs(): number {
    return this.settings.slowBodyMs;
  }

  private draw(rate: number): boolean {
    if (rate <= 0 || this.random() >= rate) return false;
    this.injectedCount++;
    return true;
  }
}
