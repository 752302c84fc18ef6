// SPDX-License-Identifier: Apache-2.0
// Prometheus staleness markers: a NaN with one specific bit pattern, told apart from ordinary NaN
// by its bits, never by isNaN (reference/prometheus-protocol-facts.md 1.2).

/** High and low 32-bit words of value.StaleNaN, 0x7ff0000000000002. */
const STALE_NAN_HIGH = 0x7ff00000;
const STALE_NAN_LOW = 0x00000002;

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW = LITTLE_ENDIAN ? 0 : 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;

/** Returns true when `value` carries exactly the Prometheus staleness-marker bits. */
export function isStaleNaN(value: number): boolean {
  if (value === value) return false; // fast path: not NaN at all
  scratch[0] = value;
  return words[HIGH] === STALE_NAN_HIGH && words[LOW] === STALE_NAN_LOW;
}

/** Builds the staleness-marker NaN (for tests and encoders). */
export function staleNaN(): number {
  words[HIGH] = STALE_NAN_HIGH;
  words[LOW] = STALE_NAN_LOW;
  return scratch[0];
}
