// SPDX-License-Identifier: Apache-2.0
// Wraps the core request handler as an AWS Lambda handler for API Gateway proxy events. The
// function's deadline becomes the request deadline, so a write that cannot finish answers 503
// (Prometheus resends) before Lambda kills the invocation.

import type { RequestHandler } from '../core/http';
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

/** Builds the Lambda handler; `afterEach` runs after every invocation (e.g. to flush EMF metrics). */
export function createLambdaHandler(handle: RequestHandler, afterEach?: () => void): LambdaHandler {
  return async (event, context) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadlineMs = remaining === undefined ? undefined : Date.now() + remaining;
    try {
      return toApiGatewayResult(await handle(toHttpRequest(event, deadlineMs)));
    } finally {
      afterEach?.();
    }
  };
}
