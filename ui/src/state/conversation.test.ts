// The controller's long conversations against the in-memory backend: pages of history (the
// latest, before, after and around a search hit, and sending from an older page), new
// versions of replies and more of them, swipes, edits, deletes, branches, and the chat list's
// rename, pin, delete with undo and search.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi, LONG_CHAT_ID, LONG_CHAT_SIZE, type MockApi } from "../dev/mock-api";
import { currentHits, filteredChats, visibleGeneration } from "./app-state";
import { Controller } from "./controller";
import { PAGE_SIZE } from "./history";

async function started(scenario = "chat"): Promise<{ api: MockApi; controller: Controller }> {
  const api = createMockApi({ scenario, tick: 0, latency: 0 });
  const controller = new Controller(api);
  await controller.start();
  await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
  return { api, controller };
}

/** Opens the seeded chat whose last reply was stopped. */
async function openSseChat(controller: Controller): Promise<string> {
  const chat = controller.store.get().chats.find((c) => c.title.startsWith("Explain SSE"));
  if (!chat) throw new Error("no seeded chat");
  await controller.openChat(chat.id);
  return chat.id;
}

async function replyEnded(controller: Controller): Promise<void> {
  await vi.waitFor(() => expect(controller.store.get().generation).toBeNull(), { timeout: 3000 });
}

const last = (controller: Controller) => controller.store.get().messages.at(-1)!;

afterEach(() => {
  vi.useRealTimers();
});

describe("pages of history", () => {
  it("open a long chat on its latest page only", async () => {
    const { api, controller } = await started("long");
    await controller.openChat(LONG_CHAT_ID);
    const state = controller.store.get();
    expect(state.messages).toHaveLength(PAGE_SIZE);
    expect(state.hasOlder).toBe(true);
    expect(state.messages[0]?.seq).toBe(LONG_CHAT_SIZE - PAGE_SIZE);
    expect(state.messages.at(-1)?.seq).toBe(LONG_CHAT_SIZE - 1);
    expect(api.calls.filter((c) => c.startsWith("loadMessages"))).toEqual([]);
  });

  it("add the page before, oldest first, once at a time", async () => {
    const { api, controller } = await started("long");
    await controller.openChat(LONG_CHAT_ID);
    const [added, again] = await Promise.all([controller.loadOlder(), controller.loadOlder()]);
    expect([added, again]).toEqual([PAGE_SIZE, 0]);
    const { messages, hasOlder, loadingOlder } = controller.store.get();
    expect(messages).toHaveLength(2 * PAGE_SIZE);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 2 * PAGE_SIZE }, (_, i) => LONG_CHAT_SIZE - 2 * PAGE_SIZE + i));
    expect(hasOlder).toBe(true);
    expect(loadingOlder).toBe(false);
    expect(api.calls.filter((c) => c.startsWith("loadMessages"))).toEqual([`loadMessages:${LONG_CHAT_ID}:${LONG_CHAT_SIZE - PAGE_SIZE}`]);
  });

  it("stop at the start of the chat", async () => {
    const { controller } = await started("chat");
    await openSseChat(controller);
    expect(controller.store.get().hasOlder).toBe(false);
    expect(await controller.loadOlder()).toBe(0);
  });

  it("that arrive after another chat was opened are dropped", async () => {
    const { controller } = await started("long");
    await controller.openChat(LONG_CHAT_ID);
    const loading = controller.loadOlder();
    await openSseChat(controller);
    expect(await loading).toBe(0);
    expect(controller.store.get().messages).toHaveLength(4);
  });
});

/** The seq of the user message of turn `n` in the long chat ("Turn n: and then what happened?"). */
const turnSeq = (n: number) => 2 * (n - 1);

/** Searches the long chat for turn `n`'s message and opens the hit. */
async function openTurn(controller: Controller, n: number): Promise<string> {
  await controller.searchChats(`Turn ${n}:`);
  const hits = controller.store.get().search.hits.filter((h) => h.chatId === LONG_CHAT_ID);
  expect(hits).toHaveLength(1);
  const messageId = hits[0]!.messageId!;
  await controller.openHit(LONG_CHAT_ID, messageId);
  return messageId;
}

const seqs = (controller: Controller) => controller.store.get().messages.map((m) => m.seq);
const run = (from: number, length: number) => Array.from({ length }, (_, i) => from + i);

