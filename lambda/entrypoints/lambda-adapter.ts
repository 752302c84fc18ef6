// SPDX-License-Identifier: Apache-2.0
// Wraps the core request handler as an AWS Lambda handler for API Gateway proxy events. The
// function's deadline becomes the request deadline, so a write that cannot finish answers 503
// (Prometheus resends) before Lambda kills the invocation.

import { EMPTY_BODY, type RequestHandler } from '../core/http';
import {
  toApiGatewayResult,
  toHttpRequest,
  type ApiGatewayEvent,
  type ApiGatewayResult,
} from './api-gateway';

/** The part of the Lambda context the adapter uses. */
export interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
}

export type LambdaHandler = (
  event: ApiGatewayEvent,
  context?: LambdaContextLike,
) => Promise<ApiGatewayResult>;

export interface LambdaHandlerOptions {
  /**
   * Largest request body as received (`max_body_bytes`, the decoded bytes of a base64 body);
   * a larger one is answered 413 by its route without being decoded, as on the standalone server.
   */
  maxBodyBytes?: number;
}

/** Builds the Lambda handler; `afterEach` runs after every invocation (e.g. to flush EMF metrics). */
export function createLambdaHandler(
  handle: RequestHandler,
  afterEach?: () => void,
  options: LambdaHandlerOptions = {},
): LambdaHandler {
  const { maxBodyBytes } = options;
  return async (event, context) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadlineMs = remaining === undefined ? undefined : Date.now() + remaining;
    try {
      const request = toHttpRequest(event, deadlineMs);
      if (maxBodyBytes !== undefined && request.body.byteLength > maxBodyBytes) {
        request.body = EMPTY_BODY;
        request.oversizeBody = { limitBytes: maxBodyBytes, option: 'max_body_bytes' };
      }
      return toApiGatewayResult(await handle(request));
    } finally {
      afterEach?.();
    }
  };
}
