// SPDX-License-Identifier: Apache-2.0
import {
  MAX_BODY_BYTES,
  MAX_PREALLOCATED_BODY_BYTES,
  Http1ParseError,
  Http1ResponseParser,
  MAX_HEADER_BYTES,
  type Http1Response,
} from '../../../lambda/timestream/http1-response';

interface Case {
  name: string;
  wire: string;
  /** Whether the response ends with the connection (`end()` completes it). */
  endsWithClose?: boolean;
  expected: Omit<Http1Response, 'body'> & { body: string };
}

const JSON_TYPE = 'application/x-amz-json-1.0';

const CASES: Case[] = [
  {
    name: 'a Content-Length body',
    wire: `HTTP/1.1 200 OK\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: 13\r\n\r\n{"Rows":[1]}\n`,
    expected: {
      statusCode: 200,
      headers: { 'content-type': JSON_TYPE, 'content-length': '13' },
      body: '{"Rows":[1]}\n',
      keepAlive: true,
    },
  },
  {
    name: 'an empty Content-Length body',
    wire: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    expected: { statusCode: 200, headers: { 'content-length': '0' }, body: '', keepAlive: true },
  },
  {
    name: 'a chunked body with a chunk extension and trailers',
    wire:
      'HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;ext=1\r\n{"a":\r\nB\r\n"b\\r\\nc"}  \r\n0\r\nX-Trailer: t\r\n\r\n',
    expected: {
      statusCode: 400,
      headers: { 'transfer-encoding': 'chunked' },
      body: '{"a":"b\\r\\nc"}  ',
      keepAlive: true,
    },
  },
  {
    name: 'chunk sizes followed by spaces and tabs (BWS) before an extension or the line end',
    wire:
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + '2 \t;ext=1\r\nab\r\n1\t\r\nc\r\n0 \r\n\r\n',
    expected: { statusCode: 200, headers: { 'transfer-encoding': 'chunked' }, body: 'abc', keepAlive: true },
  },
  {
    name: 'a body that ends with the connection',
    wire: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it',
    endsWithClose: true,
    expected: {
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      body: 'all of it',
      keepAlive: false,
    },
  },
  {
    name: 'a 204 without a body',
    wire: 'HTTP/1.1 204 No Content\r\n\r\n',
    expected: { statusCode: 204, headers: {}, body: '', keepAlive: true },
  },
  {
    name: 'Connection: close',
    wire: 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno',
    expected: {
      statusCode: 503,
      headers: { connection: 'close', 'content-length': '2' },
      body: 'no',
      keepAlive: false,
    },
  },
  {
    name: 'HTTP/1.0 without keep-alive',
    wire: 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx',
    expected: { statusCode: 200, headers: { 'content-length': '1' }, body: 'x', keepAlive: false },
  },
  {
    name: 'HTTP/1.0 with Connection: keep-alive',
    wire: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx',
    expected: {
      statusCode: 200,
      headers: { connection: 'Keep-Alive', 'content-length': '1' },
      body: 'x',
      keepAlive: true,
    },
  },
  {
    name: 'repeated headers, odd spacing and case, a status line without a reason',
    wire: 'HTTP/1.1 200\r\nX-Amz-Id:  a \r\nx-amz-id:b\r\ncontent-LENGTH: 3\r\n\r\néa',
    expected: {
      statusCode: 200,
      headers: { 'x-amz-id': 'a, b', 'content-length': '3' },
      body: 'éa',
      keepAlive: true,
    },
  },
  {
    // Each its own key: on a plain object `constructor` was found on the prototype and joined to
    // it, and `__proto__` set the prototype instead of a header.
    name: 'headers named like members of Object.prototype',
    wire:
      'HTTP/1.1 200 OK\r\nconstructor: a\r\n__proto__: b\r\ntoString: c\r\nhasOwnProperty: d\r\n' +
      'Constructor: e\r\nContent-Length: 0\r\n\r\n',
    expected: {
      statusCode: 200,
      headers: {
        constructor: 'a, e',
        ['__proto__']: 'b',
        tostring: 'c',
        hasownproperty: 'd',
        'content-length': '0',
      },
      body: '',
      keepAlive: true,
    },
  },
  {
    name: 'values with spaces and tabs around them',
    wire: 'HTTP/1.1 200 OK\r\nX-A:\t a b \t\r\nX-B:\r\nContent-Length:0\r\n\r\n',
    expected: {
      statusCode: 200,
      headers: { 'x-a': 'a b', 'x-b': '', 'content-length': '0' },
      body: '',
      keepAlive: true,
    },
  },
  {
    // Of the two tokens, close must win: the server will end this connection.
    name: 'Connection: close among other tokens',
    wire: 'HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 1\r\n\r\nx',
    expected: {
      statusCode: 200,
      headers: { connection: 'keep-alive, close', 'content-length': '1' },
      body: 'x',
      keepAlive: false,
    },
  },
  {
    // Transfer codings are case-insensitive (RFC 9112 7).
    name: 'a chunked body named in capitals',
    wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    expected: {
      statusCode: 200,
      headers: { 'transfer-encoding': 'Chunked' },
      body: 'ok',
      keepAlive: true,
    },
  },
  {
    // A 304's Content-Length describes the representation it did not send.
    name: 'a 304 with a Content-Length and no body',
    wire: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n',
    expected: { statusCode: 304, headers: { 'content-length': '5' }, body: '', keepAlive: true },
  },
  {
    // Transfer-Encoding overrides Content-Length (RFC 9112 6.3): reading 3 bytes would misframe it.
    // Such a message may be response splitting, so the connection is not used again.
    name: 'a chunked body with a Content-Length too',
    wire: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n',
    expected: {
      statusCode: 200,
      headers: { 'content-length': '3', 'transfer-encoding': 'chunked' },
      body: 'abcd',
      keepAlive: false,
    },
  },
  {
    // RFC 9110 5.6.2: tchar holds each of these symbols.
    name: 'a header name of every symbol a token may hold',
    wire: "HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~Az09: v\r\nContent-Length: 0\r\n\r\n",
    expected: {
      statusCode: 200,
      headers: { "!#$%&'*+-.^_`|~az09": 'v', 'content-length': '0' },
      body: '',
      keepAlive: true,
    },
  },
  {
    // Only the whole token close ends the connection, not a word that holds it.
    name: 'a Connection token that holds close inside it',
    wire: 'HTTP/1.1 200 OK\r\nConnection: enclosed\r\nContent-Length: 1\r\n\r\nx',
    expected: {
      statusCode: 200,
      headers: { connection: 'enclosed', 'content-length': '1' },
      body: 'x',
      keepAlive: true,
    },
  },
  {
    // RFC 9112 7.1: chunk-size = 1*HEXDIG; eight digits are the most this parser reads.
    name: 'chunk sizes of eight hexadecimal digits',
    wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000002\r\nab\r\n00000000\r\n\r\n',
    expected: { statusCode: 200, headers: { 'transfer-encoding': 'chunked' }, body: 'ab', keepAlive: true },
  },
];

