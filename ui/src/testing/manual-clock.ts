/** Test support: a frame clock that runs frames only when a test says so. */

import type { FrameClock } from "../render/frame";

/** A clock whose frames run only when the test says so. */
export function manualClock(): FrameClock & { frame(): void; readonly waiting: number } {
  let next = 1;
  const callbacks = new Map<number, () => void>();
  return {
    request(callback) {
      callbacks.set(next, callback);
      return next++;
    },
    cancel(handle) {
      callbacks.delete(handle);
    },
    frame() {
      const due = [...callbacks.values()];
      callbacks.clear();
      for (const callback of due) callback();
    },
    get waiting() {
      return callbacks.size;
    },
  };
}
