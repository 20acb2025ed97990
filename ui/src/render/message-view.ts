/**
 * One message's element, and how it is kept up to date.
 *
 * A `MessageView` re-renders its markdown only when the text changed, so a finished message is
 * rendered once and then reused by the chat view's cache; only the streaming reply is painted
 * again (at most once per frame, see `frame.ts`). User messages are shown as plain text; replies
 * as sanitised markdown.
 *
 * Element contract (end-to-end tests rely on it): `article.message` with `data-role`,
 * `data-state` and `data-message-id`; the text in `.message-content`; reasoning in a collapsed
 * `details.reasoning`; a `.copy-message` button; errors in `.message-error`; the queue line in
 * `[data-testid="queue-status"]`; the "older messages were left out" notice in
 * `[data-testid="history-trimmed"]`; the pages a reply cites in `[data-testid="message-sources"]`
 * (`sources-view.ts`), under the text.
 *
 * Actions (a toolbar shown on hover and keyboard focus; the chat view takes its buttons out of
 * the Tab order, since the message is the Tab stop and its menu offers the same actions): each
 * button has `data-action` (the chat view handles the clicks) and a stable `data-testid`:
 * `regenerate`, `continue-reply`, `edit-message`, `branch-chat`, `delete-message` (at once,
 * with Undo in the toast), and on replies with several versions `swipe-prev`, `swipe-counter`
 * ("2/3") and `swipe-next`. The inline editor has `edit-save` and `edit-cancel`; after an edit of
 * the last user message, `regenerate-from-here`. Buttons that cannot act now are
 * `aria-disabled`, never `disabled`, so the keyboard focus stays on them.
 */

import type { AttachmentInfo, Role } from "../api";
import { MarkdownView } from "./markdown-view";
import { renderSources, sourcesKey } from "./sources-view";
import { describeError } from "../state/errors";
import { replyNotice } from "../state/generation";
import { type MessageActions, NO_ACTIONS, swipeLabel, wasCutOff } from "../state/history";
import { stateLabel, type UiMessage } from "../state/messages";
import { append, h, setData, setText, show } from "../views/dom";

const AUTHOR: Record<Role, string> = { user: "You", assistant: "Assistant", system: "System", tool: "Tool" };

/** A toolbar button: `data-action` for the chat view, `data-testid` for end-to-end tests. */
function actionButton(action: string, testId: string, text: string, label: string, className = "message-action"): HTMLButtonElement {
  return h("button", {
    type: "button",
    class: className,
    text,
    title: label,
    "aria-label": label,
    dataset: { action },
    "data-testid": testId,
  });
}

/** Marks a button as unable to act now without taking the keyboard focus off it. */
function setDisabled(button: HTMLButtonElement, disabled: boolean): void {
  if (disabled) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
}

/** Extra state only a streaming reply has. */
export interface LiveState {
  /** A line about the wait (a queue position), or null. */
  status: string | null;
}

/** Where a message stands in its conversation: what it offers, and whether it is being edited. */
export interface MessageContext {
  readonly actions: MessageActions;
  /** The inline editor is open on it. */
  readonly editing: boolean;
  /** "Regenerate from here" is offered under it (after an edit). */
  readonly offerRegenerate: boolean;
  /** A reply is being written: actions that would start or change one wait. */
  readonly busy: boolean;
}

export const PLAIN_CONTEXT: MessageContext = { actions: NO_ACTIONS, editing: false, offerRegenerate: false, busy: false };

/** Draws a message's attachments (thumbnails and file chips), or null when it has none. */
export type AttachmentsRenderer = (attachments: readonly AttachmentInfo[]) => HTMLElement | null;

