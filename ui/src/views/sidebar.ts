/**
 * The left column: status light and profile switcher, New chat, chat search and the chat list
 * (pinned chats first, then the others grouped by day).
 *
 * Each chat in the list opens with a click (`[data-chat-id]`, `data-testid="chat-item"`) and
 * has Pin, Rename and Delete buttons (`chat-pin`, `chat-rename`, `chat-delete`), shown on hover
 * and keyboard focus but out of the Tab order: the list is one Tab stop (the open chat), ↑/↓,
 * Home and End move through it and open the chat reached, and the row's menu (right-click,
 * Menu key, Shift+F10; `app-menus.ts`) offers its actions. Double-click or F2 renames in place
 * (Enter saves, Esc cancels); the Delete key deletes (the toast offers Undo). A deleted chat's row stays, as "Deleted · Undo"
 * (`data-testid="undo-placeholder"`), until the pointer leaves the list or its Undo is no longer
 * offered, so the row below does not move under the pointer into the next click. Typing in the search box filters titles at once and,
 * a moment later, searches every message for every word typed: hits show the words around the
 * match, each word found in `<mark>`, built as text nodes, never as HTML.
 *
 * At the bottom: "Import chats…" (`import-chats`) opens the system's file dialog (through the
 * app, which gets the paths chosen and reads the files itself) for SillyTavern `.jsonl` files
 * and Switchboard's `.json` exports and backups; "Back up everything" (`backup-all`) saves every
 * chat and profile (no keys) in one file, where the system's save dialog says. The toast says
 * what either did.
 */

import type { Chat, ProfileSummary, SearchHit, SnippetPart } from "../api";
import { type AppState, currentHits, filteredChats, shownConnection, shownConnectionText, type UndoDelete } from "../state/app-state";
import { heldPlaces } from "../state/undo";
import { onCommittedChoice } from "./select-commit";
import type { Controller } from "../state/controller";
import { h, setData, srOnly } from "./dom";
import { kbd, modKey } from "./keys";
import { rovingTarget, setRovingStop } from "./roving";

/** How long typing pauses before the messages are searched. */
export const SEARCH_DELAY_MS = 180;

export interface SidebarElements {
  root: HTMLElement;
  profileSelect: HTMLSelectElement;
  search: HTMLInputElement;
  list: HTMLElement;
  dot: HTMLElement;
  importButton: HTMLButtonElement;
  backupButton: HTMLButtonElement;
}

export function createSidebar(): SidebarElements {
  const dot = h("span", { class: "status-dot", dataset: { state: "idle" }, "aria-hidden": "true" });
  const profileSelect = h("select", { id: "sidebar-profile", class: "sidebar-profile-select" });
  const search = h("input", {
    id: "chat-search",
    type: "search",
    class: "chat-search",
    placeholder: "Search chats",
    autocomplete: "off",
    "aria-keyshortcuts": "Control+F",
    "aria-controls": "chat-list",
    "data-testid": "chat-search",
  });
  const list = h("nav", { id: "chat-list", class: "chat-list", "aria-label": "Chats" });
  const newChat = h("button", {
    id: "new-chat",
    type: "button",
    class: "button new-chat",
    "aria-keyshortcuts": "Control+N",
  }, h("span", { text: "+ New chat" }), kbd(modKey(), "N"));
  const importButton = h("button", {
    id: "import-chats",
    type: "button",
    class: "button sidebar-file-button",
    "data-testid": "import-chats",
    "aria-busy": "false",
    title: "SillyTavern chats (.jsonl), Switchboard exports and backups (.json)",
  }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "button-label", text: "Import chats…" }));
  const backupButton = h("button", {
    id: "backup-all",
    type: "button",
    class: "button sidebar-file-button",
    "data-testid": "backup-all",
    "aria-busy": "false",
    title: "Every chat and profile (never a key) in one file, saved where you choose",
  }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "button-label", text: "Back up everything" }));
  const root = h("aside", { id: "sidebar", class: "sidebar", "aria-label": "Chats and profiles" },
    h("div", { class: "sidebar-profile" },
      dot,
      h("label", { class: "sr-only", for: "sidebar-profile", text: "Active profile" }),
      profileSelect,
    ),
    newChat,
    h("label", { class: "sr-only", for: "chat-search", text: "Search chats" }),
    search,
    list,
    h("div", { class: "sidebar-footer", role: "group", "aria-label": "Chat files" }, importButton, backupButton),
  );
  return { root, profileSelect, search, list, dot, importButton, backupButton };
}

