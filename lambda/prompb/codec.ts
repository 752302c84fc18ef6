// SPDX-License-Identifier: Apache-2.0
// The protobuf codec of the remote-write 1.0 and remote-read messages (proto/*.proto): the public
// surface over the hand-written reader and writer. No protobufjs at runtime: on the measured write
// hot path the hand-written decoder is several times faster (scripts/bench-decode.ts, issue 7);
// tests use protobufjs with the .proto files as the oracle.

export { decodeWriteRequest } from './decode-write';
export { decodeReadRequest, decodeReadResponse } from './decode-read';
export { encodeReadRequest, encodeReadResponse, encodeWriteRequest } from './encode';
