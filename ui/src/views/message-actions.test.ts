import { describe, expect, it } from "vitest";
import type { Controller } from "../state/controller";
import { runMessageAction } from "./message-actions";

/** A controller that only records which of its methods was called, with what. */
function recorder(): { controller: Controller; calls: string[] } {
  const calls: string[] = [];
  const record = (name: string) => (...args: unknown[]) => {
    calls.push(`${name}(${args.join(", ")})`);
    return Promise.resolve();
  };
  const controller = new Proxy({}, { get: (_, name) => record(String(name)) }) as unknown as Controller;
  return { controller, calls };
}

describe("a message's action, from its toolbar or its menu", () => {
  it("moves between versions, and writes a new one past the last", () => {
    const { controller, calls } = recorder();
    runMessageAction(controller, { key: "m1", swipeIndex: 1, swipeCount: 3 }, "swipe-next");
    runMessageAction(controller, { key: "m1", swipeIndex: 1, swipeCount: 3 }, "swipe-prev");
    runMessageAction(controller, { key: "m1", swipeIndex: 2, swipeCount: 3 }, "swipe-next");
    expect(calls).toEqual(["selectSwipe(m1, 2)", "selectSwipe(m1, 0)", "regenerate(m1)"]);
  });

  it("runs each other action on the message's key, and leaves other ids alone", () => {
    const { controller, calls } = recorder();
    const message = { key: "m2", swipeIndex: 0, swipeCount: 1 };
    for (const id of ["regenerate", "regenerate-from-here", "continue", "edit", "branch", "delete"]) {
      expect(runMessageAction(controller, message, id)).toBe(true);
    }
    expect(runMessageAction(controller, message, "copy")).toBe(false);
    expect(calls).toEqual([
      "regenerate(m2)", "regenerateFrom(m2)", "continueReply(m2)", "startEdit(m2)", "branchFrom(m2)", "deleteMessage(m2)",
    ]);
  });
});
