/**
 * @module
 * The one shape every API error takes, `{ "error": { "code", "message", "details" } }`, and the
 * one `onError` handler that produces it. Handlers throw; they never build error responses.
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "./logging.ts";

/**
 * An error the API answers with a stable `code` (e.g. `invalid_token`) that clients may branch on.
 *
 * @example
 * ```ts
 * throw new ApiError(401, "missing_token", "Authorization header with a Bearer token is required");
 * ```
 */
export class ApiError extends HTTPException {
  readonly code: string;
  readonly details: unknown;
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    { details, cause }: { details?: unknown; cause?: unknown } = {},
  ) {
    super(status, { message, cause });
    this.code = code;
    this.details = details;
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  422: "unprocessable",
  429: "rate_limited",
};

/** Builds the error body. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, details: details ?? null } };
}

/** An `app.onError` handler: known errors keep their status and code; anything else is a 500. */
export function errorHandler(logger: Logger) {
  return function onError(error: Error, c: Context) {
    if (error instanceof ApiError) {
      return c.json(errorBody(error.code, error.message, error.details), error.status);
    }
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      return c.json(errorBody(CODE_BY_STATUS[status] ?? "error", error.message), status);
    }
    logger.error("request_failed", { path: c.req.path, error: error.message });
    return c.json(errorBody("internal", "Internal error; see the function's logs"), 500);
  };
}

/** An `app.notFound` handler in the same shape. */
export function notFoundHandler(c: Context) {
  return c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404);
}
