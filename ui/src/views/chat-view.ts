/**
 * The conversation: the message log, the empty-chat hint, "Load earlier messages" and the
 * "↓ new text" pill.
 *
 * - Finished messages are `MessageView`s cached by their stable key; a chat switch or a new
 *   message only moves or adds elements.
 * - The streaming reply is painted by a frame scheduler: every delta updates the state, and the
 *   reply is re-rendered at most once per animation frame. Its view is cached under the reply's
 *   key from the start, so when it ends it simply stays in place as a finished message. A new
 *   version of a reply, or more of one, is painted in that reply's place.
 * - The view follows the bottom while the person is there; once they scroll up it stays put and
 *   shows the pill instead.
 * - Long chats: the chat opens on its latest page (a search hit: on the page around its
 *   message, which is brought into view and marked); scrolling near the top (or "Load earlier
 *   messages") adds the page before, near the bottom (while newer pages exist) the page after,
 *   and the messages on screen stay where they were. While newer pages exist the bottom of
 *   the log is not the end of the chat: the view does not follow it. Past
 *   `WINDOW_THRESHOLD` messages only those in or near view are in the document: spacers above
 *   and below stand for the rest, at their measured heights (or an estimate until measured).
 * - Keyboard: the log is one Tab stop (a message; the last one focused, else the last); ↑/↓,
 *   Home and End move between messages (bringing them in); a message's toolbar is out of the
 *   Tab order, its menu (`app-menus.ts`) offers the same actions.
 * - Screen readers: the log itself is not live; `#reply-announcer` reads a streamed reply out
 *   once per finished paragraph (`render/announcer.ts`).
 * - Message toolbars: clicks on `[data-action]` buttons and the editor's keys are handled here,
 *   once for the whole log. Delete goes at once; the message's place is held by a "Deleted ·
 *   Undo" placeholder of its height (`data-testid="undo-placeholder"`) until the pointer leaves
 *   the log or the Undo is no longer offered, so nothing moves under the pointer.
 */

import type { AppState, UndoDelete } from "../state/app-state";
import { isGenerating, visibleGeneration } from "../state/app-state";
import type { Controller } from "../state/controller";
import { type Generation, liveStatus } from "../state/generation";
import { actionsFor, NO_ACTIONS } from "../state/history";
import { fromGeneration, type UiMessage } from "../state/messages";
import { heldPlaces } from "../state/undo";
import { createFrameScheduler, type FrameClock } from "../render/frame";
import { type MessageContext, MessageView } from "../render/message-view";
import { copyWithFeedback, h, show } from "./dom";
import { runMessageAction } from "./message-actions";
import { messageAttachments } from "./attachments";
import { createLiveRegion, ParagraphAnnouncer } from "../render/announcer";
import { rovingTarget, setRovingStop, untabbable } from "./roving";
import { shortcutHint } from "./keys";

/** Within this many pixels of the bottom counts as "at the bottom". */
const STICK_DISTANCE = 48;
/** Conversations longer than this render only the messages in or near view. */
export const WINDOW_THRESHOLD = 60;
/** How far beyond the visible area messages stay rendered, in pixels. */
export const OVERSCAN = 800;
/** The height assumed for a message not measured yet, in pixels. */
export const ESTIMATED_HEIGHT = 120;
/** Within this many pixels of the first loaded message, the page before is fetched. */
const LOAD_OLDER_DISTANCE = 600;
/** Within this many pixels of the last loaded message (while newer ones exist), the page after is fetched. */
const LOAD_NEWER_DISTANCE = 600;
/** Views kept for messages out of view, so scrolling back does not render them again. */
const CACHE_LIMIT = 300;
/** How long a message found by search stays highlighted. */
const REVEAL_MS = 2000;