export class MessageView {
  readonly element: HTMLElement;
  private readonly model: HTMLElement;
  private readonly badge: HTMLElement;
  /** The queue line, created the first time the reply waits in a queue. */
  private status: HTMLElement | null = null;
  /** The "older messages were left out" note, present only while there is one. */
  private notice: HTMLElement | null = null;
  private readonly content: HTMLElement;
  private readonly error: HTMLElement;
  private reasoning: HTMLDetailsElement | null = null;
  private reasoningText: HTMLElement | null = null;
  private renderedContent: string | null = null;
  private renderedStreaming = false;
  /** The reply's rendered blocks (assistant messages). */
  private markdown: MarkdownView | null = null;
  private renderedReasoning: string | null = null;
  private errorKey: string | null = null;
  /** The "Sources" list under the text, present only while there are sources. */
  private sources: HTMLElement | null = null;
  private renderedSources = "[]";
  /** The raw text, for the copy button. */
  private raw = "";
  private readonly swipes: HTMLElement;
  private readonly swipePrev: HTMLButtonElement;
  private readonly swipeNext: HTMLButtonElement;
  private readonly swipeCounter: HTMLElement;
  private readonly continueButton: HTMLButtonElement;
  private readonly actionButtons: Record<"regenerate" | "edit" | "branch" | "delete", HTMLButtonElement>;
  private readonly toolbar: HTMLElement;
  private editor: { root: HTMLElement; input: HTMLTextAreaElement } | null = null;
  private offer: HTMLElement | null = null;
  private context: MessageContext = PLAIN_CONTEXT;
  /** The attachments drawn (their ids), and their strip. */
  private attachmentIds = "";
  private attachments: HTMLElement | null = null;

  constructor(message: UiMessage, context: MessageContext = PLAIN_CONTEXT, private readonly drawAttachments: AttachmentsRenderer | null = null) {
    const own = message.role === "user" ? "your message" : "reply";
    this.model = h("span", { class: "message-model" });
    this.badge = h("span", { class: "message-badge" });
    this.content = h("div", { class: message.role === "assistant" ? "message-content markdown" : "message-content" });
    this.error = h("div", { class: "message-error", role: "note", hidden: true });
    const copy = h("button", {
      type: "button",
      class: "copy-message message-action",
      text: "Copy",
      "aria-label": `Copy ${own}`,
    });
    this.swipePrev = actionButton("swipe-prev", "swipe-prev", "‹", "Previous version", "swipe-arrow");
    this.swipeNext = actionButton("swipe-next", "swipe-next", "›", "Next version", "swipe-arrow");
    this.swipeCounter = h("span", { class: "swipe-counter", "data-testid": "swipe-counter" });
    this.swipes = h("span", { class: "swipe-controls", role: "group", "aria-label": "Versions", hidden: true },
      this.swipePrev, this.swipeCounter, this.swipeNext);
    this.continueButton = actionButton("continue", "continue-reply", "Continue", "Continue this reply", "message-action continue-reply");
    this.actionButtons = {
      regenerate: actionButton("regenerate", "regenerate", "Regenerate", "Write a new version of this reply"),
      edit: actionButton("edit", "edit-message", "Edit", `Edit ${own}`),
      branch: actionButton("branch", "branch-chat", "Branch", "Start a new chat from here"),
      delete: actionButton("delete", "delete-message", "Delete", `Delete ${own}`),
    };
    const { regenerate, edit, branch, delete: remove } = this.actionButtons;
    this.toolbar = h("div", { class: "message-actions", role: "group", "aria-label": "Message actions" },
      regenerate, edit, branch, remove, copy);
    this.element = h(
      "article",
      { class: "message", dataset: { role: message.role, state: message.state, messageId: message.id ?? "", key: message.key } },
      h("header", { class: "message-meta" },
        h("span", { class: "message-author", text: message.name || AUTHOR[message.role] }),
        this.model,
        this.badge,
      ),
      this.content,
      this.error,
      h("footer", { class: "message-footer" }, this.swipes, this.continueButton, this.toolbar),
    );
    this.update(message, null, context);
  }

  /** The message's text as written (markdown source for replies). */
  get text(): string {
    return this.raw;
  }

  /** The text in the inline editor, while it is open. */
  get draft(): string | null {
    return this.editor?.input.value ?? null;
  }

