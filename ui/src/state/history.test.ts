// The pure parts of long conversations: the chat list's order, search words, pages of
// history, and what each message offers.

import { describe, expect, it } from "vitest";
import type { Chat, StoredMessage } from "../api";
import {
  actionsFor,
  hasEveryWord,
  lastMessage,
  lastReply,
  markWords,
  messageAfter,
  moreBefore,
  NO_ACTIONS,
  PAGE_SIZE,
  searchWords,
  sortChats,
  swipeLabel,
  wasCutOff,
} from "./history";
import { fromStored, pendingUserMessage, type UiMessage } from "./messages";

function chat(id: string, updatedAt: number, pinned = false): Chat {
  return { id, title: id, profileId: null, model: null, pinned, messageCount: 0, createdAt: 0, updatedAt, branchOf: null };
}

function stored(seq: number, role: StoredMessage["role"], patch: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id: `m${seq}`, chatId: "c1", seq, role, name: null, content: `text ${seq}`, swipeIndex: 0, swipeCount: 1,
    reasoning: null, state: "complete", model: null, error: null, createdAt: 0, updatedAt: 0, attachments: [], sources: [],
    ...patch,
  };
}

const message = (seq: number, role: StoredMessage["role"], patch: Partial<StoredMessage> = {}): UiMessage =>
  fromStored(stored(seq, role, patch));

describe("the chat list", () => {
  it("puts pinned chats first, then the most recently changed", () => {
    const sorted = sortChats([chat("old", 1), chat("pinned-old", 0, true), chat("new", 5), chat("pinned-new", 3, true)]);
    expect(sorted.map((c) => c.id)).toEqual(["pinned-new", "pinned-old", "new", "old"]);
  });
});

describe("search words", () => {
  it("are the query's words, each once whatever its case", () => {
    expect(searchWords("  Welcome  traveller WELCOME\n")).toEqual(["Welcome", "traveller"]);
    expect(searchWords("   ")).toEqual([]);
  });

  it("all have to be in a title, in any order and case", () => {
    expect(hasEveryWord("Welcome, traveller!", "TRAVELLER welcome")).toBe(true);
    expect(hasEveryWord("Welcome, traveller!", "welcome stranger")).toBe(false);
    expect(hasEveryWord("日本語の文法", "文法 日本")).toBe(true);
    expect(hasEveryWord("anything", "  ")).toBe(true);
  });

  it("are marked wherever they occur, overlaps joined, text kept as written", () => {
    expect(markWords("Rust and rust, trusted", "RUST")).toEqual([
      { text: "Rust", matched: true },
      { text: " and ", matched: false },
      { text: "rust", matched: true },
      { text: ", t", matched: false },
      { text: "rust", matched: true },
      { text: "ed", matched: false },
    ]);
    expect(markWords("lanternfish", "fish tern")).toEqual([
      { text: "lan", matched: false },
      { text: "ternfish", matched: true },
    ]);
    expect(markWords('<b>x</b>', "b")).toEqual([
      { text: "<", matched: false },
      { text: "b", matched: true },
      { text: ">x</", matched: false },
      { text: "b", matched: true },
      { text: ">", matched: false },
    ]);
  });
});

describe("pages of history", () => {
  it("leave more before a full page that does not start the chat", () => {
    const page = Array.from({ length: PAGE_SIZE }, (_, i) => stored(i + 100, "user"));
    expect(moreBefore(page)).toBe(true);
    expect(moreBefore(page.slice(1))).toBe(false);
    expect(moreBefore(Array.from({ length: PAGE_SIZE }, (_, i) => stored(i, "user")))).toBe(false);
    expect(moreBefore([])).toBe(false);
  });
});

describe("message actions", () => {
  const messages = [message(0, "user"), message(1, "assistant"), message(2, "user"), message(3, "assistant")];

  it("finds the last reply, the last message of a role and the one after another", () => {
    expect(lastReply(messages)?.id).toBe("m3");
    expect(lastReply(messages.slice(0, 3))).toBeNull();
    expect(lastMessage(messages)?.id).toBe("m3");
    expect(lastMessage(messages, "user")?.id).toBe("m2");
    expect(messageAfter(messages, "m2")?.id).toBe("m3");
    expect(messageAfter(messages, "m3")).toBeNull();
  });

  it("offers Regenerate and Continue on the last reply only", () => {
    const last = actionsFor(messages[3]!, { isLast: true, chatStored: true });
    expect(last).toMatchObject({ regenerate: true, continue: true, swipeGenerates: true, edit: true, delete: true, branch: true });
    const earlier = actionsFor(messages[1]!, { isLast: false, chatStored: true });
    expect(earlier).toMatchObject({ regenerate: false, continue: false, swipeGenerates: false, edit: true, branch: true });
  });

  it("offers Continue on any reply that was cut off, but not on an empty one", () => {
    for (const state of ["stopped", "interrupted", "failed"] as const) {
      const cut = message(1, "assistant", { state });
      expect(wasCutOff(cut)).toBe(true);
      expect(actionsFor(cut, { isLast: false, chatStored: true }).continue).toBe(true);
    }
    const empty = message(1, "assistant", { state: "failed", content: "" });
    expect(actionsFor(empty, { isLast: true, chatStored: true }).continue).toBe(false);
  });

  it("offers versions only on replies that have several", () => {
    expect(actionsFor(messages[1]!, { isLast: false, chatStored: true }).swipes).toBe(false);
    const swiped = message(1, "assistant", { swipeIndex: 1, swipeCount: 3 });
    expect(actionsFor(swiped, { isLast: false, chatStored: true }).swipes).toBe(true);
    expect(swipeLabel(swiped)).toBe("2/3");
  });

  it("offers nothing on a message not stored yet, one being written, or in an unsaved chat", () => {
    expect(actionsFor(pendingUserMessage("local-1", "hi"), { isLast: true, chatStored: true })).toEqual(NO_ACTIONS);
    expect(actionsFor(message(1, "assistant", { state: "streaming" }), { isLast: true, chatStored: true })).toEqual(NO_ACTIONS);
    expect(actionsFor(messages[3]!, { isLast: true, chatStored: false })).toEqual(NO_ACTIONS);
  });

  it("never offers to regenerate or continue a user message", () => {
    const user = actionsFor(messages[2]!, { isLast: true, chatStored: true });
    expect(user.regenerate || user.continue || user.swipes).toBe(false);
    expect(user.edit && user.delete && user.branch).toBe(true);
  });
});