export function mountSidebar(elements: SidebarElements, controller: Controller): void {
  const { root, profileSelect, search, list, dot, importButton, backupButton } = elements;
  let searchTimer: number | null = null;
  /** The title field of the chat being renamed; kept across renders so typing survives them. */
  let rename: { chatId: string; input: HTMLInputElement; done: boolean } | null = null;
  /** Set while the list is rebuilt: the title field may lose focus then without meaning it. */
  let rendering = false;

  root.querySelector("#new-chat")?.addEventListener("click", () => controller.newChat());
  // Arrow keys only move the selection; a click, Enter or leaving the list uses the profile.
  onCommittedChoice(profileSelect, (value) => {
    if (value === "") {
      // "New profile…": fill one in, in the drawer.
      void controller.selectProfile(null);
      controller.toggleDrawer(true);
    } else {
      void controller.selectProfile(value, { connect: true });
    }
  });

  // Busy buttons stay focusable (aria-disabled), so the keyboard's place is not lost meanwhile.
  const busy = (button: HTMLButtonElement): boolean => button.getAttribute("aria-disabled") === "true";
  importButton.addEventListener("click", () => {
    if (!busy(importButton)) void controller.chooseAndImport();
  });
  backupButton.addEventListener("click", () => {
    if (!busy(backupButton)) void controller.backupAll();
  });

  const searchSoon = (query: string): void => {
    if (searchTimer !== null) window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => {
      searchTimer = null;
      void controller.searchChats(query);
    }, query.trim() === "" ? 0 : SEARCH_DELAY_MS);
  };
  search.addEventListener("input", () => {
    controller.setChatFilter(search.value);
    searchSoon(search.value);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && search.value !== "") {
      event.stopPropagation();
      search.value = "";
      controller.setChatFilter("");
      searchSoon("");
    }
  });

  const rowOf = (element: Element | null): string | null =>
    element?.closest<HTMLElement>("[data-row]")?.dataset.row ?? null;

  list.addEventListener("pointerleave", () => controller.releaseUndoPlaces("chat"));
  list.addEventListener("click", (event) => {
    const target = event.target as Element | null;
    const undo = target?.closest<HTMLElement>("[data-undo-id]");
    if (undo) {
      void controller.undoDelete(Number(undo.dataset.undoId));
      return;
    }
    const action = target?.closest<HTMLElement>("[data-chat-action]");
    if (action) {
      const chatId = rowOf(action);
      if (!chatId) return;
      switch (action.dataset.chatAction) {
        case "pin":
          void controller.togglePin(chatId);
          break;
        case "rename":
          controller.startRename(chatId);
          break;
        case "delete":
          void controller.deleteChat(chatId);
          break;
      }
      return;
    }
    const hit = target?.closest<HTMLElement>(".chat-hit");
    if (hit?.dataset.chatId) {
      void controller.openHit(hit.dataset.chatId, hit.dataset.messageId || null);
      return;
    }
    const item = target?.closest<HTMLElement>("[data-chat-id]");
    if (item?.dataset.chatId) void controller.openChat(item.dataset.chatId);
  });
  list.addEventListener("dblclick", (event) => {
    const item = (event.target as Element | null)?.closest<HTMLElement>(".chat-item:not(.chat-hit)");
    if (item?.dataset.chatId) controller.startRename(item.dataset.chatId);
  });
  list.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    // ↑/↓, Home, End: the focus moves along the list, and (chats, not search hits) the chat opens.
    const from = (event.target as Element | null)?.closest<HTMLElement>(".chat-item");
    const rows = rowsOf(list);
    const to = from ? rovingTarget(rows.length, rows.indexOf(from), event.key) : null;
    if (from && to !== null) {
      event.preventDefault();
      const row = rows[to]!;
      setRovingStop(rows, row);
      row.focus();
      if (row !== from && row.dataset.chatId && !row.classList.contains("chat-hit")) void controller.openChat(row.dataset.chatId);
      return;
    }
    const item = (event.target as Element | null)?.closest<HTMLElement>(".chat-item:not(.chat-hit)");
    if (!item?.dataset.chatId) return;
    if (event.key === "F2") {
      event.preventDefault();
      controller.startRename(item.dataset.chatId);
    } else if (event.key === "Delete") {
      event.preventDefault();
      void controller.deleteChat(item.dataset.chatId);
    }
  });

  /** Saves (or, with `save` false, drops) the rename in progress and puts focus back on the chat. */
  const finishRename = (save: boolean): void => {
    if (!rename || rename.done) return;
    const { chatId, input } = rename;
    rename.done = true;
    const hadFocus = document.activeElement === input;
    if (save) void controller.renameChat(chatId, input.value);
    else controller.cancelRename();
    if (hadFocus) restoreFocus(list, `${chatId}:open`);
  };

  const renameInput = (chat: Chat): HTMLInputElement => {
    if (rename && rename.chatId === chat.id && !rename.done) return rename.input;
    const input = h("input", {
      type: "text",
      class: "chat-rename-input",
      value: chat.title,
      "aria-label": `New title for “${chat.title || "Untitled chat"}”`,
      "data-testid": "chat-rename-input",
      autocomplete: "off",
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        finishRename(true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        finishRename(false);
      }
    });
    input.addEventListener("blur", () => {
      if (!rendering) finishRename(true);
    });
    rename = { chatId: chat.id, input, done: false };
    return input;
  };

  const render = (state: AppState, previous: AppState | null): void => {
    if (!previous || state.busy !== previous.busy) {
      for (const [button, working] of [[importButton, state.busy.import], [backupButton, state.busy.export]] as const) {
        button.setAttribute("aria-busy", String(working));
        button.setAttribute("aria-disabled", String(working));
      }
    }
    // The profile in use (the live connection's), not the one the drawer shows.
    const active = state.connection.profileId ?? state.selectedProfileId;
    const wasActive = previous ? (previous.connection.profileId ?? previous.selectedProfileId) : null;
    if (!previous || state.profiles !== previous.profiles || active !== wasActive) {
      renderProfiles(profileSelect, state.profiles, active);
    }
    const connection = shownConnection(state);
    setData(dot, "state", connection.state);
    dot.title = shownConnectionText(state);
    if (
      !previous ||
      state.chats !== previous.chats ||
      state.chatFilter !== previous.chatFilter ||
      state.chatId !== previous.chatId ||
      state.search !== previous.search ||
      state.renaming !== previous.renaming ||
      state.undoStack !== previous.undoStack
    ) {
      const focused = focusKeyOf(document.activeElement, list);
      const typing = rename !== null && !rename.done && document.activeElement === rename.input;
      if (state.renaming === null && rename && !rename.done) rename.done = true;
      const renaming = state.renaming;
      const hits = currentHits(state);
      rendering = true;
      try {
        if (state.chatFilter.trim() !== "" && hits !== null) {
          renderHits(list, hits);
        } else {
          // Deleted chats whose rows hold their place come back into the order as placeholders.
          const held = new Map(heldPlaces(state.undoStack, "chat").flatMap((e) => (e.chat ? [[e.chat.id, e] as const] : [])));
          const ghosts = [...held.values()].flatMap((e) => (e.chat && !state.chats.some((c) => c.id === e.targetId) ? [e.chat] : []));
          const chats = filteredChats(ghosts.length ? { ...state, chats: [...state.chats, ...ghosts] } : state);
          renderChats(list, chats, state.chatId, state.chatFilter !== "", (chat) => (chat.id === renaming ? renameInput(chat) : null), (chat) => held.get(chat.id));
        }
      } finally {
        rendering = false;
      }
      if (renaming !== null && rename?.chatId === renaming && !rename.done && (typing || previous?.renaming !== renaming)) {
        if (document.activeElement !== rename.input) rename.input.focus();
        if (!typing) rename.input.select();
      } else if (focused) {
        restoreFocus(list, focused);
      }
      const rows = rowsOf(list);
      const focusedRow = rows.find((r) => r === document.activeElement);
      setRovingStop(rows, focusedRow ?? rows.find((r) => r.getAttribute("aria-current") === "page") ?? null);
    }
    if (previous && state.focus !== previous.focus && state.focus?.target === "search") {
      search.focus();
      search.select();
    }
  };
  controller.store.subscribe(render);
  render(controller.store.get(), null);
}

