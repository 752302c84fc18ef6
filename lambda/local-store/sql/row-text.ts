// SPDX-License-Identifier: Apache-2.0
// Renders a DuckDB result, fetched a chunk at a time, straight into the JSON text of Timestream's
// Query Rows: each row is the exact `JSON.stringify` of the Row toTimestreamResult (results.ts)
// builds, written column by column from DuckDB's vectors without a Datum object per cell. Query pages are then plain
// concatenations of these texts (query-executor.ts): serving a page costs no serialisation.
// Hand-written on a measured hot path (figure 5): building and stringifying a Datum per cell cost
// more than DuckDB's execution of the query.

import duckdb from '@duckdb/node-bindings';
import {
  DuckDBTypeId,
  ResultReturnType,
  type DuckDBDataChunk,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import {
  pageExceeded,
  resultCutShort,
  resultTooLarge,
  type RenderedRows,
  type RenderLimits,
  type ResultRendering,
} from '../query-executor';
import { validityMaskBytes } from '../null-masks';
import { RowTexts } from '../row-texts';
import { formatJavaDouble } from './java-double';
import { hasIntervalColumn, resultColumnInfo, toDatum } from './results';
import { formatTimestampNanos } from './scalar-text';

/**
 * One cell's Datum as JSON text, with a comma before it when it is not the row's first: ASCII text
 * (numbers, times, booleans), or the UTF-8 bytes of a cell that may hold any character.
 */
type Cell = string | Buffer;
/** Renders one non-NULL cell of a column. */
type CellRenderer = (value: DuckDBValue) => Cell;

const NULL_CELL = '{"NullValue":true}';
const ROW_HEAD = Buffer.from('{"Data":[');
const ROW_TAIL = Buffer.from(']}');
/** Distinct VARCHAR cells remembered per column: dimension values repeat on every row of a series. */
const MAX_CACHED_STRINGS = 65_536;
/**
 * Longest VARCHAR cell remembered: a stored value's (Timestream's 2 KB). A longer one is built by
 * the query (lpad(), replace(), ||), and remembering it held it twice more besides its row.
 */
const MAX_CACHED_STRING_CHARS = 2048;

/**
 * Renders every row of `result` (see the file comment); equal to toTimestreamResult, as JSON. The
 * rows are fetched chunk by chunk and rendered as they come, so a streamed result
 * (`connection.stream`) is never held whole by DuckDB, and other work runs between chunks.
 */
export async function renderTimestreamResult(
  result: DuckDBResult,
  limits?: RenderLimits,
): Promise<RenderedRows> {
  const rendering = await startTimestreamRendering(result, limits);
  while (await rendering.next());
  return { columnInfo: rendering.columnInfo, rows: rendering.rows };
}

/**
 * Starts rendering `result` as renderTimestreamResult does, a chunk per `next()`, so that a caller
 * can render only as far as the pages asked for so far (query-executor.ts). `limits.resultBytes`
 * then bounds the rows rendered and not yet released (RowTexts.release), not all of them.
 */
export async function startTimestreamRendering(
  result: DuckDBResult,
  limits?: RenderLimits,
): Promise<ResultRendering> {
  const types = result.columnTypes();
  // Only an INTERVAL column's values tell its ColumnInfo (resultColumnInfo): such a result is
  // fetched whole first.
  const whole = hasIntervalColumn(types) ? await fetchAll(result) : undefined;
  const { columnInfo, yearToMonth } = resultColumnInfo(result, whole ?? []);
  const renderer = new ChunkRenderer(
    types.map((type, k) => cellRenderer(type, yearToMonth[k]!, k > 0 ? ',' : '')),
    limits === undefined ? Infinity : limits.pageBytes - Buffer.byteLength(JSON.stringify(columnInfo)),
    limits?.resultBytes ?? Infinity,
  );
  if (whole !== undefined) {
    for (const chunk of whole) renderer.render(chunk);
    return { columnInfo, rows: renderer.rows, next: async () => false };
  }
  return {
    columnInfo,
    rows: renderer.rows,
    next: async () => {
      const chunk = await nextChunk(result, renderer.rows.length);
      if (chunk === undefined) return false;
      renderer.render(chunk);
      return true;
    },
  };
}

/**
 * The result's next chunk, or undefined once it has no more rows. @throws StoreError
 * (resultCutShort) when DuckDB ended the result with an error, `rows` being those rendered so far.
 */
async function nextChunk(result: DuckDBResult, rows: number): Promise<DuckDBDataChunk | undefined> {
  const chunk = await result.fetchChunk();
  if (chunk !== null && chunk.rowCount > 0) return chunk;
  // NOTE: DuckDB's C API ends a streamed result that fails mid-way (a cast error in a later chunk,
  // memory, an interrupt) with the same null chunk as one read to its end, and @duckdb/node-api
  // does not expose duckdb_result_error; only the result's return type, INVALID once it failed,
  // tells them apart. Without this check such a query answered the rows before the failure as
  // its whole result (1 000 000 rows failing at the 500 001st answered 247 808 and no error).
  if (result.returnType === ResultReturnType.INVALID) throw resultCutShort(rows);
  return undefined;
}

async function fetchAll(result: DuckDBResult): Promise<DuckDBDataChunk[]> {
  const chunks: DuckDBDataChunk[] = [];
  let fetched = 0;
  for (let chunk = await nextChunk(result, 0); chunk; chunk = await nextChunk(result, fetched)) {
    chunks.push(chunk);
    fetched += chunk.rowCount;
  }
  return chunks;
}

/** Renders chunks of one result into its RowTexts. */
class ChunkRenderer {
  readonly rows = new RowTexts();
  private readonly columns: number;
  private readonly nullRuns: NullRuns;
  private readonly vectors: (DuckDBVector | undefined)[];
  private readonly masks: (Uint8Array | null)[];
  private readonly pieces: Cell[];

  constructor(
    private readonly renderers: readonly CellRenderer[],
    /** Bytes a row may take (see RenderLimits). */
    private readonly maxRowBytes: number,
    /** Bytes the rows may take together. */
    private readonly maxResultBytes: number,
  ) {
    this.columns = renderers.length;
    this.nullRuns = nullRunTexts(this.columns);
    this.vectors = new Array<DuckDBVector | undefined>(this.columns);
    this.masks = new Array<Uint8Array | null>(this.columns);
    this.pieces = new Array<Cell>(this.columns);
  }

  // NOTE: hand-written on a measured hot path. A row is written into RowTexts piece by piece
  // rather than joined into a string first: for a table of 50 mostly NULL dimension columns,
  // encoding each ~1 KB joined row was a fifth of a whole remote read's CPU.
  render(chunk: DuckDBDataChunk): void {
    const { columns, renderers, nullRuns, vectors, masks, pieces, rows } = this;
    const count = chunk.rowCount;
    for (let k = 0; k < columns; k++) {
      const mask = validityMask(chunk, k, count);
      masks[k] = mask;
      // A column with no value in this chunk (a dimension other series use) is never read: no vector.
      vectors[k] = mask !== null && noneValid(mask, count) ? undefined : chunk.getColumnVector(k);
    }
    for (let i = 0; i < count; i++) {
      const byte = i >> 3;
      const bit = 1 << (i & 7);
      let n = 0;
      let bytes = ROW_HEAD.length + ROW_TAIL.length;
      // NULL cells before column k not yet added: a run of them is one piece.
      let nulls = 0;
      for (let k = 0; k < columns; k++) {
        const vector = vectors[k];
        const mask = masks[k];
        if (vector === undefined || (mask !== null && (mask[byte]! & bit) === 0)) {
          nulls++;
          continue;
        }
        if (nulls > 0) {
          const run = nullRun(nullRuns, k - nulls, nulls);
          pieces[n++] = run;
          bytes += run.length;
          nulls = 0;
        }
        const cell = renderers[k]!(vector.getItem(i)!);
        pieces[n++] = cell;
        bytes += cell.length;
      }
      if (nulls > 0) {
        const run = nullRun(nullRuns, columns - nulls, nulls);
        pieces[n++] = run;
        bytes += run.length;
      }
      rows.reserveRow(bytes);
      const target = rows.rowTarget;
      const start = rows.rowStart;
      target.set(ROW_HEAD, start);
      let at = start + ROW_HEAD.length;
      for (let p = 0; p < n; p++) {
        const piece = pieces[p]!;
        if (typeof piece === 'string') at += target.write(piece, at, 'latin1');
        else {
          target.set(piece, at);
          at += piece.length;
        }
      }
      target.set(ROW_TAIL, at);
      at += ROW_TAIL.length;
      rows.commitRow(at - start);
      if (at - start > this.maxRowBytes) throw pageExceeded();
      if (rows.liveBytes > this.maxResultBytes) throw resultTooLarge(this.maxResultBytes);
    }
  }
}

function cellRenderer(type: DuckDBType, yearToMonth: boolean, comma: string): CellRenderer {
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return varcharRenderer(comma);
    case DuckDBTypeId.DOUBLE:
      return (value) => `${comma}{"ScalarValue":"${formatJavaDouble(value as number)}"}`;
    case DuckDBTypeId.TIMESTAMP_NS:
      return (value) =>
        `${comma}{"ScalarValue":"${formatTimestampNanos((value as { nanos: bigint }).nanos)}"}`;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.INTEGER:
      return (value) => `${comma}{"ScalarValue":"${String(value)}"}`;
    case DuckDBTypeId.BOOLEAN:
      return (value) => `${comma}{"ScalarValue":"${value ? 'true' : 'false'}"}`;
    default:
      // Everything else (rarer scalars, lists, structs) through the Datum itself, which may hold
      // any character.
      return (value) => Buffer.from(comma + JSON.stringify(toDatum(value, type, yearToMonth)));
  }
}

