/**
 * @module
 * The one shape every API error takes, `{ "error": { "code", "message", "details" } }`, and the
 * one `onError` handler that produces it. Handlers throw; they never build error responses.
 * Postgres errors (by SQLSTATE, see docs/errors.md) and zod validation errors are mapped here and
 * nowhere else.
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
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
  400: "invalid_input",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  429: "rate_limited",
};

/**
 * SQLSTATE → HTTP status and API code (docs/errors.md). Messages of these errors are written for
 * users (ours name the field or the refused action; constraint violations name the constraint),
 * so they are passed on; any other SQLSTATE is a 500 whose text stays in the log.
 *
 * A request that reaches SQL has passed its zod schema, so it is well formed: values the engine
 * refuses (`SW001`, check, not-null and foreign-key violations) are 422 `unprocessable`, never the
 * 400 `invalid_input` kept for malformed requests. `22P02`/`22007` (text that is no uuid/date)
 * stay unmapped: the schema must catch them, and one reaching SQL is a bug logged as a 500.
 */
export const SQLSTATE_ERRORS: Readonly<
  Record<string, { status: ContentfulStatusCode; code: string }>
> = {
  SW001: { status: 422, code: "unprocessable" },
  SW002: { status: 404, code: "not_found" },
  SW003: { status: 403, code: "forbidden" },
  SW004: { status: 409, code: "invalid_transition" },
  SW005: { status: 403, code: "not_a_member" },
  SW006: { status: 429, code: "rate_limited" },
  "23514": { status: 422, code: "unprocessable" },
  "23502": { status: 422, code: "unprocessable" },
  "23505": { status: 409, code: "conflict" },
  "23503": { status: 422, code: "unprocessable" },
  "42501": { status: 403, code: "forbidden" },
};

/** A known error as the API answers it. */
export interface ErrorDescription {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  details: unknown;
}

/** One failing field of a request, as listed in a validation error's `details`. */
export interface FieldIssue {
  /** Dotted path of the field (`id`, `ids.3`, `status.1`); `body` when the body itself is wrong. */
  path: string;
  message: string;
}

/** Builds the error body. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, details: details ?? null } };
}

interface PostgresLikeError {
  name: string;
  code: string;
  message: string;
  constraint_name?: string;
}

function isPostgresError(error: unknown): error is PostgresLikeError {
  return error instanceof Error && error.name === "PostgresError" &&
    typeof (error as { code?: unknown }).code === "string";
}

/**
 * Lists each failing field of a zod error; an unknown field of a strict object is named itself.
 *
 * @example
 * ```ts
 * fieldIssues(z.object({ id: z.uuid() }).safeParse({ id: "x" }).error!);
 * // [{ path: "id", message: "Invalid UUID" }]
 * ```
 */
export function fieldIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: [...path, key].join("."),
        message: "is not a known field",
      }));
    }
    return [{ path: path.join(".") || "body", message: issue.message }];
  });
}

/**
 * Describes an error the API knows how to answer (an {@link ApiError}, any `HTTPException`, a zod
 * validation error, a Postgres error with a mapped SQLSTATE); `undefined` for anything else, which
 * callers treat as an internal error.
 *
 * @example
 * ```ts
 * describeError(Object.assign(new Error("no such alert"), { name: "PostgresError", code: "SW002" }));
 * // { status: 404, code: "not_found", message: "no such alert", details: null }
 * ```
 */
export function describeError(error: unknown): ErrorDescription | undefined {
  if (error instanceof ApiError) {
    return {
      status: error.status as ContentfulStatusCode,
      code: error.code,
      message: error.message,
      details: error.details ?? null,
    };
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return {
      status,
      code: CODE_BY_STATUS[status] ?? "error",
      message: error.message,
      details: null,
    };
  }
  if (error instanceof z.core.$ZodError) {
    const issues = fieldIssues(error);
    const [first] = issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    return {
      status: 400,
      code: "invalid_input",
      message: first ? `Invalid ${first.path}: ${first.message}${more}` : "Invalid request",
      details: issues,
    };
  }
  if (isPostgresError(error)) {
    const mapped = SQLSTATE_ERRORS[error.code];
    if (!mapped) return undefined;
    return {
      ...mapped,
      message: error.message,
      details: error.constraint_name ? { constraint: error.constraint_name } : null,
    };
  }
  return undefined;
}

/** An `app.onError` handler: known errors keep their status and code; anything else is a 500. */
export function errorHandler(logger: Logger) {
  return function onError(error: Error, c: Context) {
    const known = describeError(error);
    if (known) {
      return c.json(errorBody(known.code, known.message, known.details), known.status);
    }
    logger.error("request_failed", {
      path: c.req.path,
      error: error.message,
      sqlstate: (error as { code?: unknown }).code,
    });
    return c.json(errorBody("internal", "Internal error; see the function's logs"), 500);
  };
}

/** An `app.notFound` handler in the same shape. */
export function notFoundHandler(c: Context) {
  return c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404);
}

/**
 * An `OpenAPIHono` `defaultHook`: a request that fails its zod schema is thrown to
 * {@link errorHandler} (400 `invalid_input` listing each field) instead of answered ad hoc.
 *
 * @example
 * ```ts
 * const app = new OpenAPIHono({ defaultHook: throwValidationError });
 * ```
 */
export function throwValidationError(result: { success: boolean; error?: unknown }): void {
  if (!result.success) throw result.error;
}