/** The list's rows that take the focus: chats (or search hits) that open. */
function rowsOf(list: HTMLElement): HTMLElement[] {
  return [...list.querySelectorAll<HTMLElement>(".chat-item[data-chat-id]")];
}

function renderProfiles(select: HTMLSelectElement, profiles: readonly ProfileSummary[], selected: string | null): void {
  const options = profiles.map((p) => h("option", { value: p.id, text: p.name }));
  options.push(h("option", { value: "", text: profiles.length ? "New profile…" : "No profile yet" }));
  select.replaceChildren(...options);
  select.value = selected ?? "";
}

/** Today / Yesterday / Previous 7 days / Older, by last change. */
export function dayGroup(updatedAt: number, now = new Date()): string {
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const day = 24 * 60 * 60 * 1000;
  if (updatedAt >= startOfToday) return "Today";
  if (updatedAt >= startOfToday - day) return "Yesterday";
  if (updatedAt >= startOfToday - 7 * day) return "Previous 7 days";
  return "Older";
}

/** Where focus was in the list, as "chat id:part", to put it back after a render. */
function focusKeyOf(element: Element | null, list: HTMLElement): string | null {
  if (!(element instanceof HTMLElement) || !list.contains(element)) return null;
  const row = element.closest<HTMLElement>("[data-row]")?.dataset.row;
  if (!row) return null;
  return `${row}:${element.dataset.chatAction ?? "open"}`;
}

