// SPDX-License-Identifier: Apache-2.0
// An incremental parser of one HTTP/1.1 response, for the hand-written client of the fast
// Timestream path (http1-client.ts): status, the framing headers, and the body framed by
// Content-Length, chunked transfer coding, or the end of the connection. Anything else it does not
// understand is an error, which makes the caller let the SDK redo the call.

/** The most header bytes accepted before the blank line (node:http's default limit is 16 KiB). */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Largest Content-Length body read straight into one buffer of that size as it arrives (a
 * Timestream Query page is at most 1 MB); a larger one is collected in pieces and joined.
 * NOTE: copying each read into place instead of keeping the reads and joining them at the end
 * took about 2 ms off every 1 MB page of figure 5 (bench/figures/read-latency.ts, 1000 series:
 * ~110 ms a query), with the reads' buffers dying young instead of living until the last one.
 */
export const MAX_PREALLOCATED_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The largest body accepted in any framing; a Content-Length above it is refused before anything
 * is allocated. Timestream never comes near it (a Query page is at most 1 MB, a WriteRecords or
 * error answer a few KiB), so only a broken endpoint, or something between, reaches it; unbounded,
 * a chunked or until-close body would grow until the process ran out of memory. 64 times the
 * largest page leaves room for anything Timestream might add to an answer.
 * NOTE: MAX_PREALLOCATED_BODY_BYTES stays at or below it, or its preallocation would be unreachable.
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A field name (RFC 9110 5.1: a token of tchar). */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * A CR, LF or NUL left in a line once the head is split at CRLF. RFC 9110 5.5 has a recipient
 * reject such a field value (or replace them with SP); a bare LF also ends a line for some parsers
 * and not for others (RFC 9112 2.2), so a line holding one could hide a header from this parser
 * that node:http would read.
 */
const STRAY_LINE_BREAK = /[\r\n\0]/;
const SP = 0x20;
const HTAB = 0x09;

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** A complete response. */
export interface Http1Response {
  statusCode: number;
  /** Header names lower-case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** Whether the connection can carry another request afterwards. */
  keepAlive: boolean;
}

/** A response the parser cannot accept; the connection must be closed. */
export class Http1ParseError extends Error {
  override name = 'Http1ParseError';
}

type State =
  'head' | 'fixed' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

/**
 * Feed the bytes of one response with `push` until it returns true (or, for a body that ends with
 * the connection, call `end`); then `response()` holds it. Bytes after the response are an error:
 * no request is pipelined, so they can only be a broken server.
 */
export class Http1ResponseParser {
  private state: State = 'head';
  /**
   * The bytes of a head or line whose end has not arrived yet are carry[0, carried), appended to in
   * place (the capacity doubling) and searched on from where the last search stopped.
   * NOTE: concatenating them with each read and searching from their start was quadratic: a 64 KiB
   * head sent a byte per read took 481 ms of CPU against 95 now (one run each under tsx), and each
   * chunk-size line could cost as much again.
   */
  private carry: Buffer | undefined;
  private carried = 0;
  /** Where in the carried bytes the search for their end resumes. */
  private searchFrom = 0;
  /** Bytes of the trailer section so far, held to MAX_HEADER_BYTES as a head is. */
  private trailerBytes = 0;
  private statusCode = 0;
  /** Without a prototype, so that `constructor` or `__proto__` is a header like any other. */
  private headers: Record<string, string> = Object.create(null) as Record<string, string>;
  private keepAlive = true;
  private remaining = 0;
  private readonly chunks: Buffer[] = [];
  /** The body of a Content-Length response up to MAX_PREALLOCATED_BODY_BYTES, filled as it arrives. */
  private body: Buffer | undefined;
  private bodyFilled = 0;
  /** Body bytes of a chunked (as declared) or until-close response so far, against MAX_BODY_BYTES. */
  private bodyBytes = 0;

