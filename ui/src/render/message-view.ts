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
 * `[data-testid="history-trimmed"]`.
 */

import type { Role } from "../api";
import { renderMarkdown } from "../markdown";
import { describeError } from "../state/errors";
import { historyTrimmedLabel } from "../state/generation";
import { stateLabel, type UiMessage } from "../state/messages";
import { append, h, setData, setText, show } from "../views/dom";

const AUTHOR: Record<Role, string> = { user: "You", assistant: "Assistant", system: "System", tool: "Tool" };

/** Extra state only a streaming reply has. */
export interface LiveState {
  /** A line about the wait (a queue position), or null. */
  status: string | null;
}

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
  private renderedReasoning: string | null = null;
  private errorKey: string | null = null;
  /** The raw text, for the copy button. */
  private raw = "";

  constructor(message: UiMessage) {
    this.model = h("span", { class: "message-model" });
    this.badge = h("span", { class: "message-badge" });
    this.content = h("div", { class: message.role === "assistant" ? "message-content markdown" : "message-content" });
    this.error = h("div", { class: "message-error", role: "note", hidden: true });
    const copy = h("button", {
      type: "button",
      class: "copy-message",
      text: "Copy",
      "aria-label": `Copy ${message.role === "user" ? "your message" : "reply"}`,
    });
    this.element = h(
      "article",
      { class: "message", dataset: { role: message.role, state: message.state, messageId: message.id ?? "" } },
      h("header", { class: "message-meta" },
        h("span", { class: "message-author", text: AUTHOR[message.role] }),
        this.model,
        this.badge,
        copy,
      ),
      this.content,
      this.error,
    );
    this.update(message);
  }

  /** The message's text as written (markdown source for replies). */
  get text(): string {
    return this.raw;
  }

  /** Brings the element up to date; cheap when nothing changed. */
  update(message: UiMessage, live: LiveState | null = null): void {
    const streaming = message.state === "streaming";
    setData(this.element, "state", message.state);
    setData(this.element, "messageId", message.id ?? "");
    if (streaming) this.element.setAttribute("aria-busy", "true");
    else this.element.removeAttribute("aria-busy");

    setText(this.model, message.role === "assistant" && message.model ? message.model : "");
    const label = stateLabel(message.state, message.content !== "", message.stopReason);
    setText(this.badge, label ?? "");
    show(this.badge, label !== null);

    this.updateStatus(live?.status ?? null);
    this.updateNotice(message.historyTrimmed ? historyTrimmedLabel(message.historyTrimmed) : null);

    this.updateReasoning(message.reasoning ?? "", streaming && message.content === "");
    this.updateContent(message);
    this.updateError(message);
    this.raw = message.content;
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
    if (text === this.renderedContent) return;
    this.renderedContent = text;
    if (message.role === "assistant") {
      this.content.replaceChildren(renderMarkdown(text));
    } else {
      this.content.textContent = text;
    }
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