export interface ChatViewElements {
  /** The scrolling container. */
  scroller: HTMLElement;
  /** `#messages`, the log. */
  log: HTMLElement;
  /** The "↓ new text" pill. */
  pill: HTMLButtonElement;
  /** The hint shown in an empty chat. */
  empty: HTMLElement;
  /** "Load earlier messages", above the log while older pages exist. */
  older: HTMLButtonElement;
  /** Stand-ins for the messages above and below the rendered ones. */
  topSpacer: HTMLElement;
  bottomSpacer: HTMLElement;
  /** The polite live region streamed replies are read out through, a paragraph at a time. */
  announcer: HTMLElement;
  say: (text: string) => void;
}

/** Builds the conversation's elements. */
export function createChatElements(): ChatViewElements {
  const log = h("div", {
    id: "messages",
    class: "messages",
    role: "log",
    // Replies are read out by the announcer, a paragraph at a time, not here at every delta.
    "aria-live": "off",
    "aria-label": "Conversation",
  });
  const live = createLiveRegion();
  const empty = h("div", { class: "empty-hint", id: "empty-hint" },
    h("h2", { class: "empty-title", text: "Start a conversation" }),
    h("p", { text: "Type a message below. A few keys that help:" }),
    shortcutHint(),
  );
  const older = h("button", {
    type: "button",
    class: "button quiet load-older",
    "data-testid": "load-older",
    hidden: true,
    "aria-busy": "false",
  }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "button-label", text: "Load earlier messages" }));
  const topSpacer = h("div", { class: "list-spacer", "aria-hidden": "true", "data-testid": "spacer-top" });
  const bottomSpacer = h("div", { class: "list-spacer", "aria-hidden": "true", "data-testid": "spacer-bottom" });
  const scroller = h("div", { class: "conversation", tabindex: "-1" },
    h("div", { class: "conversation-inner" }, empty, older, topSpacer, log, bottomSpacer, live.element));
  const pill = h("button", { id: "new-text-pill", class: "new-text-pill", type: "button", hidden: true, text: "↓ new text" });
  return { scroller, log, pill, empty, older, topSpacer, bottomSpacer, announcer: live.element, say: live.say };
}

/** One entry of the conversation: a stored message, or the reply being written. */
interface Item {
  readonly key: string;
  readonly message: UiMessage;
  /** Drawn from the generation (its text changes every frame), not from `message`. */
  readonly live: boolean;
  /** A deleted message whose place is held ("Deleted · Undo") while the pointer is on the log. */
  readonly held?: UndoDelete;
}

/** Where the first visible message was, to keep it there when the list changes. */
interface Anchor {
  readonly key: string;
  /** Its top, relative to the top of the scroller's viewport. */
  readonly offset: number;
}

/** Whether the generation writes this stored message (a new version of it, or more of it). */
function writes(generation: Generation, message: UiMessage): boolean {
  if (generation.action === "send") return false;
  return message.key === generation.targetKey || (generation.messageId !== null && message.id === generation.messageId);
}

/** The conversation as shown: the messages, with the reply being written in its place. */
export function conversationItems(state: AppState): Item[] {
  const generation = visibleGeneration(state);
  const items: Item[] = [];
  let placed = false;
  for (const message of state.messages) {
    if (generation && !placed && writes(generation, message)) {
      items.push({ key: message.key, message: liveMessage(generation, message.key, message.seq), live: true });
      placed = true;
    } else {
      items.push({ key: message.key, message, live: false });
    }
  }
  if (generation && generation.action === "send") {
    items.push({ key: generation.localId, message: fromGeneration(generation), live: true });
  }
  for (const held of heldPlaces(state.undoStack, "message")) {
    const message = held.message;
    if (!message || held.chatId !== state.chatId || message.seq === null) continue;
    if (items.some((item) => item.key === message.key)) continue;
    const at = items.findIndex((item) => item.message.seq !== null && item.message.seq > message.seq!);
    items.splice(at === -1 ? items.length : at, 0, { key: message.key, message, live: false, held });
  }
  return items;
}

function liveMessage(generation: Generation, key: string, seq: number | null): UiMessage {
  return { ...fromGeneration(generation), key, seq: seq ?? generation.seq };
}