/** VARCHAR cells, JSON-escaped and encoded once per distinct value. */
function varcharRenderer(comma: string): CellRenderer {
  const cache = new Map<string, Buffer>();
  return (value) => {
    const text = value as string;
    let cell = cache.get(text);
    if (cell === undefined) {
      cell = Buffer.from(`${comma}{"ScalarValue":${JSON.stringify(text)}}`);
      if (cache.size < MAX_CACHED_STRINGS && text.length <= MAX_CACHED_STRING_CHARS) cache.set(text, cell);
    }
    return cell;
  };
}

/**
 * The bytes of runs of NULL cells: views into one row of NULL cells, made the first time a run of
 * that length is written. `first[n]` starts a row (no comma before it), `after[n]` follows a cell
 * (`,{"NullValue":true}` n times).
 */
interface NullRuns {
  /** `,{"NullValue":true}` once per column. */
  all: Buffer;
  first: Buffer[];
  after: Buffer[];
}

// NOTE: one buffer, not one per run length: building every length up front took columns² bytes,
// 20 GB (and 80 s) for the 48 000 columns of `*` written 8 000 times over a six-column table.
function nullRunTexts(columns: number): NullRuns {
  return { all: Buffer.from(`,${NULL_CELL}`.repeat(columns)), first: [], after: [] };
}

/** The bytes of `count` NULL cells from column `first` on. */
function nullRun(runs: NullRuns, first: number, count: number): Buffer {
  const bytes = count * (NULL_CELL.length + 1);
  if (first === 0) return (runs.first[count] ??= runs.all.subarray(1, bytes));
  return (runs.after[count] ??= runs.all.subarray(0, bytes));
}

/**
 * Column `k`'s validity bits in `chunk` (row r at byte r >> 3, bit r & 7, set = valid), or null
 * when every row is valid. Read through the bindings: the node-api answers each cell's validity
 * with BigInt operations, which a wide table's NULL dimension cells made a large part of a read.
 */
function validityMask(chunk: DuckDBDataChunk, k: number, count: number): Uint8Array | null {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, k);
  return (duckdb.vector_get_validity(vector, validityMaskBytes(count)) as Uint8Array | null) ?? null;
}

/** Whether no bit of the first `count` rows is set. */
function noneValid(mask: Uint8Array, count: number): boolean {
  const whole = count >> 3;
  for (let b = 0; b < whole; b++) if (mask[b] !== 0) return false;
  const rest = count & 7;
  return rest === 0 || (mask[whole]! & ((1 << rest) - 1)) === 0;
}
