/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Making critical alerts stand out beyond the page: an optional sound and an optional desktop
 * notification, each switched on per device (localStorage) in Settings.
 */

import type { Alert } from "./types.ts";

/** The per-device switches. */
export interface AttentionPrefs {
  sound: boolean;
  desktop: boolean;
}

const KEY = "shelfwatch.attention";

/**
 * Reads the switches (both off until the user turns them on).
 *
 * @example
 * ```ts
 * if (readAttentionPrefs().sound) beep();
 * ```
 */
export function readAttentionPrefs(): AttentionPrefs {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return { sound: stored.sound === true, desktop: stored.desktop === true };
  } catch {
    return { sound: false, desktop: false };
  }
}

/**
 * Stores the switches.
 *
 * @example
 * ```ts
 * saveAttentionPrefs({ sound: true, desktop: false });
 * ```
 */
export function saveAttentionPrefs(prefs: AttentionPrefs): void {
  localStorage.setItem(KEY, JSON.stringify(prefs));
}

let audio: AudioContext | undefined;

/**
 * Two short tones (Web Audio, no sound file).
 *
 * @example
 * ```ts
 * beep();
 * ```
 */
export function beep(): void {
  try {
    audio ??= new AudioContext();
    const start = audio.currentTime;
    for (const [offset, frequency] of [[0, 880], [0.18, 660]]) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.15, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.15);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.16);
    }
  } catch {
    // No audio device: the visual highlight still shows.
  }
}

/**
 * Calls attention to a new or escalated critical alert, as the switches say.
 *
 * @example
 * ```ts
 * announceCritical(alert, () => openAlert(alert.id));
 * ```
 */
export function announceCritical(alert: Alert, onClick: () => void): void {
  const prefs = readAttentionPrefs();
  if (prefs.sound) beep();
  if (prefs.desktop && "Notification" in globalThis && Notification.permission === "granted") {
    const notification = new Notification(`Critical: ${alert.title}`, {
      body: alert.recommended_action ?? alert.description,
      tag: `alert:${alert.id}`,
    });
    notification.onclick = () => {
      focus();
      onClick();
    };
  }
}
