/**
 * @module
 * A small seeded random generator (mulberry32) and generators of hostile JSON values, for tests
 * that throw hundreds of random bodies and queries at the API. Same seed, same sequence, so a
 * failure reproduces.
 */

/** A seeded source of random choices. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/**
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random.pick(["a", "b"]);
 * ```
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)], chance: (p) => next() < p };
}

const TRICKY_STRINGS = [
  "",
  " ",
  "ok",
  "\u0000",
  "a\u0000b",
  "%",
  "_",
  "\\",
  "%_\\%",
  "'; drop table alerts; --",
  "😀 émoji",
  "\ud800",
  "null",
  "true",
  "1e309",
  "-1",
  "2026-11-22T08:30:00Z",
  "0000-01-01T00:00:00Z",
  "1969-12-31T23:59:59Z",
  "2026-02-30T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "9999-12-31T23:59:59-14:00",
  "2026-13-01T00:00:00Z",
  "00000000-0000-0000-0000-000000000000",
  "not-a-uuid",
];

/** A date-time around now: past, soon, within or beyond the 30-day snooze limit. */
export function randomDateTime(random: Random): string {
  const offsets = [-86400e3, -1000, 1000, 60e3, 3600e3, 29 * 86400e3, 31 * 86400e3, 400 * 86400e3];
  const date = new Date(Date.now() + random.pick(offsets));
  return random.chance(0.5) ? date.toISOString() : date.toISOString().replace("Z", "+02:00");
}

/** A string that may break naive code: empty, NUL, wildcards, surrogates, huge, dates. */
export function randomString(random: Random): string {
  switch (random.int(5)) {
    case 0:
      return "x".repeat(random.pick([4999, 5000, 5001, 6000]));
    case 1:
      return randomDateTime(random);
    case 2:
      return crypto.randomUUID();
    default:
      return random.pick(TRICKY_STRINGS);
  }
}

/** Any JSON value, nested at most `depth` levels. */
export function randomJson(random: Random, depth = 2): unknown {
  switch (random.int(depth > 0 ? 8 : 6)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, 1, -1, 30, 43200, 43201, 1.5, 2 ** 31, -(2 ** 53), 1e308]);
    case 3:
    case 4:
    case 5:
      return randomString(random);
    case 6:
      return Array.from({ length: random.int(4) }, () => randomJson(random, depth - 1));
    default:
      return Object.fromEntries(
        Array.from(
          { length: random.int(4) },
          () => [
            random.pick(["note", "minutes", "until", "ids", "id", "x", "__proto__"]),
            randomJson(random, depth - 1),
          ],
        ),
      );
  }
}
