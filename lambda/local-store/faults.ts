// SPDX-License-Identifier: Apache-2.0
// Seeded fault injection for WriteRecords and Query: added latency, throttling and internal errors
// with configured probabilities. Off by default; changed at runtime through the store API.

import { StoreError } from './errors';

/** Fault knobs; rates are probabilities in [0, 1]. */
export interface FaultSettings {
  latencyMs?: number;
  throttleRate?: number;
  internalErrorRate?: number;
  /** Seed of the PRNG; setting faults with a seed restarts the sequence. */
  seed?: number;
}

/** The fully resolved settings, as `GET /_local/faults` answers them. */
export type ResolvedFaults = Required<FaultSettings>;

const OFF: ResolvedFaults = { latencyMs: 0, throttleRate: 0, internalErrorRate: 0, seed: 1 };

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

/** Draws faults per call from a seeded sequence. */
export class FaultInjector {
  private settings: ResolvedFaults = { ...OFF };
  private random = mulberry32(OFF.seed);

  constructor(initial?: FaultSettings) {
    if (initial) this.set(initial);
  }

  /**
   * Replaces the settings (absent fields fall back to off) and restarts the PRNG from the seed.
   * @throws StoreError ValidationException on out-of-range values
   */
  set(settings: FaultSettings): void {
    // Fields given as undefined (e.g. unset CLI options) fall back to off, like absent ones.
    const given = Object.fromEntries(
      Object.entries(settings ?? {}).filter(([, value]) => value !== undefined),
    );
    const next = { ...OFF, ...given } as ResolvedFaults;
    const rateOk = (r: number) => typeof r === 'number' && r >= 0 && r <= 1;
    if (
      !(Number.isFinite(next.latencyMs) && next.latencyMs >= 0) ||
      !rateOk(next.throttleRate) ||
      !rateOk(next.internalErrorRate) ||
      !Number.isInteger(next.seed)
    ) {
      throw new StoreError(
        'ValidationException',
        'Faults need latencyMs >= 0, throttleRate and internalErrorRate in [0, 1] and an integer seed.',
      );
    }
    this.settings = next;
    this.random = mulberry32(next.seed);
  }

  /** Returns the current settings. */
  get(): ResolvedFaults {
    return { ...this.settings };
  }

  /**
   * Applies the faults to one data-plane call: waits the latency, then throws a drawn fault.
   * @throws StoreError ThrottlingException or InternalServerException
   */
  async apply(operation: string): Promise<void> {
    const { latencyMs, throttleRate, internalErrorRate } = this.settings;
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (throttleRate > 0 && this.random() < throttleRate) {
      throw new StoreError('ThrottlingException', `Rate exceeded (injected fault on ${operation}).`);
    }
    if (internalErrorRate > 0 && this.random() < internalErrorRate) {
      throw new StoreError(
        'InternalServerException',
        `Internal server error (injected fault on ${operation}).`,
      );
    }
  }
}
