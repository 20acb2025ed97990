import { describe, expect, it } from "vitest";
import type { Chat } from "../api";
import { NO_ACTIONS, type MessageActions } from "./history";
import { chatMenu, exportFormatOf, fieldMenu, messageMenu, nextItem, type MenuItem } from "./menus";
import type { UiMessage } from "./messages";

const chat = (id: string, more: Partial<Chat> = {}): Chat => ({
  id, title: id, profileId: null, model: null, pinned: false, messageCount: 2, createdAt: 0, updatedAt: 0, branchOf: null, ...more,
});

const message = (more: Partial<UiMessage> = {}): UiMessage => ({
  key: "k", id: "m1", seq: 1, role: "assistant", name: null, content: "hello", reasoning: null, state: "complete",
  model: null, error: null, swipeIndex: 0, swipeCount: 1, stopReason: null, historyTrimmed: null, ...more,
} as UiMessage);

const ids = (items: readonly MenuItem[]): string[] => items.map((i) => i.id);
const ALL: MessageActions = { regenerate: true, continue: true, swipes: true, swipeGenerates: true, edit: true, delete: true, branch: true };

describe("the chat menu", () => {
  it("offers rename, pin, export in each format and delete", () => {
    const items = chatMenu(chat("a"), [chat("a")]);
    expect(ids(items)).toEqual(["rename", "pin", "export-sillytavern", "export-markdown", "export-json", "delete"]);
    expect(items[1]!.label).toBe("Pin to the top");
    expect(chatMenu(chat("a", { pinned: true }), [])[1]!.label).toBe("Unpin");
    expect(exportFormatOf("export-markdown")).toBe("markdown");
    expect(exportFormatOf("delete")).toBeNull();
  });

  it("offers the parent of a branch while it is listed, and no export of an empty chat", () => {
    const branch = chat("b", { branchOf: { parentId: "a", messageId: "m", messageNumber: 3 }, messageCount: 0 });
    expect(ids(chatMenu(branch, [chat("a"), branch]))).toContain("open-parent");
    expect(ids(chatMenu(branch, [branch]))).not.toContain("open-parent");
    expect(chatMenu(branch, []).filter((i) => i.id.startsWith("export-")).every((i) => i.disabled)).toBe(true);
  });
});

describe("the message menu", () => {
  it("offers what the message's toolbar offers", () => {
    expect(ids(messageMenu(message(), ALL, false))).toEqual(["copy", "edit", "branch", "regenerate", "continue", "swipe-prev", "delete"]);
    expect(ids(messageMenu(message({ role: "user" }), { ...NO_ACTIONS, edit: true, delete: true, branch: true }, false)))
      .toEqual(["copy", "edit", "branch", "delete"]);
    expect(ids(messageMenu(message(), NO_ACTIONS, false))).toEqual(["copy"]);
  });

  it("disables what would change a reply while one is written, and versions past the ends", () => {
    const busy = messageMenu(message({ swipeIndex: 1, swipeCount: 3 }), ALL, true);
    expect(busy.filter((i) => i.disabled).map((i) => i.id)).toEqual(["edit", "regenerate", "continue", "swipe-prev", "swipe-next", "delete"]);
    const first = messageMenu(message({ swipeIndex: 0, swipeCount: 2 }), ALL, false);
    expect(first.find((i) => i.id === "swipe-prev")?.disabled).toBe(true);
    expect(first.find((i) => i.id === "swipe-next")?.disabled).toBe(false);
    expect(messageMenu(message({ content: "" }), NO_ACTIONS, false)[0]!.disabled).toBe(true);
  });
});

describe("the edit menu", () => {
  it("cuts and copies only a selection, pastes only where one can type", () => {
    const disabled = (state: Parameters<typeof fieldMenu>[0]): string[] => fieldMenu(state).filter((i) => i.disabled).map((i) => i.id);
    expect(ids(fieldMenu({ selection: true, text: true, editable: true }))).toEqual(["cut", "copy", "paste", "select-all"]);
    expect(disabled({ selection: true, text: true, editable: true })).toEqual([]);
    expect(disabled({ selection: false, text: true, editable: true })).toEqual(["cut", "copy"]);
    expect(disabled({ selection: true, text: true, editable: false })).toEqual(["cut", "paste"]);
    expect(disabled({ selection: false, text: false, editable: true })).toEqual(["cut", "copy", "select-all"]);
  });
});

describe("moving through a menu", () => {
  const items: MenuItem[] = [{ id: "a", label: "A" }, { id: "b", label: "B", disabled: true }, { id: "c", label: "C" }, { id: "d", label: "D" }];
  it("passes over disabled items and wraps around", () => {
    expect(nextItem(items, -1, "ArrowDown")).toBe(0);
    expect(nextItem(items, 0, "ArrowDown")).toBe(2);
    expect(nextItem(items, 3, "ArrowDown")).toBe(0);
    expect(nextItem(items, 0, "ArrowUp")).toBe(3);
    expect(nextItem(items, 2, "ArrowUp")).toBe(0);
    expect(nextItem(items, 2, "Home")).toBe(0);
    expect(nextItem(items, 0, "End")).toBe(3);
    expect(nextItem(items, 0, "x")).toBeNull();
    expect(nextItem([{ id: "z", label: "Z", disabled: true }], -1, "ArrowDown")).toBeNull();
  });
});