describe("a search hit in an old message", () => {
  it("opens the page around it and brings it into view", async () => {
    const { api, controller } = await started("long");
    const messageId = await openTurn(controller, 2500);
    const state = controller.store.get();
    expect(state.chatId).toBe(LONG_CHAT_ID);
    expect(state.messages).toHaveLength(PAGE_SIZE);
    expect(state.messages[PAGE_SIZE / 2]?.id).toBe(messageId);
    expect(seqs(controller)).toEqual(run(turnSeq(2500) - PAGE_SIZE / 2, PAGE_SIZE));
    expect(state).toMatchObject({ hasOlder: true, hasNewer: true, loadingChat: false });
    expect(state.reveal?.messageId).toBe(messageId);
    expect(api.calls).toContain(`loadChatAround:${LONG_CHAT_ID}:${messageId}`);
    expect(api.calls.some((c) => c.startsWith("loadChat:"))).toBe(false);
  });

  it("at the start of the chat has nothing older", async () => {
    const { api, controller } = await started("long");
    const [first] = await api.loadMessages(LONG_CHAT_ID, 1);
    await controller.openHit(LONG_CHAT_ID, first!.id);
    expect(seqs(controller)).toEqual(run(0, PAGE_SIZE));
    expect(controller.store.get().reveal?.messageId).toBe(first!.id);
    expect(controller.store.get()).toMatchObject({ hasOlder: false, hasNewer: true });
  });

  it("is followed by newer pages, once at a time, up to the end", async () => {
    const { api, controller } = await started("long");
    await openTurn(controller, 4900);
    const first = turnSeq(4900) - PAGE_SIZE / 2;
    const [added, again] = await Promise.all([controller.loadNewer(), controller.loadNewer()]);
    expect([added, again]).toEqual([PAGE_SIZE, 0]);
    expect(controller.store.get().hasNewer).toBe(true);
    while (controller.store.get().hasNewer) expect(await controller.loadNewer()).toBeGreaterThan(0);
    expect(seqs(controller)).toEqual(run(first, LONG_CHAT_SIZE - first));
    expect(controller.store.get().loadingNewer).toBe(false);
    expect(await controller.loadNewer()).toBe(0);
    expect(api.calls.filter((c) => c.startsWith("loadNewerMessages"))).toHaveLength(2);
    // And older pages still come in above.
    expect(await controller.loadOlder()).toBe(PAGE_SIZE);
    expect(seqs(controller)[0]).toBe(first - PAGE_SIZE);
  });

  it("whose message is gone since the search opens the chat on its latest page", async () => {
    const { api, controller } = await started("long");
    await controller.searchChats("Turn 2500:");
    const hit = controller.store.get().search.hits[0]!;
    await api.deleteMessage(hit.messageId!);
    await controller.openHit(hit.chatId, hit.messageId);
    expect(seqs(controller).at(-1)).toBe(LONG_CHAT_SIZE - 1);
    expect(controller.store.get()).toMatchObject({ hasNewer: false, hasOlder: true, banner: null });
  });

  it("then sending shows the latest page with the message and its reply after it", async () => {
    const { api, controller } = await started("long");
    await openTurn(controller, 2500);
    expect(await controller.send("What happened at the end?")).toBe(true);
    expect(api.calls).toContain(`loadChat:${LONG_CHAT_ID}`);
    await replyEnded(controller);
    const state = controller.store.get();
    expect(state.hasNewer).toBe(false);
    const messages = state.messages;
    expect(messages.at(-2)).toMatchObject({ role: "user", content: "What happened at the end?" });
    expect(messages.at(-1)).toMatchObject({ role: "assistant", state: "complete" });
    const stored = messages.slice(0, -2).map((m) => m.seq);
    expect(stored).toEqual(run(LONG_CHAT_SIZE - PAGE_SIZE, PAGE_SIZE));
  });

  it("while a reply streams at the end shows it only once the pages up to it are loaded", async () => {
    const api = createMockApi({ scenario: "long", tick: 2, latency: 0 });
    const controller = new Controller(api);
    await controller.start();
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
    await controller.openChat(LONG_CHAT_ID);
    await controller.send("Tell me something slow");
    await openTurn(controller, 4900);
    expect(controller.store.get().hasNewer).toBe(true);
    expect(visibleGeneration(controller.store.get())).toBeNull();
    while (controller.store.get().hasNewer) await controller.loadNewer();
    const state = controller.store.get();
    if (state.generation !== null) {
      // Still streaming: drawn from the generation after the last stored message.
      expect(visibleGeneration(state)).not.toBeNull();
      expect(state.messages.at(-1)).toMatchObject({ role: "user", content: "Tell me something slow" });
    }
    await replyEnded(controller);
    const after = controller.store.get().messages;
    expect(after.at(-2)).toMatchObject({ role: "user", content: "Tell me something slow" });
    expect(after.at(-1)).toMatchObject({ role: "assistant", state: "complete" });
    expect(after.filter((m) => m.content === "Tell me something slow")).toHaveLength(1);
    const stored = after.map((m) => m.seq).filter((seq) => seq !== null);
    expect(stored).toEqual([...stored].sort((a, b) => a - b));
  });

  it("keeps a reply that ends meanwhile out of the older page", async () => {
    const api = createMockApi({ scenario: "long", tick: 2, latency: 0 });
    const controller = new Controller(api);
    await controller.start();
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
    await controller.openChat(LONG_CHAT_ID);
    await controller.send("Tell me something slow");
    await openTurn(controller, 2500);
    const before = seqs(controller);
    await replyEnded(controller);
    expect(seqs(controller)).toEqual(before);
    while (controller.store.get().hasNewer) await controller.loadNewer();
    const messages = controller.store.get().messages;
    expect(messages.at(-1)).toMatchObject({ role: "assistant", seq: LONG_CHAT_SIZE + 1 });
    expect(messages.at(-2)).toMatchObject({ role: "user", content: "Tell me something slow", seq: LONG_CHAT_SIZE });
  });
});

