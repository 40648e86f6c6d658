/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Who is signed in. Hosted: Supabase Auth (email + password or a magic link) through supabase-js,
 * which keeps and refreshes the session. Local: a demo user's token from the local stack's
 * `/local/v1/demo-users`, kept in localStorage until it expires.
 */

import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { DashboardConfig } from "./config.ts";

/** The signed-in user. */
export interface Session {
  token: string;
  userId: string;
  tenantId: string;
  email: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** A demo user the local stack offers. */
export interface DemoUser {
  id: string;
  role: string;
  email: string;
  display_name: string;
  token: string;
}

const LOCAL_KEY = "shelfwatch.local-session";

/** The sign-in state and the one supabase-js client. */
export interface Auth {
  readonly supabase: SupabaseClient;
  current(): Session | null;
  /** Calls `listener` now and on every sign-in, refresh and sign-out. */
  onChange(listener: (session: Session | null) => void): void;
  signInWithToken(token: string): void;
  signInWithPassword(email: string, password: string): Promise<void>;
  sendMagicLink(email: string): Promise<void>;
  signOut(): Promise<void>;
}

/**
 * Decodes a JWT's claims into a {@link Session} (no verification: the API and Realtime verify).
 *
 * @example
 * ```ts
 * sessionFromToken(token)?.tenantId;
 * ```
 */
export function sessionFromToken(token: string): Session | null {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (char) => char.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    const tenantId = claims.app_metadata?.tenant_id;
    if (typeof claims.sub !== "string" || typeof tenantId !== "string") return null;
    return {
      token,
      userId: claims.sub,
      tenantId,
      email: claims.email ?? "",
      expiresAt: Number(claims.exp ?? 0),
    };
  } catch {
    return null;
  }
}

/**
 * Sets up sign-in for the configured mode.
 *
 * @example
 * ```ts
 * const auth = createAuth(readConfig());
 * auth.onChange((session) => render(session));
 * ```
 */
export function createAuth(config: DashboardConfig): Auth {
  let session: Session | null = null;
  const listeners: Array<(session: Session | null) => void> = [];
  const local = config.mode === "local";

  const supabase = local
    // Locally there is no Auth server: supabase-js takes our token for Realtime as a
    // third-party access token.
    ? createClient(config.supabaseUrl, config.anonKey, {
      accessToken: () => Promise.resolve(session?.token ?? config.anonKey),
    })
    : createClient(config.supabaseUrl, config.anonKey, {
      auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: true },
    });

  function publish(next: Session | null) {
    const changed = next?.token !== session?.token;
    session = next;
    if (session) supabase.realtime.setAuth(session.token);
    if (changed) { for (const listener of listeners) listener(session); }
  }

  if (local) {
    const stored = localStorage.getItem(LOCAL_KEY);
    const restored = stored ? sessionFromToken(stored) : null;
    if (restored && restored.expiresAt * 1000 > Date.now() + 60_000) session = restored;
    else localStorage.removeItem(LOCAL_KEY);
    if (session) supabase.realtime.setAuth(session.token);
  } else {
    supabase.auth.onAuthStateChange((_event, authSession) => {
      publish(authSession ? sessionFromToken(authSession.access_token) : null);
    });
  }

  return {
    supabase,
    current: () => session,
    onChange(listener) {
      listeners.push(listener);
      listener(session);
    },
    signInWithToken(token) {
      const next = sessionFromToken(token);
      if (!next) throw new TypeError("Cannot sign in: the token has no tenant (app_metadata)");
      localStorage.setItem(LOCAL_KEY, token);
      publish(next);
    },
    async signInWithPassword(email, password) {
      const { error } = await supabase.auth.signInWithPassword({ email, password });
      if (error) throw error;
    },
    async sendMagicLink(email) {
      const { error } = await supabase.auth.signInWithOtp({
        email,
        options: { emailRedirectTo: location.origin + location.pathname },
      });
      if (error) throw error;
    },
    async signOut() {
      if (local) localStorage.removeItem(LOCAL_KEY);
      else await supabase.auth.signOut();
      publish(null);
    },
  };
}
