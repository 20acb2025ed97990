/**
 * What a message's action does, wherever it was chosen: its toolbar (`chat-view.ts`) or its
 * menu (`app-menus.ts`). One place, so the two cannot drift: "Next version" on the last one
 * writes a new version (as SillyTavern's → does), from either.
 *
 * Must not: draw anything or decide which actions a message offers (`state/history.ts` and
 * `state/menus.ts` do); the editor's own buttons (save, cancel) stay with the view that holds
 * the draft.
 */

import type { Controller } from "../state/controller";
import type { UiMessage } from "../state/messages";

/** Runs the action `id` on `message`; false when `id` is not a message action. */
export function runMessageAction(
  controller: Controller,
  message: Pick<UiMessage, "key" | "swipeIndex" | "swipeCount">,
  id: string,
): boolean {
  const key = message.key;
  switch (id) {
    case "regenerate":
      void controller.regenerate(key);
      return true;
    case "regenerate-from-here":
      void controller.regenerateFrom(key);
      return true;
    case "continue":
      void controller.continueReply(key);
      return true;
    case "swipe-prev":
      void controller.selectSwipe(key, message.swipeIndex - 1);
      return true;
    case "swipe-next":
      if (message.swipeIndex >= message.swipeCount - 1) void controller.regenerate(key);
      else void controller.selectSwipe(key, message.swipeIndex + 1);
      return true;
    case "edit":
      controller.startEdit(key);
      return true;
    case "branch":
      void controller.branchFrom(key);
      return true;
    case "delete":
      void controller.deleteMessage(key);
      return true;
    default:
      return false;
  }
}