describe("a new version of the last reply", () => {
  it("is written in the reply's place, the earlier version kept as a swipe", async () => {
    const { api, controller } = await started();
    await openSseChat(controller);
    const before = last(controller);
    expect(await controller.regenerate()).toBe(true);
    expect(controller.store.get().generation).toMatchObject({ action: "regenerate", targetKey: before.key, swipeIndex: 1, swipeCount: 2 });
    await replyEnded(controller);
    const after = last(controller);
    expect(controller.store.get().messages).toHaveLength(4);
    expect(after).toMatchObject({ key: before.key, id: before.id, state: "complete", swipeIndex: 1, swipeCount: 2 });
    expect(after.content).toContain("Server-sent events");
    expect(api.calls).toContain(`regenerate:${before.id}`);

    expect(await controller.selectSwipe(after.key, 0)).toBe(true);
    expect(last(controller)).toMatchObject({ key: before.key, swipeIndex: 0, content: before.content, state: "stopped" });
  });

  it("comes with → past the last version; ← and → move between versions", async () => {
    const { controller } = await started("long");
    await controller.openChat(LONG_CHAT_ID);
    expect(last(controller)).toMatchObject({ swipeIndex: 2, swipeCount: 3 });
    expect(await controller.swipeLast(-1)).toBe(true);
    expect(last(controller)).toMatchObject({ swipeIndex: 1, content: "Another ending: they waited for dawn." });
    await controller.swipeLast(-1);
    expect(await controller.swipeLast(-1)).toBe(false);
    expect(last(controller).swipeIndex).toBe(0);
    await controller.swipeLast(1);
    await controller.swipeLast(1);
    expect(last(controller).swipeIndex).toBe(2);
    expect(await controller.swipeLast(1)).toBe(true);
    await replyEnded(controller);
    expect(last(controller)).toMatchObject({ swipeIndex: 3, swipeCount: 4, state: "complete" });
  });

  it("waits for the reply being written, and needs a profile", async () => {
    const { controller } = await started();
    await openSseChat(controller);
    await controller.send("Another question");
    expect(await controller.regenerate()).toBe(false);
    await replyEnded(controller);
    controller.store.update({ selectedProfileId: null, profiles: [] });
    expect(await controller.regenerate()).toBe(false);
    expect(controller.store.get().banner?.text).toBeTruthy();
  });

  it("leaves the reply as it was when the new version fails before any text", async () => {
    const { api, controller } = await started();
    await openSseChat(controller);
    const before = last(controller);
    const error = { kind: "invalidRequest" as const, message: "This conversation is longer than the model's context (2048 tokens)." };
    api.regenerate = async (_profile, messageId, onEvent) => {
      setTimeout(() => {
        onEvent({ type: "started", generationId: "g-fail", chatId: before.id!, messageId, model: "m", text: "", swipeIndex: 1, swipeCount: 2 });
        onEvent({ type: "failed", error, messageId });
      }, 0);
      return { generationId: "g-fail", chatId: "c", userMessageId: null };
    };
    expect(await controller.regenerate()).toBe(true);
    await replyEnded(controller);
    // The core dropped the attempt: the version shown before is shown again, and the error said.
    expect(last(controller)).toEqual(before);
    expect(controller.store.get().banner?.text).toContain("longer than the model's context");
  });

  it("shows a failed attempt that replaced a failed reply without text as that one reply", async () => {
    const { api, controller } = await started();
    await openSseChat(controller);
    const before = last(controller);
    controller.store.update((s) => ({ messages: s.messages.map((m) => (m.key === before.key ? { ...m, content: "", state: "failed" as const } : m)) }));
    const error = { kind: "invalidRequest" as const, message: "This conversation is longer than the model's context (2048 tokens)." };
    api.regenerate = async (_profile, messageId, onEvent) => {
      setTimeout(() => {
        onEvent({ type: "started", generationId: "g-fail", chatId: "c", messageId, model: "m", text: "", swipeIndex: 0, swipeCount: 1 });
        onEvent({ type: "failed", error, messageId });
      }, 0);
      return { generationId: "g-fail", chatId: "c", userMessageId: null };
    };
    expect(await controller.regenerate()).toBe(true);
    await replyEnded(controller);
    expect(last(controller)).toMatchObject({ key: before.key, state: "failed", content: "", swipeIndex: 0, swipeCount: 1, error });
  });

  it("gives the message back as it was when the backend refuses", async () => {
    const { api, controller } = await started();
    await openSseChat(controller);
    const before = last(controller);
    api.regenerate = async () => {
      throw { kind: "invalidRequest", message: "Only a reply can be regenerated." };
    };
    expect(await controller.regenerate()).toBe(false);
    expect(controller.store.get().generation).toBeNull();
    expect(last(controller)).toEqual(before);
    expect(controller.store.get().banner?.kind).toBe("invalidRequest");
  });
});

