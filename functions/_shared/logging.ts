/**
 * @module
 * Structured JSON logs, one object per line, with secrets redacted before anything is written.
 */

/** A small structured logger. */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const SECRET_KEYS = /authorization|token|secret|password|apikey|api_key|signature/i;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/g;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const URL_CREDENTIALS = /(\/\/[^:/@\s]+:)[^@\s]+@/g;

/**
 * Removes tokens, passwords and credentials from a value about to be logged.
 *
 * @example
 * ```ts
 * redact({ authorization: "Bearer abc" }); // { authorization: "[redacted]" }
 * ```
 */
export function redact(value: unknown): unknown {
  if (typeof value === "string") {
    return value.replace(BEARER, "$1[redacted]").replace(JWT, "[redacted-jwt]")
      .replace(URL_CREDENTIALS, "$1[redacted]@");
  }
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map((
        [key, inner],
      ) => [key, SECRET_KEYS.test(key) ? "[redacted]" : redact(inner)]),
    );
  }
  return value;
}

/**
 * A logger writing JSON lines tagged with `service`.
 *
 * @example
 * ```ts
 * createLogger("alerts").info("request", { status: 200 });
 * ```
 */
export function createLogger(
  service: string,
  write: (line: string) => void = (line) => console.log(line),
): Logger {
  const emit = (level: string, event: string, fields: Record<string, unknown> = {}) =>
    write(JSON.stringify({
      time: new Date().toISOString(),
      level,
      service,
      event,
      ...(redact(fields) as Record<string, unknown>),
    }));
  return {
    info: (event, fields) => emit("info", event, fields),
    error: (event, fields) => emit("error", event, fields),
  };
}