  /** Brings the element up to date; cheap when nothing changed. `context`: as before when left out. */
  update(message: UiMessage, live: LiveState | null = null, context: MessageContext = this.context): void {
    this.context = context;
    const streaming = message.state === "streaming";
    setData(this.element, "state", message.state);
    setData(this.element, "messageId", message.id ?? "");
    setData(this.element, "key", message.key);
    if (streaming) this.element.setAttribute("aria-busy", "true");
    else this.element.removeAttribute("aria-busy");

    setText(this.model, message.role === "assistant" && message.model ? message.model : "");
    const label = stateLabel(message.state, message.content !== "", message.stopReason);
    setText(this.badge, label ?? "");
    show(this.badge, label !== null);

    this.updateStatus(live?.status ?? null);
    this.updateNotice(replyNotice(message));

    this.updateAttachments(message.attachments ?? []);
    this.updateReasoning(message.reasoning ?? "", streaming && message.content === "");
    this.updateContent(message);
    this.updateError(message);
    this.updateSources(message);
    this.updateActions(message, context);
    this.updateEditor(message, context.editing);
    this.updateOffer(context.offerRegenerate);
    this.raw = message.content;
  }

  private updateActions(message: UiMessage, context: MessageContext): void {
    const { actions, busy } = context;
    const cutOff = message.role === "assistant" && wasCutOff(message);
    if (cutOff) this.element.dataset.cutOff = "true";
    else delete this.element.dataset.cutOff;
    show(this.actionButtons.regenerate, actions.regenerate);
    show(this.continueButton, actions.continue);
    show(this.actionButtons.edit, actions.edit && !context.editing);
    show(this.actionButtons.branch, actions.branch);
    show(this.actionButtons.delete, actions.delete);
    for (const button of [this.actionButtons.regenerate, this.continueButton, this.actionButtons.edit, this.actionButtons.delete]) {
      setDisabled(button, busy);
    }
    show(this.swipes, actions.swipes);
    if (actions.swipes) {
      setText(this.swipeCounter, swipeLabel(message));
      this.swipeCounter.setAttribute("aria-label", `Version ${message.swipeIndex + 1} of ${message.swipeCount}`);
      const atEnd = message.swipeIndex >= message.swipeCount - 1;
      setDisabled(this.swipePrev, busy || message.swipeIndex <= 0);
      setDisabled(this.swipeNext, busy || (atEnd && !actions.swipeGenerates));
      const nextLabel = atEnd ? "Write a new version" : "Next version";
      if (this.swipeNext.title !== nextLabel) {
        this.swipeNext.title = nextLabel;
        this.swipeNext.setAttribute("aria-label", nextLabel);
      }
    }
  }