describe("more of a reply", () => {
  it("continues a stopped reply where it ends", async () => {
    const { api, controller } = await started();
    await openSseChat(controller);
    const before = last(controller);
    expect(before.state).toBe("stopped");
    expect(await controller.continueReply(before.key)).toBe(true);
    await replyEnded(controller);
    const after = last(controller);
    expect(after).toMatchObject({ key: before.key, state: "complete", swipeCount: 1 });
    expect(after.content.startsWith(before.content)).toBe(true);
    expect(after.content.length).toBeGreaterThan(before.content.length);
    expect(api.calls).toContain(`continueReply:${before.id}`);
  });

  it("is not offered for a user message", async () => {
    const { controller } = await started();
    await openSseChat(controller);
    const user = controller.store.get().messages[2]!;
    expect(await controller.continueReply(user.key)).toBe(false);
  });
});

describe("editing", () => {
  it("saves in place and offers to regenerate after the last user message", async () => {
    const { controller } = await started();
    await openSseChat(controller);
    const user = controller.store.get().messages[2]!;
    expect(controller.editLast("user")).toBe(true);
    expect(controller.store.get().editing).toBe(user.key);
    expect(await controller.saveEdit(user.key, "And how do I close it?")).toBe(true);
    const state = controller.store.get();
    expect(state.editing).toBeNull();
    expect(state.messages[2]).toMatchObject({ key: user.key, content: "And how do I close it?" });
    expect(state.regenerateOffer).toBe(user.key);

    expect(await controller.regenerateFrom(user.key)).toBe(true);
    expect(controller.store.get().regenerateOffer).toBeNull();
    await replyEnded(controller);
    expect(last(controller).swipeCount).toBe(2);
  });

  it("offers nothing after editing an earlier message, and closes on an unchanged text", async () => {
    const { api, controller } = await started();
    await openSseChat(controller);
    const first = controller.store.get().messages[0]!;
    controller.startEdit(first.key);
    await controller.saveEdit(first.key, "Explain SSE, briefly.");
    expect(controller.store.get().regenerateOffer).toBeNull();
    controller.startEdit(first.key);
    const calls = api.calls.length;
    expect(await controller.saveEdit(first.key, "Explain SSE, briefly.")).toBe(true);
    expect(api.calls.length).toBe(calls);
    expect(controller.store.get().editing).toBeNull();
  });

  it("↑ edits the last message; Esc leaves it as it was", async () => {
    const { controller } = await started();
    await openSseChat(controller);
    expect(controller.editLast()).toBe(true);
    expect(controller.store.get().editing).toBe(last(controller).key);
    controller.cancelEdit();
    expect(controller.store.get().editing).toBeNull();
  });
});

