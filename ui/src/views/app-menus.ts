/**
 * Which menu opens where, and what its items do. WebKit's own context menu (Back, Forward,
 * Reload…) never opens anywhere in the window: every `contextmenu` event is cancelled, and the
 * app's menu (`context-menu.ts`) opens instead over a chat in the list, a message, or a text
 * field (its edit menu: Cut, Copy, Paste, Select all). The Menu key and Shift+F10 open the same
 * menu for what has the focus. F2 renames and Delete deletes the chat on screen from anywhere
 * but a text field, a list box, the drawer or a dialog (Undo brings it back).
 *
 * Must not: decide what a menu offers (`state/menus.ts` does) or draw it.
 */

import type { Chat } from "../api";
import { isGenerating } from "../state/app-state";
import type { Controller } from "../state/controller";
import { actionsFor, NO_ACTIONS } from "../state/history";
import { chatMenu, exportFormatOf, fieldMenu, messageMenu } from "../state/menus";
import type { UiMessage } from "../state/messages";
import { conversationItems } from "./chat-view";
import { type ContextMenu, createContextMenu } from "./context-menu";
import { copyText, isNarrow } from "./dom";
import { runMessageAction } from "./message-actions";

type TextField = HTMLInputElement | HTMLTextAreaElement;

/** Inputs nobody types in. */
const NOT_TYPED = new Set(["checkbox", "radio", "button", "submit", "reset", "range", "color", "file", "hidden", "image"]);

/** The text field `target` is (or is in), if any. */
export function textFieldOf(target: EventTarget | null): TextField | null {
  if (target instanceof HTMLTextAreaElement) return target;
  if (target instanceof HTMLInputElement && !NOT_TYPED.has(target.type)) return target;
  return null;
}

