/**
 * Messages as the chat view shows them: stored ones and the finished in-flight reply alike.
 *
 * `key` is stable for the life of a message in the view (the stored id when there is one), so
 * rendered elements can be cached by it instead of by position.
 */

import type { AttachmentInfo, HistoryTrimmed, IpcError, MessageState, Role, SourceLink, StopReason, StoredMessage, Usage } from "../api";
import type { Generation } from "./generation";

/** One message in the conversation view. */
export interface UiMessage {
  /** Stable cache key: the stored id, or a local id until the backend assigns one. */
  readonly key: string;
  readonly id: string | null;
  /** Position in the chat, once stored and loaded (pages of history start before the first). */
  readonly seq: number | null;
  readonly role: Role;
  /** The speaker's name, when it has one (imported and group chats). */
  readonly name: string | null;
  readonly content: string;
  readonly reasoning: string | null;
  readonly state: MessageState;
  readonly model: string | null;
  readonly error: IpcError | null;
  readonly stopReason: StopReason | null;
  readonly usage: Usage | null;
  /** Older messages left out of this reply's prompt (known only for replies of this session). */
  readonly historyTrimmed: HistoryTrimmed | null;
  /** The server cut this reply's prompt and read only this many tokens (this session only). */
  readonly promptCut?: number | null;
  /** Which version (swipe) is shown, from 0. */
  readonly swipeIndex: number;
  /** How many versions it has; 1 when it was never regenerated. */
  readonly swipeCount: number;
  /** The pages the version shown cites, numbered from 1 in this order (none when absent). */
  readonly sources?: readonly SourceLink[];
  /** The images and files sent with it (none when left out). */
  readonly attachments?: readonly AttachmentInfo[];
}

/** A message loaded from the store. */
export function fromStored(message: StoredMessage): UiMessage {
  return {
    key: message.id,
    id: message.id,
    seq: message.seq,
    role: message.role,
    name: message.name ?? null,
    content: message.content,
    reasoning: message.reasoning || null,
    state: message.state,
    model: message.model,
    error: message.error,
    stopReason: null,
    usage: null,
    historyTrimmed: null,
    swipeIndex: message.swipeIndex,
    swipeCount: Math.max(1, message.swipeCount),
    sources: message.sources ?? [],
    attachments: message.attachments ?? [],
  };
}

/** A message as the backend returned it after a change, under the key it is shown with. */
export function restored(message: StoredMessage, key: string): UiMessage {
  return { ...fromStored(message), key };
}

/** The user's own message, shown before the backend has stored it. */
export function pendingUserMessage(localKey: string, content: string, attachments: readonly AttachmentInfo[] = []): UiMessage {
  return {
    key: localKey,
    id: null,
    seq: null,
    role: "user",
    name: null,
    content,
    reasoning: null,
    state: "complete",
    model: null,
    error: null,
    stopReason: null,
    usage: null,
    historyTrimmed: null,
    swipeIndex: 0,
    swipeCount: 1,
    attachments,
  };
}

/**
 * The in-flight reply as a message. Its key stays the local one even after the backend names
 * it, so the element that showed it streaming is the one that stays once it has ended. (A new
 * version of a reply, or more of one, uses the key of the message it writes.)
 */
export function fromGeneration(generation: Generation): UiMessage {
  return {
    key: generation.localId,
    id: generation.messageId,
    seq: generation.seq,
    role: "assistant",
    name: null,
    content: generation.content,
    reasoning: generation.reasoning || null,
    state: generation.state,
    model: generation.model,
    error: generation.error,
    stopReason: generation.stopReason,
    usage: generation.usage,
    historyTrimmed: generation.historyTrimmed,
    promptCut: generation.promptCut,
    swipeIndex: generation.swipeIndex,
    swipeCount: generation.swipeCount,
    sources: generation.sources,
  };
}

/** The badge next to a message, or null for an ordinary finished one. */
export function stateLabel(state: MessageState, hasText: boolean, stopReason: StopReason | null = null): string | null {
  switch (state) {
    case "complete":
      if (stopReason === "length") return "cut off at the length limit";
      if (stopReason === "contentFilter") return "stopped by the content filter";
      return null;
    case "streaming":
      return "writing…";
    case "stopped":
      return "stopped";
    case "interrupted":
      return "interrupted";
    case "failed":
      return hasText ? "interrupted" : "failed";
  }
}
