/**
 * @module
 * Keeps Presence announcements under Realtime's per-client limit (hosted and the local gateway
 * allow 5 track/untrack calls per 30 s on a channel, then close it with "Client presence rate
 * limit exceeded"). Only the latest state matters, so changes are coalesced: a burst of changes
 * sends one track, and when the budget is spent the latest state waits until a call leaves the
 * window.
 */

/** Timers and clock of a {@link PresencePacer} (a fake clock in tests). */
export interface PacerClock {
  now(): number;
  setTimeout(work: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

/** Options of {@link createPresencePacer}. */
export interface PresencePacerOptions<T> {
  /** Sends one track with `state` (only called while joined). */
  send(state: T): void;
  /** Calls allowed per window (default 4: one under the server's 5, for clock skew). */
  maxCalls?: number;
  /** The window in ms (default 31 000: the server's 30 s plus a second of margin). */
  windowMs?: number;
  /** How long a change waits for the next one before it is sent (default 300 ms). */
  settleMs?: number;
  clock?: PacerClock;
}

/** Announces the latest state, within the budget. */
export interface PresencePacer<T> {
  /** The state to announce from now on; only the latest one is ever sent. */
  set(state: T): void;
  /** The channel joined (again): the server knows nothing of us, so announce now (budget allowing). */
  joined(): void;
  /** The channel is gone: hold announcements until {@link joined}. */
  left(): void;
  /** Cancels what is pending. */
  stop(): void;
}

const browserClock: PacerClock = {
  now: () => Date.now(),
  setTimeout: (work, ms) => setTimeout(work, ms) as unknown as number,
  clearTimeout: (id) => clearTimeout(id),
};

/**
 * Creates a pacer that sends the latest state at most `maxCalls` times per `windowMs`.
 *
 * @example
 * ```ts
 * const pacer = createPresencePacer({ send: (state) => void channel.track(state) });
 * pacer.set({ viewing: alertId }); // on every change
 * pacer.joined(); // on SUBSCRIBED
 * ```
 */
export function createPresencePacer<T>(options: PresencePacerOptions<T>): PresencePacer<T> {
  const { send, maxCalls = 4, windowMs = 31_000, settleMs = 300, clock = browserClock } = options;
  /** When each call of the current window went out, oldest first. */
  let sentAt: number[] = [];
  let latest: { state: T; json: string } | undefined;
  /** What the server holds from us (JSON), undefined before a track on this join. */
  let sent: string | undefined;
  let joined = false;
  let timer: number | undefined;

  function earliestAllowed(now: number): number {
    sentAt = sentAt.filter((at) => now - at < windowMs);
    return sentAt.length < maxCalls ? now : sentAt[sentAt.length - maxCalls] + windowMs;
  }

  function schedule(delay: number) {
    if (timer !== undefined || !joined || !latest || latest.json === sent) return;
    const now = clock.now();
    timer = clock.setTimeout(flush, Math.max(now + delay, earliestAllowed(now)) - now);
  }

  function hold() {
    joined = false;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  }

  function flush() {
    timer = undefined;
    if (!joined || !latest || latest.json === sent) return;
    const now = clock.now();
    const allowed = earliestAllowed(now);
    if (allowed > now) {
      timer = clock.setTimeout(flush, allowed - now);
      return;
    }
    sentAt.push(now);
    sent = latest.json;
    send(latest.state);
  }

  return {
    set(state) {
      latest = { state, json: JSON.stringify(state) };
      schedule(settleMs);
    },
    joined() {
      hold();
      joined = true;
      sent = undefined;
      schedule(0);
    },
    left() {
      hold();
      sent = undefined;
    },
    stop: hold,
  };
}