function restoreFocus(list: HTMLElement, key: string): void {
  const split = key.lastIndexOf(":");
  const row = key.slice(0, split);
  const part = key.slice(split + 1);
  const rowElement = [...list.querySelectorAll<HTMLElement>("[data-row]")].find((r) => r.dataset.row === row);
  const target = part === "open"
    ? rowElement?.querySelector<HTMLElement>(".chat-item")
    : rowElement?.querySelector<HTMLElement>(`[data-chat-action="${part}"]`);
  if (target && document.activeElement !== target) target.focus();
}

function renderChats(
  list: HTMLElement,
  chats: readonly Chat[],
  current: string | null,
  filtering: boolean,
  renameField: (chat: Chat) => HTMLInputElement | null,
  heldPlace: (chat: Chat) => UndoDelete | undefined,
): void {
  if (chats.length === 0) {
    list.replaceChildren(h("p", { class: "chat-list-empty", text: filtering ? "No chat matches." : "No chats yet." }));
    return;
  }
  const groups = new Map<string, Chat[]>();
  for (const chat of chats) {
    const label = chat.pinned ? "Pinned" : dayGroup(chat.updatedAt);
    groups.set(label, [...(groups.get(label) ?? []), chat]);
  }
  const sections = [...groups].map(([label, items], index) => {
    const headingId = `chat-group-${index}`;
    return h("section", { class: "chat-group", "aria-labelledby": headingId },
      h("h2", { class: "chat-group-label", id: headingId, text: label }),
      h("ul", { class: "chat-group-items" }, ...items.map((chat) => {
        const held = heldPlace(chat);
        return held ? placeholderRow(held) : chatRow(chat, chat.id === current, renameField(chat));
      })),
    );
  });
  list.replaceChildren(...sections);
}

