/**
 * The dev mock's pages of history, as the core cuts them: the latest page, the page before or
 * after a `seq`, and the page around a message (about half before it, the rest from it on).
 *
 * Pure functions over a chat's messages (oldest first); copies, so callers cannot change the
 * mock's own. Never part of a production build.
 */

import type { StoredMessage } from "../api";
import { PAGE_SIZE } from "../state/history";
import { ipcError } from "./mock-wire";

const copies = (list: readonly StoredMessage[]): StoredMessage[] => list.map((m) => ({ ...m }));

/** The latest page, and whether older messages exist. */
export function latestPage(list: readonly StoredMessage[]): { messages: StoredMessage[]; hasOlder: boolean } {
  const page = list.slice(-PAGE_SIZE);
  return { messages: copies(page), hasOlder: list.length > page.length };
}

/** The page before `seq`, oldest first; empty at the start. */
export function pageBefore(list: readonly StoredMessage[], seq: number): StoredMessage[] {
  return copies(list.filter((m) => m.seq < seq).slice(-PAGE_SIZE));
}

/** The page after `seq`, oldest first; empty at the end. */
export function pageAfter(list: readonly StoredMessage[], seq: number): StoredMessage[] {
  return copies(list.filter((m) => m.seq > seq).slice(0, PAGE_SIZE));
}

/** The page holding `messageId`, and whether older and newer messages exist. */
export function pageAround(
  list: readonly StoredMessage[],
  messageId: string,
): { messages: StoredMessage[]; hasOlder: boolean; hasNewer: boolean } {
  const at = list.findIndex((m) => m.id === messageId);
  if (at === -1) throw ipcError("invalidRequest", `There is no message "${messageId}" in this chat.`);
  const after = Math.min(list.length - at, PAGE_SIZE - Math.min(at, Math.floor(PAGE_SIZE / 2)));
  const before = Math.min(at, PAGE_SIZE - after);
  const start = at - before;
  const end = at + after;
  return { messages: copies(list.slice(start, end)), hasOlder: start > 0, hasNewer: end < list.length };
}