describe("deleting and branching messages", () => {
  it("deletes a message", async () => {
    const { api, controller } = await started();
    await openSseChat(controller);
    const reply = last(controller);
    expect(await controller.deleteMessage(reply.key)).toBe(true);
    expect(controller.store.get().messages.map((m) => m.key)).not.toContain(reply.key);
    expect(api.calls).toContain(`deleteMessage:${reply.id}`);
  });

  it("branches a new chat from a message and opens it", async () => {
    const { controller } = await started();
    const source = await openSseChat(controller);
    const reply = controller.store.get().messages[1]!;
    const branch = await controller.branchFrom(reply.key);
    const state = controller.store.get();
    expect(branch?.id).not.toBe(source);
    expect(state.chatId).toBe(branch?.id);
    expect(state.chatTitle).toMatch(/^Explain SSE in one paragraph — branch at message \d+$/);
    expect(state.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(state.chats.some((c) => c.id === branch?.id)).toBe(true);
  });
});

describe("the chat list", () => {
  it("renames a chat, and ignores an empty title", async () => {
    const { controller } = await started();
    const id = await openSseChat(controller);
    controller.startRename(id);
    expect(controller.store.get().renaming).toBe(id);
    expect(await controller.renameChat(id, "  Server-sent events  ")).toBe(true);
    const state = controller.store.get();
    expect(state.renaming).toBeNull();
    expect(state.chats.find((c) => c.id === id)?.title).toBe("Server-sent events");
    expect(state.chatTitle).toBe("Server-sent events");
    expect(await controller.renameChat(id, "   ")).toBe(false);
  });

  it("pins a chat to the top and unpins it", async () => {
    const { controller } = await started();
    const oldest = controller.store.get().chats.at(-1)!;
    expect(await controller.togglePin(oldest.id)).toBe(true);
    expect(filteredChats(controller.store.get())[0]).toMatchObject({ id: oldest.id, pinned: true });
    await controller.togglePin(oldest.id);
    expect(filteredChats(controller.store.get()).at(-1)).toMatchObject({ id: oldest.id, pinned: false });
  });

  it("deletes a chat with Undo, which brings it back and opens it again", async () => {
    const { api, controller } = await started();
    const id = await openSseChat(controller);
    expect(await controller.deleteChat(id)).toBe(true);
    let state = controller.store.get();
    expect(state.chats.some((c) => c.id === id)).toBe(false);
    expect(state.chatId).toBeNull();
    expect(state.undo).toMatchObject({ chatId: id, title: "Explain SSE in one paragraph", wasOpen: true });
    expect(state.focus?.target).toBe("undo");

    expect(await controller.undoDelete()).toBe(true);
    state = controller.store.get();
    expect(state.undo).toBeNull();
    expect(state.chats.some((c) => c.id === id)).toBe(true);
    expect(state.chatId).toBe(id);
    expect(state.messages).toHaveLength(4);
    expect(api.calls).toContain(`restoreChat:${id}`);
  });

  it("stops offering Undo when dismissed, but only the offer it was given for", async () => {
    const { controller } = await started();
    const [a, b] = controller.store.get().chats;
    await controller.deleteChat(a!.id);
    const first = controller.store.get().undo!.id;
    await controller.deleteChat(b!.id);
    controller.dismissUndo(first);
    expect(controller.store.get().undo?.chatId).toBe(b!.id);
    controller.dismissUndo();
    expect(controller.store.get().undo).toBeNull();
  });

  it("searches titles and messages; the latest search wins; an empty one clears", async () => {
    const { api, controller } = await started();
    controller.setChatFilter("close");
    const older = controller.searchChats("regex");
    const newer = controller.searchChats("close");
    await Promise.all([older, newer]);
    const hits = currentHits(controller.store.get());
    expect(hits?.length).toBe(1);
    expect(hits?.[0]).toMatchObject({ chatTitle: "Explain SSE in one paragraph" });
    expect(hits?.[0]?.snippet).toContainEqual({ text: "close", matched: true });
    expect(api.calls).toContain("searchChats:close");

    controller.setChatFilter("");
    await controller.searchChats("");
    expect(controller.store.get().search).toEqual({ query: "", status: "idle", hits: [] });
    expect(currentHits(controller.store.get())).toBeNull();
  });

  it("opens a search hit's chat with the message to bring into view", async () => {
    const { controller } = await started();
    await controller.searchChats("close");
    const hit = controller.store.get().search.hits[0]!;
    await controller.openHit(hit.chatId, hit.messageId);
    const state = controller.store.get();
    expect(state.chatId).toBe(hit.chatId);
    expect(state.reveal?.messageId).toBe(hit.messageId);
  });
});
