/**
 * Conversations that last: pure helpers for the chat list (order, search words) and for what
 * can be done with each message (new versions, more text, edits, branches).
 */

import type { Chat, SnippetPart, StoredMessage } from "../api";
import type { UiMessage } from "./messages";

/** How many messages a page of history holds (the core's `store::PAGE_SIZE`). */
export const PAGE_SIZE = 100;

/** Chats as the sidebar lists them: pinned ones first, then the most recently changed. */
export function sortChats(chats: readonly Chat[]): Chat[] {
  return [...chats].sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt);
}

/** Whether a page of history loaded before the first message leaves more before it. */
export function moreBefore(page: readonly StoredMessage[]): boolean {
  const first = page[0];
  return page.length >= PAGE_SIZE && first !== undefined && first.seq > 0;
}

/** The words of a search: split at white space, each once whatever its case (as the core's search). */
export function searchWords(query: string): string[] {
  const seen = new Set<string>();
  return query.split(/\s+/u).filter((word) => {
    const key = word.toLowerCase();
    if (word === "" || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether `text` holds every word of `query`, in any order and case; an empty query fits all. */
export function hasEveryWord(text: string, query: string): boolean {
  const lower = text.toLowerCase();
  return searchWords(query).every((word) => lower.includes(word.toLowerCase()));
}

/**
 * `text` in runs with every occurrence of the query's words marked, as the core marks a
 * snippet (any case; overlapping occurrences joined): how the dev mock answers a search.
 */
export function markWords(text: string, query: string): SnippetPart[] {
  const lower = text.toLowerCase();
  const marked = new Array<boolean>(text.length).fill(false);
  // Lower case can change the length of a few characters; then only the exact case is found.
  const haystack = lower.length === text.length ? lower : text;
  for (const word of searchWords(query)) {
    const needle = haystack === lower ? word.toLowerCase() : word;
    for (let at = haystack.indexOf(needle); at !== -1 && needle !== ""; at = haystack.indexOf(needle, at + 1)) {
      marked.fill(true, at, at + needle.length);
    }
  }
  const parts: SnippetPart[] = [];
  for (let i = 0; i < text.length; ) {
    let j = i;
    while (j < text.length && marked[j] === marked[i]) j++;
    parts.push({ text: text.slice(i, j), matched: marked[i]! });
    i = j;
  }
  return parts;
}

/** The last message, if it is a reply. */
export function lastReply(messages: readonly UiMessage[]): UiMessage | null {
  const last = messages.at(-1);
  return last && last.role === "assistant" ? last : null;
}

/** The last message (`role`: the last one of that role). */
export function lastMessage(messages: readonly UiMessage[], role: UiMessage["role"] | null = null): UiMessage | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (role === null || message.role === role) return message;
  }
  return null;
}

/** The message after the one with `key`, if any. */
export function messageAfter(messages: readonly UiMessage[], key: string): UiMessage | null {
  const index = messages.findIndex((m) => m.key === key);
  return index === -1 ? null : (messages[index + 1] ?? null);
}

/** Whether a reply ended before it was done: stopped, interrupted or failed. */
export function wasCutOff(message: UiMessage): boolean {
  return message.state === "stopped" || message.state === "interrupted" || message.state === "failed";
}

/** What a message's toolbar offers. */
export interface MessageActions {
  /** A new version of the last reply (the versions before stay as swipes). */
  readonly regenerate: boolean;
  /** More of a reply that was cut off, or of the last one. */
  readonly continue: boolean;
  /** ‹ n/m › between the versions of a reply. */
  readonly swipes: boolean;
  /** "›" on the last version writes a new one (the last reply only). */
  readonly swipeGenerates: boolean;
  readonly edit: boolean;
  readonly delete: boolean;
  /** A new chat with the history up to here. */
  readonly branch: boolean;
}

export const NO_ACTIONS: MessageActions = {
  regenerate: false,
  continue: false,
  swipes: false,
  swipeGenerates: false,
  edit: false,
  delete: false,
  branch: false,
};

/**
 * What can be done with `message`. `isLast`: it ends the conversation (no reply streams after
 * it); `chatStored`: the chat has been saved (it has an id). A message not stored yet, or one
 * being written, offers nothing.
 */
export function actionsFor(message: UiMessage, context: { isLast: boolean; chatStored: boolean }): MessageActions {
  if (message.id === null || message.state === "streaming" || !context.chatStored) return NO_ACTIONS;
  const reply = message.role === "assistant";
  return {
    regenerate: reply && context.isLast,
    continue: reply && message.content !== "" && (context.isLast || wasCutOff(message)),
    swipes: reply && message.swipeCount > 1,
    swipeGenerates: reply && context.isLast,
    edit: true,
    delete: true,
    branch: true,
  };
}

/** The counter between the swipe arrows: "2/3". */
export function swipeLabel(message: Pick<UiMessage, "swipeIndex" | "swipeCount">): string {
  return `${message.swipeIndex + 1}/${message.swipeCount}`;
}
