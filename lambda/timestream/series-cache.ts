// SPDX-License-Identifier: Apache-2.0
// Everything about a series that does not depend on its samples, computed once: the validation
// outcome (validate-series.ts), interned ids for ordering (label-interner.ts), metered sizes for
// cut planning, and JSON fragments for the request body (write-json.ts). Prometheus sends the same
// series every scrape and the decoder hands out one frozen labels array per distinct label
// section, so a process-wide cache keyed by that array turns most of the mapping into lookups; for
// a series from the decoder's section cache, the memo it comes with (prompb/types.ts) holds it.

import type { Dimension } from '@aws-sdk/client-timestream-write';
import type { Label, LabelsMemo } from '../prompb/types';
import { LabelInterner, MEASURE_NAME_GLOBAL_ID, labelInterner } from './label-interner';
import {
  isRejection as isRejected,
  prepareSeries,
  type PreparedSeries,
  type RecordLimits,
  type SeriesRejection,
} from './validate-series';

/** Module-local copy of a function called per series (see records.ts). */
const isRejection = isRejected;

/** Layout of an arena row (InternedSeries.row). */
export const ROW_HEADER = 3;
export const ROW_SLOTS_PER_DIMENSION = 3;

/** Metered sizes of a timestamp and a DOUBLE measure value (reference/timestream-facts.md section 10). */
const TIME_AND_VALUE_BYTES = 16;

/** A valid series with what batching needs of it, computed once per series. */
export interface InternedSeries extends PreparedSeries {
  /** The interner generation of the ids below; stale ids are recomputed (refreshIds). */
  generation: number;
  /** Whether `row` is in the interner's `arena` (cached across requests) or its `scratch`. */
  persistent: boolean;
  /**
   * Offset of the series' id row in that arena: ROW_HEADER slots (dimension count, pair
   * id of the measure name under MEASURE_NAME_GLOBAL_ID, its UTF-8 bytes), then per dimension its
   * name id, pair id, and UTF-8 bytes of name and value.
   */
  row: number;
  /** Metered bytes of one record carrying everything: time, value, measure name, dimensions. */
  recordBytes: number;
  /** JSON text of each dimension, parallel to `dimensions`. */
  dimensionJson: string[];
  /** JSON text of the measure name. */
  measureNameJson: string;
  /** The last subset of dimensions left in its records (batches.ts), cached once `seen`. */
  kept: KeptDimensions | undefined;
  /** Whether batching has used the series before. */
  seen: boolean;
}

/** The dimensions a series' records carry in one chunk (the rest are in CommonAttributes). */
export interface KeptDimensions {
  /** Bit j set = dimension j kept (-2: too many dimensions to say, not cached). */
  mask: number;
  /** JSON text of each dimension kept. */
  dimensionJson: string[];
  /** JSON text starting each record, without and with the measure name, made when first needed. */
  head: string | undefined;
  headWithMeasure: string | undefined;
}

/** What one request keeps for series whose labels array is not frozen (and so not cached across requests). */
export interface RequestSeriesScope {
  bySeries: Map<readonly Label[], InternedSeries | SeriesRejection>;
  byLabel: Map<Label, Dimension>;
  /** The process-wide cache for the limits last looked up with. */
  limits: RecordLimits | undefined;
  cached: WeakMap<readonly Label[], InternedSeries | SeriesRejection> | undefined;
}

/** Starts the per-request part of the cache; also lets the interner start over between requests. */
export function newRequestScope(interner: LabelInterner = labelInterner): RequestSeriesScope {
  interner.trim();
  interner.scratch.used = 0;
  return { bySeries: new Map(), byLabel: new Map(), limits: undefined, cached: undefined };
}

const processCache = new WeakMap<RecordLimits, WeakMap<readonly Label[], InternedSeries | SeriesRejection>>();

/**
 * Returns the prepared and interned series of `labels`, or why it is refused, computing it at most
 * once per request, and once per process for frozen labels arrays.
 *
 * NOTE: a frozen labels array (the decoder's) is taken as immutable, Label objects included, so
 * it is cached by identity for as long as someone holds it; other arrays are cached per request.
 * A `memo` of a frozen `labels` (the decoder's, see prompb/types.ts) keeps the outcome under
 * these limits and is read first, which saves the lookup by identity.
 */