  /**
   * Consumes the next bytes read from the connection.
   * @returns true once the response is complete.
   * @throws Http1ParseError on anything malformed, oversized or unsupported.
   */
  push(data: Buffer): boolean {
    const fromCarry = this.carried > 0;
    const buf = fromCarry ? this.appendToCarry(data) : data;
    let resume = this.searchFrom;
    this.searchFrom = 0;
    let at = 0;
    while (at < buf.length) {
      switch (this.state) {
        case 'head': {
          const end = this.boundedEnd(buf, at, resume, fromCarry, HEADER_END, 'response headers too large');
          resume = 0;
          if (end < 0) return false;
          this.readHead(buf.toString('latin1', at, end));
          at = end + HEADER_END.length;
          break;
        }
        case 'fixed': {
          const take = Math.min(this.remaining, buf.length - at);
          if (this.body !== undefined) {
            buf.copy(this.body, this.bodyFilled, at, at + take);
            this.bodyFilled += take;
          } else this.chunks.push(buf.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'done';
          break;
        }
        case 'chunk-size':
        case 'trailers': {
          const end = this.boundedEnd(buf, at, resume, fromCarry, CRLF, 'chunk line too long');
          resume = 0;
          if (end < 0) return false;
          const line = buf.toString('latin1', at, end);
          at = end + CRLF.length;
          if (this.state === 'trailers') {
            // Each trailer line is bounded above, and so is their number: a stream of them would
            // otherwise only end with the connection's timeout.
            this.trailerBytes += line.length + CRLF.length;
            if (this.trailerBytes > MAX_HEADER_BYTES)
              throw new Http1ParseError('response trailers too large');
          }
          if (STRAY_LINE_BREAK.test(line))
            throw new Http1ParseError('CR, LF or NUL inside a chunk or trailer line');
          if (this.state === 'trailers') {
            // RFC 9112 7.1.2: trailer-section = *( field-line CRLF ), then CRLF alone. A line of
            // white space, or one without a field name, is neither; the fields are discarded.
            if (line === '') this.state = 'done';
            else if (fieldName(line) === undefined) throw new Http1ParseError('bad trailer line');
            break;
          }
          // RFC 9112 7.1: chunk-size [ chunk-ext ], with only SP and HTAB (BWS) between them.
          const size = withoutTrailingOws(line.split(';', 1)[0]);
          if (!/^[0-9a-fA-F]{1,8}$/.test(size)) throw new Http1ParseError('bad chunk size');
          this.remaining = parseInt(size, 16);
          // Refused on the declared size, before its bytes arrive.
          this.bodyBytes += this.remaining;
          if (this.bodyBytes > MAX_BODY_BYTES) throw new Http1ParseError('response body too large');
          this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, buf.length - at);
          this.chunks.push(buf.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          if (buf.length - at < CRLF.length) return this.keep(buf, at, fromCarry, CRLF.length);
          if (buf[at] !== 0x0d || buf[at + 1] !== 0x0a) throw new Http1ParseError('chunk not ended by CRLF');
          at += CRLF.length;
          this.state = 'chunk-size';
          break;
        }
        case 'until-close':
          this.bodyBytes += buf.length - at;
          if (this.bodyBytes > MAX_BODY_BYTES) throw new Http1ParseError('response body too large');
          this.chunks.push(buf.subarray(at));
          at = buf.length;
          break;
        case 'done':
          throw new Http1ParseError('bytes after the response');
      }
      if (this.state === 'done' && at < buf.length) throw new Http1ParseError('bytes after the response');
    }
    return this.state === 'done';
  }

  /**
   * Where `delimiter` ends the head or line that starts at `at` (searching from `at + resume`), or
   * -1 after keeping its bytes for the next read; refused with `tooLong` past MAX_HEADER_BYTES,
   * counted the same whether its end came in this read or not.
   */
  private boundedEnd(
    buf: Buffer,
    at: number,
    resume: number,
    fromCarry: boolean,
    delimiter: Buffer,
    tooLong: string,
  ): number {
    const end = buf.indexOf(delimiter, at + resume);
    const length = end < 0 ? buf.length - at - delimiterStartAtEnd(buf, at, delimiter) : end - at;
    if (length > MAX_HEADER_BYTES) throw new Http1ParseError(tooLong);
    if (end < 0) this.keep(buf, at, fromCarry, delimiter.length);
    return end;
  }

  /**
   * Keeps `buf` from `at` on for the next read, which goes on searching it for a delimiter of
   * `delimiterLength` bytes; returns false, as the response is not complete.
   */
  private keep(buf: Buffer, at: number, fromCarry: boolean, delimiterLength: number): false {
    const rest = buf.length - at;
    // Carried bytes of which nothing was taken stay where they are; anything else goes into a new
    // carry. NOTE: never into one a part was taken from, as body chunks are views of their reads.
    if (!fromCarry || at > 0) {
      this.carry = Buffer.allocUnsafe(Math.max(2 * rest, 256));
      buf.copy(this.carry, 0, at);
    }
    this.carried = rest;
    this.searchFrom = Math.max(0, rest - (delimiterLength - 1));
    return false;
  }

  /** The carried bytes followed by `data`, in the carry; nothing is carried any more until keep(). */
  private appendToCarry(data: Buffer): Buffer {
    const length = this.carried + data.length;
    let carry = this.carry!;
    if (length > carry.length) {
      const larger = Buffer.allocUnsafe(Math.max(2 * carry.length, length));
      carry.copy(larger, 0, 0, this.carried);
      carry = this.carry = larger;
    }
    data.copy(carry, this.carried);
    this.carried = 0;
    return carry.subarray(0, length);
  }

  /** The connection ended; returns true when that completes the response (a body read to the end). */
  end(): boolean {
    if (this.state === 'until-close') this.state = 'done';
    return this.state === 'done';
  }

  /** The parsed response; only after `push` or `end` returned true. */
  response(): Http1Response {
    if (this.state !== 'done') throw new Http1ParseError('response incomplete');
    const body = this.body ?? (this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks));
    return { statusCode: this.statusCode, headers: this.headers, body, keepAlive: this.keepAlive };
  }

