/**
 * @module
 * Which turn of the event loop this is. Frames a socket is sent are written only once the
 * synchronous code that sent them yields, so bytes queued in the current turn say nothing about
 * whether the reader keeps up; only what is still buffered from earlier turns does. One timer
 * per turn, shared by every socket, moves the counter on.
 */

let turn = 0;
let ending = false;

/**
 * A number that stays the same until the current synchronous run of code has yielded to the event
 * loop (and its pending socket writes had their chance).
 *
 * @example
 * ```ts
 * if (currentTurn() !== lastTurn) queuedThisTurn = 0;
 * ```
 */
export function currentTurn(): number {
  if (!ending) {
    ending = true;
    setTimeout(() => {
      turn++;
      ending = false;
    }, 0);
  }
  return turn;
}