export function lookupSeries(
  labels: readonly Label[],
  limits: RecordLimits,
  scope: RequestSeriesScope,
  interner: LabelInterner = labelInterner,
  memo?: LabelsMemo,
): InternedSeries | SeriesRejection {
  const memoized = memo !== undefined && memo.labels === labels;
  let entry =
    memoized && memo.owner === limits ? (memo.value as InternedSeries | SeriesRejection) : undefined;
  if (entry === undefined) {
    entry = lookupByArray(labels, limits, scope, interner);
    // Only a frozen array's entry outlives the request (a plain array's row is in the scratch arena).
    if (memoized && Object.isFrozen(labels)) {
      memo.owner = limits;
      memo.value = entry;
    }
  }
  if (!isRejection(entry) && entry.generation !== interner.generation) refreshIds(entry, interner);
  return entry;
}

/** lookupSeries by the labels array itself: per request, and per process for a frozen array. */
function lookupByArray(
  labels: readonly Label[],
  limits: RecordLimits,
  scope: RequestSeriesScope,
  interner: LabelInterner,
): InternedSeries | SeriesRejection {
  let cache:
    | Map<readonly Label[], InternedSeries | SeriesRejection>
    | WeakMap<readonly Label[], InternedSeries | SeriesRejection> = scope.bySeries;
  const persistent = Object.isFrozen(labels);
  if (persistent) {
    if (scope.limits !== limits || scope.cached === undefined) {
      let forLimits = processCache.get(limits);
      if (forLimits === undefined) {
        forLimits = new WeakMap();
        processCache.set(limits, forLimits);
      }
      scope.limits = limits;
      scope.cached = forLimits;
    }
    cache = scope.cached;
  }
  let entry = cache.get(labels);
  if (entry === undefined) {
    // Only the decoder's (frozen) arrays share Label objects between series; for other arrays a
    // per-label cache would be thousands of insertions that never hit.
    const prepared = prepareSeries(labels, limits, persistent ? scope.byLabel : undefined);
    entry = isRejection(prepared) ? prepared : internSeries(prepared, interner, persistent);
    cache.set(labels, entry);
  }
  return entry;
}

/** Builds the interned form of a valid series. */
function internSeries(
  prepared: PreparedSeries,
  interner: LabelInterner = labelInterner,
  persistent = false,
): InternedSeries {
  const { measureName, dimensions } = prepared;
  const entry: InternedSeries = {
    measureName,
    dimensions,
    generation: -1,
    persistent,
    row: 0,
    recordBytes: 0,
    dimensionJson: new Array<string>(dimensions.length),
    measureNameJson: '',
    kept: undefined,
    seen: false,
  };
  refreshIds(entry, interner);
  return entry;
}

/** (Re)computes the ids and sizes of `entry` in the interner's current generation. */
function refreshIds(entry: InternedSeries, interner: LabelInterner): void {
  const { dimensions } = entry;
  const measurePair = interner.pairId(MEASURE_NAME_GLOBAL_ID, entry.measureName);
  const target = entry.persistent ? interner.arena : interner.scratch;
  const row = target.allocate(ROW_HEADER + ROW_SLOTS_PER_DIMENSION * dimensions.length);
  const arena = target.data;
  arena[row] = dimensions.length;
  arena[row + 1] = measurePair;
  arena[row + 2] = interner.pairBytes[measurePair];
  entry.measureNameJson = interner.pairJson[measurePair];
  let bytes = TIME_AND_VALUE_BYTES + arena[row + 2];
  for (let j = 0, at = row + ROW_HEADER; j < dimensions.length; j++, at += ROW_SLOTS_PER_DIMENSION) {
    const name = interner.nameId(dimensions[j].Name!);
    const pair = interner.pairId(name, dimensions[j].Value!);
    arena[at] = name;
    arena[at + 1] = pair;
    arena[at + 2] = interner.nameBytes[name] + interner.pairBytes[pair];
    entry.dimensionJson[j] = interner.pairJson[pair];
    bytes += arena[at + 2];
  }
  entry.row = row;
  entry.recordBytes = bytes;
  entry.generation = interner.generation;
}