  private readHead(head: string): void {
    const lines = head.split('\r\n');
    for (const line of lines)
      if (STRAY_LINE_BREAK.test(line)) throw new Http1ParseError('CR, LF or NUL inside a header line');
    const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (status === null) throw new Http1ParseError('bad status line');
    this.statusCode = Number(status[2]);
    // NOTE: a 1xx would be followed by the real response; nothing sends Expect, so it is unsupported.
    if (this.statusCode < 200) throw new Http1ParseError('informational responses are not supported');
    let connection = status[1] === '0' ? 'close' : 'keep-alive';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const fieldNameAsSent = fieldName(line);
      if (fieldNameAsSent === undefined) throw new Http1ParseError(headerLineFault(line));
      const name = fieldNameAsSent.toLowerCase();
      const value = trimOws(line, fieldNameAsSent.length + 1);
      const earlier = this.headers[name];
      this.headers[name] = earlier === undefined ? value : `${earlier}, ${value}`;
    }
    const connectionHeader = this.headers.connection?.toLowerCase();
    if (connectionHeader !== undefined && /\bclose\b/.test(connectionHeader)) connection = 'close';
    else if (connectionHeader !== undefined && /\bkeep-alive\b/.test(connectionHeader))
      connection = 'keep-alive';
    this.keepAlive = connection === 'keep-alive';

    const transferEncoding = this.headers['transfer-encoding'];
    const contentLength = this.headers['content-length'];
    if (this.statusCode === 204 || this.statusCode === 304) {
      this.state = 'done';
    } else if (transferEncoding !== undefined) {
      if (transferEncoding.toLowerCase() !== 'chunked')
        throw new Http1ParseError('unsupported transfer encoding');
      // Both framings at once may be an attempt at response splitting (RFC 9112 6.3): read the
      // chunks, as the RFC says, but do not trust the connection with another call.
      if (contentLength !== undefined) this.keepAlive = false;
      this.state = 'chunk-size';
    } else if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength)) throw new Http1ParseError('bad content-length');
      this.remaining = Number(contentLength);
      if (this.remaining > MAX_BODY_BYTES) throw new Http1ParseError('response body too large');
      this.state = this.remaining === 0 ? 'done' : 'fixed';
      if (this.remaining > 0 && this.remaining <= MAX_PREALLOCATED_BODY_BYTES)
        this.body = Buffer.allocUnsafe(this.remaining);
    } else {
      this.keepAlive = false;
      this.state = 'until-close';
    }
  }
}

/**
 * The field name of a header or trailer line, or undefined when the line is no field line
 * (RFC 9112 5: a token, then a colon straight after it). A name this parser trimmed, or a line it
 * took for a field of its own, is read differently by parsers that do not, which is what response
 * splitting relies on. RFC 9112 5.2 has a user agent unfold obs-fold instead; refusing it hands the
 * call to the SDK's node:http, as for anything else this parser does not support.
 */
function fieldName(line: string): string | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const name = line.slice(0, colon);
  return FIELD_NAME.test(name) ? name : undefined;
}

/**
 * How many of the last bytes of `buf` (from `from` on), which does not hold `delimiter`, may be its
 * first bytes. They are not counted against MAX_HEADER_BYTES until the rest arrives, so that a head
 * or line is refused by its own length, the same however its bytes are split into reads.
 */
function delimiterStartAtEnd(buf: Buffer, from: number, delimiter: Buffer): number {
  for (let n = Math.min(delimiter.length - 1, buf.length - from); n > 0; n--)
    if (buf.compare(delimiter, 0, n, buf.length - n) === 0) return n;
  return 0;
}

/** What is wrong with a header line fieldName refused, for the error. */
function headerLineFault(line: string): string {
  const first = line.charCodeAt(0);
  // RFC 9112 5.2: obs-fold, a line continuing the previous field's value, is obsolete.
  if (first === SP || first === HTAB) return 'obsolete line folding in headers';
  const colon = line.indexOf(':');
  if (colon <= 0) return 'bad header line';
  const last = line.charCodeAt(colon - 1);
  // RFC 9112 5.1: "No whitespace is allowed between the field name and colon."
  if (last === SP || last === HTAB) return 'whitespace before a header colon';
  return 'bad header name';
}

/** `line` from `from` on without the SP and HTAB around it (RFC 9110 5.5: OWS is not part of the value). */
function trimOws(line: string, from: number): string {
  let start = from;
  while (start < line.length && (line.charCodeAt(start) === SP || line.charCodeAt(start) === HTAB)) start++;
  return withoutTrailingOws(line.slice(start));
}

/**
 * `text` without the SP and HTAB it ends with. NOTE: a loop, not `/[ \t]+$/`, which backtracks in
 * quadratic time over a run of spaces that does not end the text (2.5 s for 60 000 of them).
 */
function withoutTrailingOws(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === SP || text.charCodeAt(end - 1) === HTAB)) end--;
  return text.slice(0, end);
}
