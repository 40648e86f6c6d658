/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The alerts API client: `fetch` with the caller's token and the project's anon key, JSON in and
 * out, errors thrown as {@link ApiError} with the API's stable code.
 */

/** An error answer of the API (the views show its message). */
export class ApiError extends Error {
  /**
   * @example
   * ```ts
   * throw new ApiError(403, "forbidden", "needs the manager role");
   * ```
   */
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/** How {@link createApi} reaches the API. */
export interface ApiOptions {
  supabaseUrl: string;
  anonKey: string;
  /** The current access token (it changes when Supabase Auth refreshes it). */
  token: () => string;
}

/** The API client. */
export type Api = ReturnType<typeof createApi>;

/**
 * Creates the client for `/functions/v1/alerts`.
 *
 * @example
 * ```ts
 * const api = createApi({ supabaseUrl, anonKey, token: () => session.token });
 * const { data } = await api.get("/", { status: "active" });
 * ```
 */
export function createApi({ supabaseUrl, anonKey, token }: ApiOptions) {
  const base = `${supabaseUrl}/functions/v1/alerts`;

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token()}`,
      apikey: anonKey,
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = json?.error ?? {};
      throw new ApiError(
        response.status,
        error.code ?? "http_error",
        describe(error.message ?? response.statusText, error.details),
      );
    }
    return json as T;
  }

  return {
    get: <T>(path: string, query: Record<string, string | undefined> = {}) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== "") params.set(key, value);
      }
      const search = params.toString();
      return request<T>("GET", search ? `${path}?${search}` : path);
    },
    post: <T>(path: string, body: unknown = {}) => request<T>("POST", path, body),
    patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
    del: (path: string) => request<void>("DELETE", path),
  };
}

function describe(message: string, details: unknown): string {
  if (!Array.isArray(details) || details.length === 0) return message;
  const fields = details
    .map((d: { path?: string; message?: string }) => `${d.path ?? ""} ${d.message ?? ""}`.trim())
    .join("; ");
  return `${message} (${fields})`;
}
