/**
 * Paint at most once per animation frame.
 *
 * Streaming replies can deliver hundreds of deltas a second; the state takes every one, but the
 * view asks for a paint with `schedule()` and the scheduler runs the paint once on the next
 * frame, however many times it was asked. `flush()` paints now (used when a reply ends, so the
 * final text never waits a frame behind the state).
 */

export interface FrameScheduler {
  /** Asks for one paint on the next frame; repeated calls before it coalesce. */
  schedule(): void;
  /** Paints now if a paint is pending, and cancels the pending frame. */
  flush(): void;
  /** Drops a pending paint. */
  cancel(): void;
  /** Whether a paint is waiting for its frame. */
  readonly pending: boolean;
}

/** The two browser functions the scheduler uses; tests pass fakes. */
export interface FrameClock {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

const browserClock: FrameClock = {
  request: (callback) => window.requestAnimationFrame(() => callback()),
  cancel: (handle) => window.cancelAnimationFrame(handle),
};

/** A scheduler that runs `paint` at most once per frame. */
export function createFrameScheduler(paint: () => void, clock: FrameClock = browserClock): FrameScheduler {
  let handle: number | null = null;

  const run = (): void => {
    handle = null;
    paint();
  };

  return {
    schedule(): void {
      if (handle === null) handle = clock.request(run);
    },
    flush(): void {
      if (handle === null) return;
      clock.cancel(handle);
      run();
    },
    cancel(): void {
      if (handle === null) return;
      clock.cancel(handle);
      handle = null;
    },
    get pending(): boolean {
      return handle !== null;
    },
  };
}
