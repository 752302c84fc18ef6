// SPDX-License-Identifier: Apache-2.0
// Translation between API Gateway proxy events (HTTP API payload 2.0 and REST API 1.0) and the
// core's HttpRequest/HttpResponse. Pure: no configuration, no I/O.

import type { HttpRequest, HttpResponse } from '../core/http';

/** The parts of an API Gateway v1 or v2 proxy event the connector reads. */
export interface ApiGatewayEvent {
  version?: string;
  /** HTTP API 2.0: the route matched, `POST /write`, `ANY /{proxy+}` or `$default`. */
  routeKey?: string;
  rawPath?: string;
  /** REST API and HTTP API 1.0: the resource path matched, `/write` or `/{proxy+}`. */
  resource?: string;
  path?: string;
  httpMethod?: string;
  headers?: Record<string, string | null | undefined> | null;
  multiValueHeaders?: Record<string, string[] | null | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: {
    stage?: string;
    path?: string;
    http?: { method?: string; path?: string };
  };
}

export interface ApiGatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** Converts a proxy event; header names become lower-case, the body bytes exact. */
export function toHttpRequest(event: ApiGatewayEvent, deadlineMs?: number): HttpRequest {
  const isV2 = event.version === '2.0' || event.requestContext?.http !== undefined;
  const method = (isV2 ? event.requestContext?.http?.method : event.httpMethod) ?? 'GET';
  const rawPath = (isV2 ? (event.rawPath ?? event.requestContext?.http?.path) : event.path) ?? '/';
  // NOTE: HTTP APIs (events with a version, 1.0 or 2.0) keep a named stage in the path; a REST
  // API's path never has it, so its first segment stays even when it spells the stage's name.
  const stage = isV2 || event.version !== undefined ? event.requestContext?.stage : undefined;
  const routePath = matchedRoutePath(isV2 ? event.routeKey?.replace(/^\S+ /, '') : event.resource);
  const headers: Record<string, string> = {};
  // A null where a header should be (hand-made test events; API Gateway sends none) is a header
  // that is absent, not an error answered 503.
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  // Payload 1.0's `headers` holds only the last of a repeated header; its every value, joined by
  // commas, is what payload 2.0 and the standalone server (server.ts) see, so a repeated
  // Authorization is refused alike wherever the connector runs.
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (Array.isArray(values) && values.length > 0) headers[name.toLowerCase()] = values.join(',');
  }
  const body = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  return {
    method: method.toUpperCase(),
    path: routePath ?? stripStage(rawPath.split('?')[0], stage),
    headers,
    body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  };
}

/** Converts a response; binary bodies go base64-encoded (API Gateway decodes them for the client). */
export function toApiGatewayResult(response: HttpResponse): ApiGatewayResult {
  if (typeof response.body === 'string') {
    return {
      statusCode: response.status,
      headers: response.headers,
      body: response.body,
      isBase64Encoded: false,
    };
  }
  const body = Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength).toString(
    'base64',
  );
  return { statusCode: response.status, headers: response.headers, body, isBase64Encoded: true };
}

/**
 * The path of the route API Gateway matched, when the route names one path (`POST /write`,
 * `/write`; not `$default` or `/{proxy+}`). It is the request's path without what a custom domain
 * adds in front: the path of a request through an API mapping (`https://metrics.example/prom/write`)
 * still holds the mapping's key, `/prom/write`, where the reference connector, which routes by the
 * remote-write/read version header, never looks at the path.
 */
function matchedRoutePath(route: string | undefined): string | undefined {
  return route !== undefined && route.startsWith('/') && !route.includes('{') ? route : undefined;
}

/** Removes a leading `/<stage>` that HTTP APIs keep in the path for named stages. */
function stripStage(path: string, stage: string | undefined): string {
  if (stage === undefined || stage === '' || stage === '$default') return path;
  const prefix = `/${stage}`;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}
