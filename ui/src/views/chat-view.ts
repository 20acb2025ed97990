/**
 * The conversation: the message log, the empty-chat hint and the "↓ new text" pill.
 *
 * - Finished messages are `MessageView`s cached by their stable key; a chat switch or a new
 *   message only moves or adds elements.
 * - The streaming reply is painted by a frame scheduler: every delta updates the state, and the
 *   reply is re-rendered at most once per animation frame. Its view is cached under the reply's
 *   local key from the start, so when it ends it simply stays in place as a finished message.
 * - The view follows the bottom while the person is there; once they scroll up it stays put and
 *   shows the pill instead.
 */

import type { AppState } from "../state/app-state";
import { visibleGeneration } from "../state/app-state";
import type { Controller } from "../state/controller";
import { type Generation, liveStatus } from "../state/generation";
import { fromGeneration } from "../state/messages";
import { createFrameScheduler, type FrameClock } from "../render/frame";
import { MessageView } from "../render/message-view";
import { copyWithFeedback, h, show } from "./dom";
import { shortcutHint } from "./keys";

/** Within this many pixels of the bottom counts as "at the bottom". */
const STICK_DISTANCE = 48;

export interface ChatViewElements {
  /** The scrolling container. */
  scroller: HTMLElement;
  /** `#messages`, the log. */
  log: HTMLElement;
  /** The "↓ new text" pill. */
  pill: HTMLButtonElement;
  /** The hint shown in an empty chat. */
  empty: HTMLElement;
}

/** Builds the conversation's elements. */
export function createChatElements(): ChatViewElements {
  const log = h("div", {
    id: "messages",
    class: "messages",
    role: "log",
    "aria-live": "polite",
    "aria-label": "Conversation",
    "aria-relevant": "additions text",
  });
  const empty = h("div", { class: "empty-hint", id: "empty-hint" },
    h("h2", { class: "empty-title", text: "Start a conversation" }),
    h("p", { text: "Type a message below. A few keys that help:" }),
    shortcutHint(),
  );
  const scroller = h("div", { class: "conversation", tabindex: "-1" }, h("div", { class: "conversation-inner" }, empty, log));
  const pill = h("button", { id: "new-text-pill", class: "new-text-pill", type: "button", hidden: true, text: "↓ new text" });
  return { scroller, log, pill, empty };
}

/** Draws the conversation from the store; returns a function that stops it. */
export function mountChatView(
  elements: ChatViewElements,
  controller: Controller,
  clock?: FrameClock,
): () => void {
  const { scroller, log, pill, empty } = elements;
  const cache = new Map<string, MessageView>();
  let follow = true;
  let shownSession = -1;

  const paintStreaming = (): void => {
    const generation = visibleGeneration(controller.store.get());
    if (!generation) return;
    viewFor(generation).update(fromGeneration(generation), { status: liveStatus(generation) });
    afterContentChange();
  };
  const scheduler = createFrameScheduler(paintStreaming, clock);

  function viewFor(generation: Generation): MessageView {
    let view = cache.get(generation.localId);
    if (!view) {
      view = new MessageView(fromGeneration(generation));
      cache.set(generation.localId, view);
    }
    return view;
  }

  /** Puts exactly the current messages (and the streaming reply) in the log, in order. */
  function reconcile(state: AppState): void {
    if (state.chatSession !== shownSession) {
      shownSession = state.chatSession;
      follow = true;
      show(pill, false);
    }
    const wanted: HTMLElement[] = [];
    const keep = new Set<string>();
    for (const message of state.messages) {
      let view = cache.get(message.key);
      if (view) view.update(message);
      else {
        view = new MessageView(message);
        cache.set(message.key, view);
      }
      keep.add(message.key);
      wanted.push(view.element);
    }
    const generation = visibleGeneration(state);
    if (generation) {
      keep.add(generation.localId);
      wanted.push(viewFor(generation).element);
    }
    for (const key of [...cache.keys()]) if (!keep.has(key)) cache.delete(key);
    syncChildren(log, wanted);
    show(empty, wanted.length === 0 && !state.loadingChat);
    log.setAttribute("aria-busy", state.loadingChat ? "true" : "false");
    afterContentChange();
  }

  function afterContentChange(): void {
    if (follow) scroller.scrollTop = scroller.scrollHeight;
    else show(pill, true);
  }

  // Heights settle after layout (code blocks, off-screen messages measured late): keep the
  // bottom in view while following.
  const resizes = typeof ResizeObserver === "function"
    ? new ResizeObserver(() => {
        if (follow) scroller.scrollTop = scroller.scrollHeight;
      })
    : null;
  resizes?.observe(log);

  scroller.addEventListener("scroll", () => {
    const distance = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
    follow = distance <= STICK_DISTANCE;
    if (follow) show(pill, false);
  });

  pill.addEventListener("click", () => {
    follow = true;
    show(pill, false);
    scroller.scrollTop = scroller.scrollHeight;
  });

  log.addEventListener("click", (event) => {
    const target = event.target as Element | null;
    const button = target?.closest("button");
    if (!button) return;
    if (button.classList.contains("copy-message")) {
      const article = button.closest("article.message");
      const view = [...cache.values()].find((v) => v.element === article);
      if (view) void copyWithFeedback(button, view.text);
    } else if (button.classList.contains("copy-code")) {
      const code = button.closest(".code-block")?.querySelector("pre code, pre");
      if (code) void copyWithFeedback(button, code.textContent ?? "");
    }
  });

  const unsubscribe = controller.store.subscribe((state, previous) => {
    const generation = visibleGeneration(state);
    const listChanged =
      state.messages !== previous.messages ||
      state.chatSession !== previous.chatSession ||
      state.loadingChat !== previous.loadingChat ||
      (generation === null) !== (visibleGeneration(previous) === null);
    if (listChanged) {
      // A reply that just ended: paint its final state now, not a frame later.
      scheduler.cancel();
      reconcile(state);
      if (generation) paintStreaming();
      return;
    }
    if (generation && generation !== visibleGeneration(previous)) {
      if (generation.done) {
        scheduler.cancel();
        paintStreaming();
      } else {
        scheduler.schedule();
      }
    }
  });

  reconcile(controller.store.get());

  return () => {
    unsubscribe();
    scheduler.cancel();
    resizes?.disconnect();
  };
}

/** Makes `parent`'s children exactly `wanted`, moving as few nodes as possible. */
function syncChildren(parent: HTMLElement, wanted: readonly HTMLElement[]): void {
  wanted.forEach((element, index) => {
    const current = parent.children[index];
    if (current !== element) parent.insertBefore(element, current ?? null);
  });
  while (parent.children.length > wanted.length) parent.lastElementChild?.remove();
}
