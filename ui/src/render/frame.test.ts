// Frame batching: any number of requests between two frames give one paint.

import { describe, expect, it } from "vitest";
import { manualClock } from "../testing/manual-clock";
import { createFrameScheduler } from "./frame";

describe("createFrameScheduler", () => {
  it("coalesces many requests into one paint per frame", () => {
    const clock = manualClock();
    let paints = 0;
    const scheduler = createFrameScheduler(() => paints++, clock);
    for (let i = 0; i < 500; i++) scheduler.schedule();
    expect(paints).toBe(0);
    expect(clock.waiting).toBe(1);
    clock.frame();
    expect(paints).toBe(1);
    clock.frame();
    expect(paints).toBe(1);
    scheduler.schedule();
    scheduler.schedule();
    clock.frame();
    expect(paints).toBe(2);
  });

  it("flush paints at once and drops the pending frame", () => {
    const clock = manualClock();
    let paints = 0;
    const scheduler = createFrameScheduler(() => paints++, clock);
    scheduler.flush();
    expect(paints).toBe(0);
    scheduler.schedule();
    expect(scheduler.pending).toBe(true);
    scheduler.flush();
    expect(paints).toBe(1);
    expect(scheduler.pending).toBe(false);
    clock.frame();
    expect(paints).toBe(1);
  });

  it("cancel drops a pending paint", () => {
    const clock = manualClock();
    let paints = 0;
    const scheduler = createFrameScheduler(() => paints++, clock);
    scheduler.schedule();
    scheduler.cancel();
    clock.frame();
    expect(paints).toBe(0);
  });
});