  private updateEditor(message: UiMessage, editing: boolean): void {
    if (!editing) {
      if (!this.editor) return;
      const hadFocus = this.editor.root.contains(document.activeElement);
      this.editor.root.remove();
      this.editor = null;
      show(this.content, true);
      if (hadFocus && !this.actionButtons.edit.hidden) this.actionButtons.edit.focus();
      return;
    }
    if (this.editor) return;
    const input = h("textarea", {
      class: "message-editor-input",
      value: message.content,
      rows: 3,
      "aria-label": message.role === "user" ? "Edit your message" : "Edit the reply",
      "aria-keyshortcuts": "Enter Escape",
      spellcheck: true,
    });
    const root = h("div", { class: "message-editor" },
      input,
      h("div", { class: "message-editor-actions" },
        h("span", { class: "message-editor-hint", text: "Enter saves · Shift+Enter new line · Esc cancels" }),
        actionButton("edit-cancel", "edit-cancel", "Cancel", "Cancel the edit", "button"),
        actionButton("edit-save", "edit-save", "Save", "Save the edit", "button primary"),
      ),
    );
    this.editor = { root, input };
    this.element.insertBefore(root, this.content);
    show(this.content, false);
    const fit = (): void => {
      input.style.height = "auto";
      input.style.height = `${Math.min(input.scrollHeight + 2, Math.round(window.innerHeight * 0.6))}px`;
    };
    input.addEventListener("input", fit);
    if (this.element.isConnected) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
      fit();
    }
  }

  /** Focuses the editor's text (once the element is in the document). */
  focusEditor(): void {
    if (!this.editor) return;
    this.editor.input.focus();
    const end = this.editor.input.value.length;
    this.editor.input.setSelectionRange(end, end);
  }

  private updateOffer(offer: boolean): void {
    if (!offer) {
      this.offer?.remove();
      this.offer = null;
      return;
    }
    if (this.offer) return;
    this.offer = h("div", { class: "message-offer" },
      actionButton("regenerate-from-here", "regenerate-from-here", "Regenerate from here", "Write a new version of the reply to this message", "button"),
    );
    this.element.insertBefore(this.offer, this.element.querySelector(".message-footer"));
  }

  /** Puts a line just above the text (below the reasoning and any line placed before it). */
  private placeAbove(element: HTMLElement): void {
    this.element.insertBefore(element, this.content);
  }

  private updateStatus(text: string | null): void {
    if (text === null) {
      if (this.status) show(this.status, false);
      return;
    }
    if (!this.status) {
      this.status = h("p", { class: "message-status", "data-testid": "queue-status" });
      this.placeAbove(this.status);
    }
    setText(this.status, text);
    show(this.status, true);
  }

  private updateNotice(text: string | null): void {
    if (text === null) {
      this.notice?.remove();
      this.notice = null;
      return;
    }
    if (!this.notice) {
      this.notice = h("p", { class: "message-notice", role: "note", "data-testid": "history-trimmed" });
      this.placeAbove(this.notice);
    }
    setText(this.notice, text);
  }

  private updateContent(message: UiMessage): void {
    const text = message.content;
    const waiting = message.state === "streaming" && text === "";
    this.content.classList.toggle("is-streaming", message.state === "streaming");
    this.content.classList.toggle("is-waiting", waiting);
    const streaming = message.state === "streaming";
    if (text === this.renderedContent && streaming === this.renderedStreaming) return;
    this.renderedContent = text;
    this.renderedStreaming = streaming;
    if (message.role === "assistant") {
      this.markdown ??= new MarkdownView(this.content);
      this.markdown.set(text, streaming);
    } else {
      this.content.textContent = text;
    }
  }

  /** The images and files sent with the message, above its text (drawn again only when they change). */
  private updateAttachments(attachments: readonly AttachmentInfo[]): void {
    const ids = attachments.map((a) => a.id).join(",");
    if (ids === this.attachmentIds || !this.drawAttachments) return;
    this.attachmentIds = ids;
    const strip = this.drawAttachments(attachments);
    if (strip) {
      if (this.attachments) this.attachments.replaceWith(strip);
      else this.element.insertBefore(strip, this.element.querySelector(".message-meta")?.nextSibling ?? this.content);
    } else this.attachments?.remove();
    this.attachments = strip;
  }

  private updateReasoning(text: string, thinking: boolean): void {
    if (text === "") {
      if (this.reasoning) show(this.reasoning, false);
      return;
    }
    if (!this.reasoning || !this.reasoningText) {
      this.reasoningText = h("div", { class: "reasoning-content" });
      this.reasoning = h("details", { class: "reasoning" }, h("summary", { text: "Reasoning" }), this.reasoningText);
      // Reasoning comes first, above a queue line or note already there.
      this.element.insertBefore(this.reasoning, this.status ?? this.notice ?? this.content);
    }
    show(this.reasoning, true);
    setText(this.reasoning.querySelector("summary") as HTMLElement, thinking ? "Thinking…" : "Reasoning");
    if (text !== this.renderedReasoning) {
      this.renderedReasoning = text;
      this.reasoningText.textContent = text;
    }
  }

  private updateSources(message: UiMessage): void {
    const key = sourcesKey(message.sources ?? []);
    if (key === this.renderedSources) return;
    this.renderedSources = key;
    const next = renderSources(message.sources ?? []);
    if (this.sources && next) this.sources.replaceWith(next);
    else if (this.sources) this.sources.remove();
    else if (next) this.element.insertBefore(next, this.error.nextSibling);
    this.sources = next;
  }

  private updateError(message: UiMessage): void {
    const error = message.error;
    const key = error ? `${error.kind}:${error.message}:${error.detail ?? ""}` : null;
    if (key === this.errorKey) return;
    this.errorKey = key;
    if (!error || error.kind === "cancelled") {
      this.error.replaceChildren();
      show(this.error, false);
      return;
    }
    const description = describeError(error);
    this.error.replaceChildren();
    append(
      this.error,
      h("p", { class: "message-error-text", text: description.text }),
      description.hint ? h("p", { class: "message-error-hint", text: description.hint }) : null,
      description.detail ? h("p", { class: "message-error-detail", text: description.detail }) : null,
    );
    setData(this.error, "kind", error.kind);
    show(this.error, true);
  }
}
