/**
 * A line under the chat's header: where a branch comes from ("Branch of “Trip plans” at message 6",
 * the parent a link that opens it: `data-testid="branch-parent"`) and the branches made from
 * the chat on screen (`data-testid="branch-link"`, oldest first). Both are read from the chat
 * list's `branchOf` (the store keeps the parent and the message a branch forks at); a parent
 * since deleted is named as such, without a link. Chats without either show nothing.
 *
 * Must not: change a chat; it only opens one.
 */

import type { Chat } from "../api";
import type { AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { h, show } from "./dom";

export function createBranchLinks(): HTMLElement {
  return h("nav", { id: "branch-links", class: "branch-links", "aria-label": "Branches", hidden: true });
}

/** The branches made from `chatId`, oldest first. */
export function branchesOf(chats: readonly Chat[], chatId: string): Chat[] {
  return chats.filter((c) => c.branchOf?.parentId === chatId).sort((a, b) => a.createdAt - b.createdAt);
}

export function mountBranchLinks(root: HTMLElement, controller: Controller): void {
  const link = (chat: Chat, testId: string): HTMLButtonElement =>
    h("button", { type: "button", class: "branch-link", dataset: { chatId: chat.id }, "data-testid": testId, text: chat.title || "Untitled chat" });

  root.addEventListener("click", (event) => {
    const button = (event.target as Element | null)?.closest<HTMLElement>("[data-chat-id]");
    if (button?.dataset.chatId) void controller.openChat(button.dataset.chatId);
  });

  const render = (state: AppState, previous: AppState | null): void => {
    if (previous && state.chats === previous.chats && state.chatId === previous.chatId) return;
    const chat = state.chats.find((c) => c.id === state.chatId);
    const parts: HTMLElement[] = [];
    const point = chat?.branchOf;
    if (point) {
      const parent = state.chats.find((c) => c.id === point.parentId);
      parts.push(parent
        ? h("p", { class: "branch-origin", "data-testid": "branch-origin" },
            "Branch of ", link(parent, "branch-parent"), ` at message ${point.messageNumber}`)
        : h("p", { class: "branch-origin", "data-testid": "branch-origin", text: `Branched at message ${point.messageNumber} of a chat since deleted` }));
    }
    const branches = chat ? branchesOf(state.chats, chat.id) : [];
    if (branches.length > 0) {
      parts.push(h("p", { class: "branch-list", "data-testid": "branch-list" },
        branches.length === 1 ? "Branch: " : "Branches: ",
        ...branches.flatMap((b, i) => (i === 0 ? [link(b, "branch-link")] : [", ", link(b, "branch-link")]))));
    }
    root.replaceChildren(...parts);
    show(root, parts.length > 0);
  };
  controller.store.subscribe(render);
  render(controller.store.get(), null);
}