/** Feeds `wire` in pieces of `size` bytes; returns the response once complete. */
function parse(wire: Buffer, size: number, endsWithClose = false): Http1Response {
  const parser = new Http1ResponseParser();
  let done = false;
  for (let at = 0; at < wire.length; at += size) {
    expect(done).toBe(false);
    done = parser.push(wire.subarray(at, at + size));
  }
  if (endsWithClose) {
    expect(done).toBe(false);
    done = parser.end();
  }
  expect(done).toBe(true);
  return parser.response();
}

describe('Http1ResponseParser', () => {
  it.each(CASES)('parses $name, whole and split at every byte', ({ wire, endsWithClose, expected }) => {
    const bytes = Buffer.from(wire, 'utf8');
    for (const size of [bytes.length, 1, 2, 3, 7]) {
      const response = parse(bytes, size, endsWithClose);
      expect({ ...response, body: response.body.toString('utf8') }).toEqual(expected);
    }
  });

  it.each([
    { name: 'a status line that is not HTTP/1.x', wire: 'HTTP/2 200\r\n\r\n', error: 'bad status line' },
    { name: 'garbage', wire: '<html>\r\n\r\n', error: 'bad status line' },
    { name: 'HTTP/1.2', wire: 'HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n', error: 'bad status line' },
    {
      name: 'a version whose dot is another byte',
      wire: 'HTTP/1x1 200 OK\r\nContent-Length: 0\r\n\r\n',
      error: 'bad status line',
    },
    {
      name: 'a status line with a byte before HTTP/',
      wire: 'XHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      error: 'bad status line',
    },
    {
      // RFC 9112 4: only SP separates the status code from the reason.
      name: 'a tab after the status code',
      wire: 'HTTP/1.1 200\tOK\r\nContent-Length: 0\r\n\r\n',
      error: 'bad status line',
    },
    {
      name: 'a status code of two digits',
      wire: 'HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n',
      error: 'bad status line',
    },
    {
      name: 'the last informational status',
      wire: 'HTTP/1.1 199 Misc\r\n\r\n',
      error: 'informational responses are not supported',
    },
    {
      name: 'an informational response',
      wire: 'HTTP/1.1 100 Continue\r\n\r\n',
      error: 'informational responses are not supported',
    },
    {
      name: 'a header line without a colon',
      wire: 'HTTP/1.1 200 OK\r\nnocolon\r\n\r\n',
      error: 'bad header line',
    },
    {
      name: 'a transfer coding other than chunked',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      error: 'unsupported transfer encoding',
    },
    {
      name: 'a negative Content-Length',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      error: 'bad content-length',
    },
    {
      name: 'a chunk size that is not hexadecimal',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      error: 'bad chunk size',
    },
    {
      // RFC 9112 7.1 allows no white space before the size.
      name: 'a chunk size after a space',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 1\r\na\r\n0\r\n\r\n',
      error: 'bad chunk size',
    },
    {
      // String.prototype.trim() took it for white space.
      name: 'a chunk size followed by a form feed',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\f\r\na\r\n0\r\n\r\n',
      error: 'bad chunk size',
    },
    {
      // Read as 1, the leading zeros hide nothing; but no parser needs more than eight digits.
      name: 'a chunk size of nine hexadecimal digits',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n000000001\r\na\r\n0\r\n\r\n',
      error: 'bad chunk size',
    },
    {
      name: 'a chunk longer than its size',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n',
      error: 'chunk not ended by CRLF',
    },
    {
      // Read as NaN, it would never complete.
      name: 'an empty chunk size line',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\nab\r\n0\r\n\r\n',
      error: 'bad chunk size',
    },
    {
      name: 'a chunk ended by CR without LF',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\rX0\r\n\r\n',
      error: 'chunk not ended by CRLF',
    },
    {
      name: 'a chunk followed by a byte and LF instead of CRLF',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naX\n0\r\n\r\n',
      error: 'chunk not ended by CRLF',
    },
    {
      // Refused once both bytes are in, without waiting for more.
      name: 'a chunk ended by two bytes other than CRLF, as the last bytes read',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY',
      error: 'chunk not ended by CRLF',
    },
    {
      // Read as 0, it would be an empty body taken for a success.
      name: 'an empty Content-Length',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n',
      error: 'bad content-length',
    },
    {
      name: 'a header line with an empty name',
      wire: 'HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 0\r\n\r\n',
      error: 'bad header line',
    },
    {
      name: 'a status code of four digits',
      wire: 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n',
      error: 'bad status line',
    },
    {
      // RFC 9112 7.1.2: only an empty line ends the trailer section; white space is no field line.
      name: 'a trailer line of spaces before the empty line',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n   \r\n\r\n',
      error: 'bad trailer line',
    },
    {
      name: 'a trailer line of a tab',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\t\r\n\r\n',
      error: 'bad trailer line',
    },
    {
      name: 'a trailer line of spaces and tabs after a trailer field',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: t\r\n \t \r\n\r\n',
      error: 'bad trailer line',
    },
    {
      // Skipped as a field line, it would leave the response waiting for an end that never comes.
      name: 'a trailer line of white space as the last bytes',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n \t\r\n',
      error: 'bad trailer line',
    },
    {
      name: 'a trailer line without a colon',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnocolon\r\n\r\n',
      error: 'bad trailer line',
    },
    {
      name: 'a trailer line with an empty name',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n: x\r\n\r\n',
      error: 'bad trailer line',
    },
    {
      // Trimmed, it was Content-Length.
      name: 'a space between a header name and its colon',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx',
      error: 'whitespace before a header colon',
    },
    {
      name: 'a tab between a header name and its colon',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length\t: 1\r\n\r\nx',
      error: 'whitespace before a header colon',
    },
    {
      // Taken for a field of its own, it framed the body.
      name: 'a folded header line (obs-fold) that looks like a field',
      wire: 'HTTP/1.1 200 OK\r\nX-A: a\r\n\tContent-Length: 1\r\n\r\nx',
      error: 'obsolete line folding in headers',
    },
    {
      name: 'a folded header line (obs-fold) continuing a value',
      wire: 'HTTP/1.1 200 OK\r\nX-A: a\r\n  b: c\r\nContent-Length: 0\r\n\r\n',
      error: 'obsolete line folding in headers',
    },
    {
      name: 'a header name with a space inside',
      wire: 'HTTP/1.1 200 OK\r\nX A: 1\r\nContent-Length: 0\r\n\r\n',
      error: 'bad header name',
    },
    {
      name: 'a header name with a separator',
      wire: 'HTTP/1.1 200 OK\r\nX-(A): 1\r\nContent-Length: 0\r\n\r\n',
      error: 'bad header name',
    },
    {
      name: 'a header name with a byte outside ASCII',
      wire: 'HTTP/1.1 200 OK\r\nX-é: 1\r\nContent-Length: 0\r\n\r\n',
      error: 'bad header name',
    },
    {
      name: 'a trailer line with a space before its colon',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer : t\r\n\r\n',
      error: 'bad trailer line',
    },
    {
      name: 'a folded trailer line',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: t\r\n y: z\r\n\r\n',
      error: 'bad trailer line',
    },
    {
      // Read as a number, 16 digits may already be past what a double holds exactly.
      name: 'a Content-Length of 16 digits',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\n',
      error: 'bad content-length',
    },
    {
      // Joined as "1, 1": RFC 9110 8.6 lets a recipient refuse a list of lengths, even equal ones.
      name: 'two Content-Length headers',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx',
      error: 'bad content-length',
    },
    {
      name: 'a Content-Length over MAX_BODY_BYTES',
      wire: `HTTP/1.1 200 OK\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`,
      error: 'response body too large',
    },
    {
      name: 'a Content-Length of 15 digits',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\n',
      error: 'response body too large',
    },
    {
      // Refused at the size line, before the chunk's bytes arrive.
      name: 'chunks whose sizes add up to more than MAX_BODY_BYTES',
      wire: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n${MAX_BODY_BYTES.toString(16)}\r\n`,
      error: 'response body too large',
    },
    {
      name: 'bytes after the response',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1',
      error: 'bytes after the response',
    },
    {
      // node:http may end the line at the LF and read a second header, which framed the body.
      name: 'a bare LF inside a header line',
      wire: 'HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 1\r\nContent-Length: 0\r\n\r\n',
      error: 'CR, LF or NUL inside a header line',
    },
    {
      name: 'a bare CR inside a header value',
      wire: 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n',
      error: 'CR, LF or NUL inside a header line',
    },
    {
      name: 'a NUL inside a header value',
      wire: 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n',
      error: 'CR, LF or NUL inside a header line',
    },
    {
      name: 'a bare LF in the status line',
      wire: 'HTTP/1.1 200 OK\nContent-Length: 1\r\nContent-Length: 0\r\n\r\n',
      error: 'CR, LF or NUL inside a header line',
    },
    {
      name: 'a CR before the blank line that ends the headers',
      wire: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\r\n\r\n',
      error: 'CR, LF or NUL inside a header line',
    },
    {
      // String.prototype.trim() took it for white space around the size.
      name: 'a chunk size followed by a bare LF',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\n\r\nx\r\n0\r\n\r\n',
      error: 'CR, LF or NUL inside a chunk or trailer line',
    },
    {
      name: 'a bare LF inside a trailer line',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\nb\r\n\r\n',
      error: 'CR, LF or NUL inside a chunk or trailer line',
    },
    {
      name: 'a NUL inside a trailer line',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\0b\r\n\r\n',
      error: 'CR, LF or NUL inside a chunk or trailer line',
    },
    {
      name: 'a bare CR inside a trailer line',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\rb\r\n\r\n',
      error: 'CR, LF or NUL inside a chunk or trailer line',
    },
    {
      name: 'a NUL inside a chunk extension',
      wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a\0b\r\nx\r\n0\r\n\r\n',
      error: 'CR, LF or NUL inside a chunk or trailer line',
    },
  ])('refuses $name', ({ wire, error }) => {
    const parser = new Http1ResponseParser();
    expect(() => parser.push(Buffer.from(wire))).toThrow(new Http1ParseError(error));
  });

  it('refuses headers longer than MAX_HEADER_BYTES before their end arrives', () => {
    const parser = new Http1ResponseParser();
    const head = Buffer.from(`HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(MAX_HEADER_BYTES)}`);
    expect(() => parser.push(head)).toThrow(new Http1ParseError('response headers too large'));
  });

  it('waits for headers of MAX_HEADER_BYTES before their end, and refuses one byte more', () => {
    const start = 'HTTP/1.1 200 OK\r\nX-Long: ';
    const head = Buffer.from(start + 'a'.repeat(MAX_HEADER_BYTES - start.length));
    const parser = new Http1ResponseParser();
    expect(parser.push(head)).toBe(false);
    expect(() => parser.push(Buffer.from('a'))).toThrow(new Http1ParseError('response headers too large'));
  });

  // A head or line arriving whole with its end was not measured: it passed at any length.
  it('refuses headers longer than MAX_HEADER_BYTES that arrive in one read with their end', () => {
    const start = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Long: ';
    const head = start + 'a'.repeat(MAX_HEADER_BYTES + 1 - start.length);
    const parser = new Http1ResponseParser();
    expect(() => parser.push(Buffer.from(`${head}\r\n\r\n`))).toThrow(
      new Http1ParseError('response headers too large'),
    );
  });

  it('refuses a chunk size line longer than MAX_HEADER_BYTES that arrives in one read with its end', () => {
    const parser = new Http1ResponseParser();
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'))).toBe(false);
    expect(() => parser.push(Buffer.from(`1;${'x'.repeat(MAX_HEADER_BYTES - 1)}\r\na\r\n0\r\n\r\n`))).toThrow(
      new Http1ParseError('chunk line too long'),
    );
  });

  // Split after the first one to three bytes of the end, the bytes waiting were past the limit.
  it.each([0, 1, 2, 3])(
    'reads headers and a chunk size line of MAX_HEADER_BYTES each, split %d bytes into their ends',
    (into) => {
      const start = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Long: ';
      const head = `${start}${'a'.repeat(MAX_HEADER_BYTES - start.length)}\r\n\r\n`;
      const sizeLine = `1;${'x'.repeat(MAX_HEADER_BYTES - 2)}\r\n`;
      const reads = [
        head.slice(0, MAX_HEADER_BYTES + into),
        head.slice(MAX_HEADER_BYTES + into) + sizeLine.slice(0, MAX_HEADER_BYTES + Math.min(into, 1)),
        sizeLine.slice(MAX_HEADER_BYTES + Math.min(into, 1)) + 'z\r\n0\r\n\r\n',
      ];
      const parser = new Http1ResponseParser();
      expect(reads.map((r) => parser.push(Buffer.from(r)))).toEqual([false, false, true]);
      const response = parser.response();
      expect([response.statusCode, response.headers['x-long'].length, response.body.toString()]).toEqual([
        200,
        MAX_HEADER_BYTES - start.length,
        'z',
      ]);
    },
  );

  it('refuses a chunk size line longer than MAX_HEADER_BYTES before its end arrives', () => {
    const parser = new Http1ResponseParser();
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'))).toBe(false);
    expect(() => parser.push(Buffer.from(`1;${'x'.repeat(MAX_HEADER_BYTES)}`))).toThrow(
      new Http1ParseError('chunk line too long'),
    );
  });

  // Each trailer line passes the per-line bound; their number was unbounded.
  it.each([
    { pad: 0, outcome: 'read' },
    { pad: 1, outcome: 'refused' },
  ])(
    'reads a trailer section of MAX_HEADER_BYTES in lines of 1 KiB, and refuses one byte more ($outcome)',
    ({ pad }) => {
      const line = `X-T: ${'t'.repeat(1024 - 7)}\r\n`;
      const lines = line.repeat(MAX_HEADER_BYTES / 1024 - 1);
      // With the blank line that ends it, the section (lines and CRLFs) is exactly MAX_HEADER_BYTES long.
      const last = `X-U: ${'u'.repeat(1024 - 7 - 2 + pad)}\r\n`;
      const wire = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n${lines}${last}\r\n`;
      const parser = new Http1ResponseParser();
      if (pad === 0) {
        expect(parser.push(Buffer.from(wire))).toBe(true);
        expect(parser.response().body.toString()).toBe('a');
      } else {
        expect(() => parser.push(Buffer.from(wire))).toThrow(
          new Http1ParseError('response trailers too large'),
        );
      }
    },
  );

  it('refuses an endless trailer section as it arrives, line by line', () => {
    const parser = new Http1ResponseParser();
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n'))).toBe(
      false,
    );
    const line = Buffer.from(`X-T: ${'t'.repeat(1017)}\r\n`);
    let refused: unknown;
    let lines = 0;
    while (refused === undefined && lines < 1000) {
      try {
        parser.push(line);
        lines++;
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toEqual(new Http1ParseError('response trailers too large'));
    expect(lines).toBe(MAX_HEADER_BYTES / 1024);
  });

  it('waits for a chunk size line of MAX_HEADER_BYTES before its end, and refuses one byte more', () => {
    const parser = new Http1ResponseParser();
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'))).toBe(false);
    expect(parser.push(Buffer.from(`1;${'x'.repeat(MAX_HEADER_BYTES - 2)}`))).toBe(false);
    expect(() => parser.push(Buffer.from('x'))).toThrow(new Http1ParseError('chunk line too long'));
  });

  it('keeps bytes beyond ASCII at the edges of a value, trimming only spaces and tabs', () => {
    const parser = new Http1ResponseParser();
    const wire = Buffer.from(
      'HTTP/1.1 200 OK\r\nX-A: \u00a0a\u00a0\t\r\nContent-Length: 0\r\n\r\n',
      'latin1',
    );
    expect(parser.push(wire)).toBe(true);
    expect(parser.response().headers).toEqual({ 'x-a': '\u00a0a\u00a0', 'content-length': '0' });
  });

  describe('at MAX_BODY_BYTES', () => {
    let body: Buffer;
    beforeAll(() => {
      body = Buffer.alloc(MAX_BODY_BYTES, 0x61);
    });

    it('waits for a Content-Length body of MAX_BODY_BYTES', () => {
      const parser = new Http1ResponseParser();
      expect(parser.push(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_BODY_BYTES}\r\n\r\n`))).toBe(
        false,
      );
    });

    it('reads chunks of MAX_BODY_BYTES in all, and refuses a chunk size line taking them one byte past it', () => {
      const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
      const parser = new Http1ResponseParser();
      expect(parser.push(Buffer.from(`${head}1\r\na\r\n${(MAX_BODY_BYTES - 1).toString(16)}\r\n`))).toBe(
        false,
      );
      expect(parser.push(body.subarray(1))).toBe(false);
      expect(parser.push(Buffer.from('\r\n0\r\n\r\n'))).toBe(true);
      expect(parser.response().body.equals(body)).toBe(true);

      const over = new Http1ResponseParser();
      expect(over.push(Buffer.from(`${head}1\r\na\r\n${(MAX_BODY_BYTES - 1).toString(16)}\r\n`))).toBe(false);
      expect(over.push(body.subarray(1))).toBe(false);
      expect(() => over.push(Buffer.from('\r\n1\r\n'))).toThrow(
        new Http1ParseError('response body too large'),
      );
    });

    it('reads a body that ends with the connection of MAX_BODY_BYTES, and refuses one byte more', () => {
      const head = Buffer.from('HTTP/1.1 200 OK\r\n\r\n');
      const parser = new Http1ResponseParser();
      expect(parser.push(head)).toBe(false);
      expect(parser.push(body)).toBe(false);
      expect(parser.end()).toBe(true);
      expect(parser.response().body.length).toBe(MAX_BODY_BYTES);

      const over = new Http1ResponseParser();
      expect(over.push(head)).toBe(false);
      expect(over.push(body)).toBe(false);
      expect(() => over.push(Buffer.from('a'))).toThrow(new Http1ParseError('response body too large'));
    });
  });

  it('is incomplete when the connection ends inside a Content-Length body', () => {
    const parser = new Http1ResponseParser();
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'))).toBe(false);
    expect(parser.end()).toBe(false);
    expect(() => parser.response()).toThrow(new Http1ParseError('response incomplete'));
  });

  it('returns a Content-Length body of MAX_PREALLOCATED_BODY_BYTES read along with its head as bytes of its own', () => {
    const body = Buffer.alloc(MAX_PREALLOCATED_BODY_BYTES, 0x62);
    const read = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_PREALLOCATED_BODY_BYTES}\r\n\r\n`),
      body,
    ]);
    const parser = new Http1ResponseParser();
    expect(parser.push(read)).toBe(true);
    const received = parser.response().body;
    read.fill(0); // the read's buffer is the socket's to reuse
    expect(received.equals(body)).toBe(true);
  });

  it.each([
    ['filled in place', MAX_PREALLOCATED_BODY_BYTES],
    ['collected in pieces', MAX_PREALLOCATED_BODY_BYTES + 1],
  ])(
    'returns a Content-Length body of the largest size %s intact, and one that is independent of the reads',
    (_, length) => {
      const body = Buffer.alloc(length);
      for (let i = 0; i < length; i += 4093) body[i] = i % 251;
      body[length - 1] = 7;
      const wire = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n\r\n`), body]);
      const reads = [wire.subarray(0, 100), wire.subarray(100, 70_000), wire.subarray(70_000)].map((r) =>
        Buffer.from(r),
      );
      const parser = new Http1ResponseParser();
      expect(reads.map((r) => parser.push(r))).toEqual([false, false, true]);
      const received = parser.response().body;
      expect(received.equals(body)).toBe(true);
      if (length <= MAX_PREALLOCATED_BODY_BYTES) {
        for (const r of reads) r.fill(0); // the reads' buffers are the socket's to reuse
        expect(received.equals(body)).toBe(true);
      }
    },
  );
});