function chatRow(chat: Chat, current: boolean, renaming: HTMLInputElement | null): HTMLElement {
  const title = chat.title || "Untitled chat";
  const row = h("li", { class: "chat-row", dataset: { row: chat.id, pinned: String(chat.pinned) } });
  if (renaming) {
    row.append(renaming);
    return row;
  }
  row.append(
    h("button", {
      type: "button",
      class: "chat-item",
      dataset: { chatId: chat.id },
      "data-testid": "chat-item",
      "aria-current": current ? "page" : undefined,
      title,
    },
      h("span", { class: "chat-item-title", text: title }),
      chat.pinned ? h("span", { class: "chat-pin-mark", "aria-hidden": "true", text: "📌" }) : null,
      chat.pinned ? srOnly(" (pinned)") : null,
    ),
    h("span", { class: "chat-item-actions", role: "group", "aria-label": `Actions for “${title}”` },
      h("button", {
        type: "button",
        class: "chat-action",
        dataset: { chatAction: "pin" },
        tabindex: "-1",
        "data-testid": "chat-pin",
        "aria-pressed": String(chat.pinned),
        "aria-label": chat.pinned ? `Unpin “${title}”` : `Pin “${title}”`,
        title: chat.pinned ? "Unpin" : "Pin to the top",
        text: "📌",
      }),
      h("button", {
        type: "button",
        class: "chat-action",
        dataset: { chatAction: "rename" },
        tabindex: "-1",
        "data-testid": "chat-rename",
        "aria-label": `Rename “${title}”`,
        "aria-keyshortcuts": "F2",
        title: "Rename (F2)",
        text: "✎",
      }),
      h("button", {
        type: "button",
        class: "chat-action",
        dataset: { chatAction: "delete" },
        tabindex: "-1",
        "data-testid": "chat-delete",
        "aria-label": `Delete “${title}”`,
        "aria-keyshortcuts": "Delete",
        title: "Delete",
        text: "✕",
      }),
    ),
  );
  return row;
}

/** Where a deleted chat was: "Deleted · Undo", as tall as its row was. */
function placeholderRow(undo: UndoDelete): HTMLElement {
  return h("li", { class: "chat-row chat-placeholder", dataset: { row: `deleted:${undo.targetId}` }, "data-testid": "undo-placeholder" },
    h("span", { class: "chat-item chat-deleted" },
      h("span", { class: "chat-item-title", text: "Deleted · " }),
      h("button", {
        type: "button",
        class: "chat-undo",
        dataset: { undoId: String(undo.id) },
        "aria-label": `Undo deleting “${undo.title}”`,
        text: "Undo",
      }),
    ),
  );
}

/** Search hits: the chat's title, and the words around the match with every word found marked. */
function renderHits(list: HTMLElement, hits: readonly SearchHit[]): void {
  if (hits.length === 0) {
    list.replaceChildren(h("p", { class: "chat-list-empty", text: "No chat matches." }));
    return;
  }
  const items = hits.map((hit) =>
    h("li", { class: "chat-row" },
      h("button", {
        type: "button",
        class: "chat-item chat-hit",
        dataset: { chatId: hit.chatId, messageId: hit.messageId ?? "" },
        "data-testid": "search-hit",
      },
        h("span", { class: "chat-item-title" }, ...(hit.messageId === null ? snippetNodes(hit.snippet) : [document.createTextNode(hit.chatTitle)])),
        hit.messageId !== null ? h("span", { class: "chat-hit-snippet" }, ...snippetNodes(hit.snippet)) : null,
      ),
    ),
  );
  list.replaceChildren(
    h("section", { class: "chat-group", "aria-labelledby": "chat-hits-label" },
      h("h2", { class: "chat-group-label", id: "chat-hits-label", text: hits.length === 1 ? "1 result" : `${hits.length} results` }),
      h("ul", { class: "chat-group-items" }, ...items),
    ),
  );
}

/**
 * A snippet as nodes: the runs the search matched in `<mark>`, the rest as text. Built from
 * text nodes only, so nothing in a chat (or a title) is ever parsed as HTML.
 */
export function snippetNodes(parts: readonly SnippetPart[]): Node[] {
  return parts.map((part) => (part.matched ? h("mark", { text: part.text }) : document.createTextNode(part.text)));
}