/** Draws the conversation from the store; returns a function that stops it. */
export function mountChatView(
  elements: ChatViewElements,
  controller: Controller,
  clock?: FrameClock,
): () => void {
  const { scroller, log, pill, empty, older, topSpacer, bottomSpacer } = elements;
  const announcer = new ParagraphAnnouncer(elements.say);
  /** The message that is the log's one Tab stop (the last one focused; else the last message). */
  let activeKey: string | null = null;
  const cache = new Map<string, MessageView>();
  /** The placeholders of deleted messages holding their place, by key. */
  const placeholders = new Map<string, HTMLElement>();
  /** Measured heights (with the gap below), by key. */
  const heights = new Map<string, number>();
  let items: Item[] = [];
  /** The rendered items: `[start, end)`. */
  let range: [number, number] = [0, 0];
  let follow = true;
  let shownSession = -1;
  let gap: number | null = null;
  /** The last item's key, to tell a new message at the end from older ones added above. */
  let lastKey: string | null = null;
  /** Where the last scroll event left the view: only scrolling up stops following the bottom. */
  let lastScrollTop = 0;
  /** Off while a message found by search is being brought into view (its page just landed). */
  let paging = true;

  const paintStreaming = (): void => {
    const state = controller.store.get();
    const generation = visibleGeneration(state);
    if (!generation) return;
    const index = items.findIndex((item) => item.live);
    const item = items[index];
    if (!item) return;
    const view = cache.get(item.key);
    if (view && index >= range[0] && index < range[1]) {
      view.update(liveMessage(generation, item.key, item.message.seq), { status: liveStatus(generation) }, contextOf(item, index, state));
      measure(index, index + 1);
    }
    afterContentChange();
  };
  const scheduler = createFrameScheduler(paintStreaming, clock);
  const relayout = createFrameScheduler(() => layout(controller.store.get()), clock);

  /** What an item's toolbar offers now. */
  function contextOf(item: Item, index: number, state: AppState): MessageContext {
    return {
      actions: item.live ? NO_ACTIONS : actionsFor(item.message, { isLast: index === items.length - 1, chatStored: state.chatId !== null }),
      editing: state.editing === item.key && !item.live,
      offerRegenerate: state.regenerateOffer === item.key,
      busy: isGenerating(state),
    };
  }

  function viewOf(item: Item, index: number, state: AppState): MessageView {
    const generation = item.live ? visibleGeneration(state) : null;
    const message = generation ? liveMessage(generation, item.key, item.message.seq) : item.message;
    const live = generation ? { status: liveStatus(generation) } : null;
    const context = contextOf(item, index, state);
    let view = cache.get(item.key);
    if (view) view.update(message, live, context);
    else {
      view = new MessageView(message, context, (infos) => messageAttachments(infos, controller));
      if (live) view.update(message, live, context);
      // The row is the Tab stop; its actions are reached from its menu (or the pointer).
      const footer = view.element.querySelector(".message-footer");
      if (footer) untabbable(footer);
      cache.set(item.key, view);
    }
    return view;
  }

  /** Where a deleted message was: "Deleted · Undo", as tall as the message was. */
  function placeholderOf(key: string, held: UndoDelete): HTMLElement {
    let element = placeholders.get(key);
    if (!element || element.dataset.undoFor !== String(held.id)) {
      element = h("div", { class: "message-placeholder", dataset: { key, undoFor: String(held.id) }, "data-testid": "undo-placeholder" },
        h("span", { text: "Deleted · " }),
        h("button", { type: "button", class: "chat-undo", dataset: { undoId: String(held.id) }, "aria-label": `Undo deleting “${held.title}”`, text: "Undo" }),
      );
      placeholders.set(key, element);
    }
    setHeight(element, heightOf(key) - (gap ?? 0));
    return element;
  }

  // ---------------------------------------------------------------- geometry

  /** Whether the browser lays the page out (jsdom does not: then the viewport is the window's). */
  function laidOut(): boolean {
    return scroller.getBoundingClientRect().height > 0;
  }

  function viewportHeight(): number {
    return scroller.clientHeight || window.innerHeight || 800;
  }

  /** Where the first message starts, in the scroller's content. */
  function listTop(): number {
    if (!laidOut()) return 0;
    return topSpacer.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
  }

  function heightOf(key: string): number {
    return heights.get(key) ?? ESTIMATED_HEIGHT;
  }

  /** `offsets[i]`: where item `i` starts, from the first item; `offsets[n]`: the total. */
  function offsets(): Float64Array {
    const result = new Float64Array(items.length + 1);
    for (let i = 0; i < items.length; i++) result[i + 1] = result[i]! + heightOf(items[i]!.key);
    return result;
  }

  /** Records the heights of the rendered items `[from, to)`. */
  function measure(from: number, to: number): void {
    if (gap === null) gap = parseFloat(getComputedStyle(log).rowGap) || 0;
    for (let i = from; i < to; i++) {
      const item = items[i];
      const element = item && cache.get(item.key)?.element;
      if (!item || !element?.isConnected) continue;
      const height = element.offsetHeight;
      if (height > 0) heights.set(item.key, height + gap);
    }
  }

  /** The first rendered message at least partly in view, and where it is (read from the document). */
  function captureAnchor(): Anchor | null {
    if (!laidOut()) return null;
    const top = scroller.getBoundingClientRect().top;
    for (const element of log.children) {
      const key = (element as HTMLElement).dataset.key;
      if (!key) continue;
      const rect = element.getBoundingClientRect();
      if (rect.bottom > top + 1) return { key, offset: rect.top - top };
    }
    return null;
  }

  /** The items to render so the viewport (plus `OVERSCAN` each way) is covered. */
  function windowFor(anchor: Anchor | null): [number, number] {
    const n = items.length;
    if (n <= WINDOW_THRESHOLD) return [0, n];
    const viewport = viewportHeight();
    if (follow) {
      let start = n;
      let covered = 0;
      while (start > 0 && covered < viewport + OVERSCAN) covered += heightOf(items[--start]!.key);
      return [start, n];
    }
    const at = offsets();
    let top = scroller.scrollTop - listTop();
    const anchored = anchor ? items.findIndex((item) => item.key === anchor.key) : -1;
    if (anchored >= 0 && anchor) top = at[anchored]! - anchor.offset;
    const from = top - OVERSCAN;
    const to = top + viewport + OVERSCAN;
    let start = 0;
    while (start < n - 1 && at[start + 1]! <= from) start++;
    let end = start;
    while (end < n && at[end]! < to) end++;
    return [start, Math.max(end, start + 1)];
  }

  // ---------------------------------------------------------------- drawing

  /**
   * Puts the items of the window in the log, spacers around them, and keeps the view steady:
   * the message at the top of the view (`anchor`, read before the items changed) stays where
   * it was.
   */
  function layout(state: AppState, anchor: Anchor | null = follow ? null : captureAnchor()): void {
    relayout.cancel();
    const [start, end] = windowFor(anchor);
    const wanted: HTMLElement[] = [];
    for (let i = start; i < end; i++) {
      const item = items[i]!;
      wanted.push(item.held ? placeholderOf(item.key, item.held) : viewOf(item, i, state).element);
    }
    syncChildren(log, wanted);
    const articles = wanted.filter((e) => e.matches("article.message"));
    setRovingStop(articles, (activeKey !== null ? cache.get(activeKey)?.element : null) ?? articles.at(-1) ?? null);
    range = [start, end];
    measure(start, end);
    const at = offsets();
    const windowed = items.length > WINDOW_THRESHOLD;
    setHeight(topSpacer, windowed ? at[start]! : 0);
    setHeight(bottomSpacer, windowed ? at[items.length]! - at[end]! : 0);
    evict(state);
    if (follow) {
      scroller.scrollTop = scroller.scrollHeight;
    } else if (anchor) {
      const element = cache.get(anchor.key)?.element;
      if (element?.isConnected) {
        const moved = element.getBoundingClientRect().top - scroller.getBoundingClientRect().top - anchor.offset;
        if (Math.abs(moved) >= 1) scroller.scrollTop += moved;
      }
    }
    if (laidOut()) pageIfNeeded(state);
  }

  /** Near the top or bottom of what is loaded (or a page too short to scroll): fetch the page beyond. */
  function pageIfNeeded(state: AppState): void {
    if (!paging) return;
    if (state.hasOlder && !state.loadingOlder && nearTop()) void controller.loadOlder();
    if (state.hasNewer && !state.loadingNewer && nearBottom()) void controller.loadNewer();
  }

  function nearTop(): boolean {
    return scroller.scrollHeight <= scroller.clientHeight || (!follow && scroller.scrollTop - listTop() < LOAD_OLDER_DISTANCE);
  }

  function nearBottom(): boolean {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < LOAD_NEWER_DISTANCE;
  }

  /** Drops views of messages gone from the conversation, and of far-away ones past the limit. */
  function evict(state: AppState): void {
    const present = new Set(items.map((item) => item.key));
    for (const key of [...cache.keys()]) if (!present.has(key)) cache.delete(key);
    const holding = new Set(items.flatMap((item) => (item.held ? [item.key] : [])));
    for (const key of [...placeholders.keys()]) if (!holding.has(key)) placeholders.delete(key);
    for (const key of [...heights.keys()]) if (!present.has(key)) heights.delete(key);
    if (cache.size <= CACHE_LIMIT) return;
    const rendered = new Set(items.slice(range[0], range[1]).map((item) => item.key));
    for (const key of [...cache.keys()]) {
      if (cache.size <= CACHE_LIMIT) break;
      if (!rendered.has(key) && key !== state.editing) cache.delete(key);
    }
  }

  /**
   * Rebuilds the conversation from the state and draws it (`pagedNewer`: what was added at the
   * end is a page of older history, not something new).
   */
  function reconcile(state: AppState, pagedNewer = false): void {
    if (state.chatSession !== shownSession) {
      shownSession = state.chatSession;
      follow = true;
      heights.clear();
      lastKey = null;
      show(pill, false);
    }
    if (state.hasNewer) follow = false;
    const anchor = follow ? null : captureAnchor();
    items = conversationItems(state);
    const newLast = items.at(-1)?.key ?? null;
    const grew = newLast !== null && newLast !== lastKey && lastKey !== null;
    lastKey = newLast;
    // Everything that takes room goes in before the layout, so following ends at the bottom.
    show(empty, items.length === 0 && !state.loadingChat);
    log.setAttribute("aria-busy", state.loadingChat ? "true" : "false");
    renderOlder(state);
    layout(state, anchor);
    // Something new at the end while the person reads further up.
    if (!follow && grew && !pagedNewer) show(pill, true);
  }

  function renderOlder(state: AppState): void {
    show(older, state.hasOlder && !state.loadingChat);
    older.setAttribute("aria-busy", String(state.loadingOlder));
    const label = older.querySelector(".button-label");
    if (label) label.textContent = state.loadingOlder ? "Loading earlier messages…" : "Load earlier messages";
  }

  function afterContentChange(): void {
    if (follow) scroller.scrollTop = scroller.scrollHeight;
    else show(pill, true);
  }

  /** Scrolls item `index` into view (rendering it first); returns its element. */
  function bringIntoView(index: number): HTMLElement | null {
    const item = items[index];
    if (!item) return null;
    follow = index === items.length - 1 && follow;
    if (!follow) {
      const at = offsets();
      scroller.scrollTop = Math.max(0, listTop() + at[index]! - viewportHeight() / 3);
      layout(controller.store.get(), null);
    }
    const element = cache.get(item.key)?.element ?? null;
    element?.scrollIntoView?.({ block: "nearest" });
    return element;
  }

  /** Brings a message found by search into view and highlights it for a moment. */
  function reveal(messageId: string): void {
    const index = items.findIndex((item) => item.message.id === messageId);
    if (index === -1) return;
    follow = false;
    const element = bringIntoView(index);
    if (!element) return;
    if (laidOut()) {
      // A third of the way down (what led to it shows above), or higher if it is tall.
      const box = element.getBoundingClientRect();
      const viewport = viewportHeight();
      const wanted = Math.max(0, Math.min(viewport / 3, viewport - box.height));
      const moved = box.top - scroller.getBoundingClientRect().top - wanted;
      if (Math.abs(moved) >= 1) scroller.scrollTop += moved;
    }
    element.classList.add("is-revealed");
    window.setTimeout(() => element.classList.remove("is-revealed"), REVEAL_MS);
  }

  // ---------------------------------------------------------------- events

  // Heights settle after layout (code blocks, fonts): keep the bottom in view while following.
  const resizes = typeof ResizeObserver === "function"
    ? new ResizeObserver(() => {
        if (follow) scroller.scrollTop = scroller.scrollHeight;
      })
    : null;
  resizes?.observe(scroller.firstElementChild ?? log);

  scroller.addEventListener("scroll", () => {
    const state = controller.store.get();
    const distance = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
    // Content that grew between a scroll to the bottom and its event is no reason to stop
    // following; the person scrolling up is. The bottom of an older page is not the end.
    if (distance <= STICK_DISTANCE && !state.hasNewer) follow = true;
    else if (scroller.scrollTop < lastScrollTop - 1) follow = false;
    lastScrollTop = scroller.scrollTop;
    if (follow) show(pill, false);
    if (items.length > WINDOW_THRESHOLD) relayout.schedule();
    if (state.hasOlder && !state.loadingOlder && scroller.scrollTop - listTop() < LOAD_OLDER_DISTANCE) {
      void controller.loadOlder();
    }
    if (state.hasNewer && !state.loadingNewer && distance < LOAD_NEWER_DISTANCE) void controller.loadNewer();
  });

  pill.addEventListener("click", () => {
    follow = true;
    show(pill, false);
    layout(controller.store.get());
    scroller.scrollTop = scroller.scrollHeight;
  });

  older.addEventListener("click", () => {
    follow = false;
    void controller.loadOlder();
  });

  log.addEventListener("pointerleave", () => controller.releaseUndoPlaces("message"));
  log.addEventListener("click", (event) => {
    const target = event.target as Element | null;
    const button = target?.closest("button");
    if (!button) return;
    if (button.dataset.undoId) {
      void controller.undoDelete(Number(button.dataset.undoId));
      return;
    }
    const article = button.closest<HTMLElement>("article.message");
    const key = article?.dataset.key ?? "";
    const view = cache.get(key);
    if (button.classList.contains("copy-message")) {
      if (view) void copyWithFeedback(button, view.text);
      return;
    }
    if (button.classList.contains("copy-code")) {
      const code = button.closest(".code-block")?.querySelector("pre code, pre");
      if (code) void copyWithFeedback(button, code.textContent ?? "");
      return;
    }
    const action = button.dataset.action;
    if (!action || !key || button.getAttribute("aria-disabled") === "true") return;
    switch (action) {
      case "edit-save":
        if (view?.draft !== null && view?.draft !== undefined) void controller.saveEdit(key, view.draft);
        return;
      case "edit-cancel":
        controller.cancelEdit();
        return;
    }
    // Versions need the message's place among them; the other actions only its key.
    const message = controller.store.get().messages.find((m) => m.key === key);
    if (!message && action.startsWith("swipe-")) return;
    if (runMessageAction(controller, message ?? { key, swipeIndex: 0, swipeCount: 1 }, action) && action === "edit") {
      view?.focusEditor();
    }
  });

  log.addEventListener("focusin", (event) => {
    const article = (event.target as Element | null)?.closest<HTMLElement>("article.message");
    if (article?.dataset.key) activeKey = article.dataset.key;
  });
  // ↑/↓, Home, End on a message: the focus moves to the message before or after (brought in).
  log.addEventListener("keydown", (event) => {
    const article = event.target as HTMLElement | null;
    if (!article?.matches?.("article.message") || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    const from = items.findIndex((item) => item.key === article.dataset.key);
    let to = rovingTarget(items.length, from, event.key);
    if (to === null) return;
    event.preventDefault();
    const step = to < from || event.key === "End" ? -1 : 1;
    while (items[to]?.held && to + step >= 0 && to + step < items.length) to += step;
    const element = bringIntoView(to);
    if (!element?.matches("article.message")) return;
    activeKey = element.dataset.key ?? null;
    setRovingStop([...log.querySelectorAll<HTMLElement>("article.message")], element);
    element.focus();
  });

  // The inline editor: Enter (or Ctrl+Enter) saves, Shift+Enter adds a line, Esc cancels.
  log.addEventListener("keydown", (event) => {
    const input = event.target as HTMLElement | null;
    if (!(input instanceof HTMLTextAreaElement) || !input.classList.contains("message-editor-input")) return;
    const key = input.closest<HTMLElement>("article.message")?.dataset.key;
    if (!key) return;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      controller.cancelEdit();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      event.stopPropagation();
      void controller.saveEdit(key, input.value);
    }
  });

  const unsubscribe = controller.store.subscribe((state, previous) => {
    const generation = visibleGeneration(state);
    if (generation && generation !== visibleGeneration(previous)) {
      const continued = generation.action === "continue"
        ? state.messages.find((m) => m.key === generation.targetKey)?.content ?? ""
        : "";
      announcer.update(generation.localId, generation.content, generation.done, continued);
    }
    const listChanged =
      state.messages !== previous.messages ||
      state.chatSession !== previous.chatSession ||
      state.chatId !== previous.chatId ||
      state.loadingChat !== previous.loadingChat ||
      state.editing !== previous.editing ||
      state.regenerateOffer !== previous.regenerateOffer ||
      state.undoStack !== previous.undoStack ||
      isGenerating(state) !== isGenerating(previous) ||
      (generation === null) !== (visibleGeneration(previous) === null);
    // A message found by search: its page lands with it; no paging until it is in view.
    const revealing = state.reveal !== null && state.reveal !== previous.reveal;
    paging = !revealing;
    if (listChanged) {
      // A reply that just ended: paint its final state now, not a frame later.
      scheduler.cancel();
      reconcile(state, previous.loadingNewer && !state.loadingNewer);
      if (generation) paintStreaming();
    } else if (generation && generation !== visibleGeneration(previous)) {
      if (generation.done) {
        scheduler.cancel();
        paintStreaming();
      } else {
        scheduler.schedule();
      }
    }
    if (state.hasOlder !== previous.hasOlder || state.loadingOlder !== previous.loadingOlder) renderOlder(state);
    if (revealing && state.reveal) {
      reveal(state.reveal.messageId);
      paging = true;
      if (laidOut()) pageIfNeeded(state);
    }
    if (state.editing !== null && state.editing !== previous.editing) {
      // The message to edit may be out of view (↑ while reading further up): bring it in first.
      const editing = state.editing;
      if (!cache.get(editing)?.element.isConnected) bringIntoView(items.findIndex((item) => item.key === editing));
      cache.get(editing)?.focusEditor();
    }
  });

  reconcile(controller.store.get());

  return () => {
    unsubscribe();
    scheduler.cancel();
    relayout.cancel();
    resizes?.disconnect();
  };
}

function setHeight(element: HTMLElement, pixels: number): void {
  const value = pixels > 0 ? `${Math.round(pixels)}px` : "";
  // The CSP allows style properties set from script (not `style=` attributes).
  if (element.style.height !== value) element.style.height = value;
}

/** Makes `parent`'s children exactly `wanted`, moving as few nodes as possible. */
function syncChildren(parent: HTMLElement, wanted: readonly HTMLElement[]): void {
  wanted.forEach((element, index) => {
    const current = parent.children[index];
    if (current !== element) parent.insertBefore(element, current ?? null);
  });
  while (parent.children.length > wanted.length) parent.lastElementChild?.remove();
}