/** Puts the window's menus in `root` and wires them; listeners end with `signal`. */
export function installMenus(root: HTMLElement, controller: Controller, signal: AbortSignal): ContextMenu {
  const menu = createContextMenu(signal);
  root.append(menu.element);

  const chatOf = (element: Element): Chat | undefined => {
    const item = element.closest<HTMLElement>("#chat-list .chat-item[data-chat-id]:not(.chat-hit)");
    const id = item?.dataset.chatId;
    return id ? controller.store.get().chats.find((c) => c.id === id) : undefined;
  };

  const openChatMenu = (chat: Chat, row: HTMLElement, at: { x: number; y: number }): void => {
    const state = controller.store.get();
    menu.open({
      items: chatMenu(chat, state.chats),
      label: `Actions for “${chat.title || "Untitled chat"}”`,
      at,
      returnFocus: row,
      choose: (id) => runChatItem(chat, id),
    });
  };

  const runChatItem = (chat: Chat, id: string): void => {
    const format = exportFormatOf(id);
    if (format) {
      void controller.exportChat(chat.id, format);
      return;
    }
    switch (id) {
      case "rename":
        startRename(chat.id);
        break;
      case "pin":
        void controller.togglePin(chat.id);
        break;
      case "open-parent":
        if (chat.branchOf) void controller.openChat(chat.branchOf.parentId);
        break;
      case "delete":
        void controller.deleteChat(chat.id);
        break;
    }
  };

  const startRename = (chatId: string): void => {
    if (isNarrow()) controller.toggleSidebar(true);
    controller.startRename(chatId);
  };

  const openMessageMenu = (article: HTMLElement, at: { x: number; y: number }): boolean => {
    const state = controller.store.get();
    const items = conversationItems(state);
    const index = items.findIndex((item) => item.key === article.dataset.key);
    const item = items[index];
    if (!item || item.held) return false;
    const message = item.message;
    const actions = item.live ? NO_ACTIONS : actionsFor(message, { isLast: index === items.length - 1, chatStored: state.chatId !== null });
    menu.open({
      items: messageMenu(message, actions, isGenerating(state)),
      label: message.role === "user" ? "Your message" : "Reply",
      at,
      returnFocus: article,
      choose: (id) => runMessageItem(message, id),
    });
    return true;
  };

  const runMessageItem = (message: UiMessage, id: string): void => {
    if (id === "copy") void copyText(message.content);
    else runMessageAction(controller, message, id);
  };

  const openFieldMenu = (field: TextField, at: { x: number; y: number }): void => {
    const start = field.selectionStart ?? 0;
    const end = field.selectionEnd ?? 0;
    menu.open({
      items: fieldMenu({ selection: end > start, text: field.value !== "", editable: !field.readOnly && !field.disabled }),
      label: "Edit",
      at,
      returnFocus: field,
      choose: (id) => void runFieldItem(field, id, start, end),
    });
  };

  /** Opens the menu for `target`; false when nothing there has one. */
  const openFor = (target: Element, at: { x: number; y: number }): boolean => {
    if (menu.element.contains(target)) return true;
    const field = textFieldOf(target);
    if (field) {
      openFieldMenu(field, at);
      return true;
    }
    const chat = chatOf(target);
    const row = target.closest<HTMLElement>(".chat-item");
    if (chat && row) {
      openChatMenu(chat, row, at);
      return true;
    }
    const article = target.closest<HTMLElement>("#messages article.message");
    return article ? openMessageMenu(article, at) : false;
  };

  document.addEventListener("contextmenu", (event) => {
    // Never WebKit's own menu (Back, Forward, Reload), wherever the pointer is.
    event.preventDefault();
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    // A keyboard-made contextmenu (clientX/Y 0) opens beside the focused element.
    const keyboard = event.clientX === 0 && event.clientY === 0 && document.activeElement instanceof HTMLElement;
    if (keyboard && menu.isOpen()) return;
    const at = keyboard ? besides(document.activeElement as HTMLElement) : { x: event.clientX, y: event.clientY };
    openFor(keyboard ? (document.activeElement as HTMLElement) : target, at);
  }, { signal });

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented) return;
    const menuKey = event.key === "ContextMenu" || (event.key === "F10" && event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey);
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (menuKey && focused) {
      event.preventDefault();
      if (!menu.isOpen()) openFor(focused, besides(focused));
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey || textFieldOf(event.target)) return;
    // Not from the drawer, a list box or a dialog, whose keys are their own.
    const target = event.target as Element | null;
    if (menu.isOpen() || target?.closest?.("[contenteditable], select, #drawer, [role='dialog'], [role='alertdialog']")) return;
    const chatId = controller.store.get().chatId;
    if (!chatId) return;
    if (event.key === "F2") {
      event.preventDefault();
      startRename(chatId);
    } else if (event.key === "Delete") {
      event.preventDefault();
      void controller.deleteChat(chatId);
    }
  }, { signal });

  return menu;
}

/** Where a menu opened from the keyboard goes: under the element's top left corner. */
function besides(element: HTMLElement): { x: number; y: number } {
  const box = element.getBoundingClientRect();
  return { x: box.left + Math.min(24, box.width / 2), y: box.top + Math.min(box.height, 28) };
}

/** Runs an edit-menu item on the field, with the selection it had when the menu opened. */
async function runFieldItem(field: TextField, id: string, start: number, end: number): Promise<void> {
  field.focus();
  field.setSelectionRange(start, end);
  const selected = field.value.slice(start, end);
  switch (id) {
    case "select-all":
      field.select();
      return;
    case "copy":
      await copyText(selected);
      return;
    case "cut":
      if (await copyText(selected)) replaceSelection(field, "", start, end);
      return;
    case "paste": {
      const text = await readClipboard();
      if (text !== null) replaceSelection(field, text, start, end);
      return;
    }
  }
}

/** The clipboard's text, or null when it cannot be read. */
async function readClipboard(): Promise<string | null> {
  try {
    return await navigator.clipboard.readText();
  } catch {
    return null;
  }
}

/** Replaces `[start, end)` of the field with `text` as typing would (an `input` event follows). */
function replaceSelection(field: TextField, text: string, start: number, end: number): void {
  field.setRangeText(text, start, end, "end");
  field.dispatchEvent(new Event("input", { bubbles: true }));
}
