/**
 * The left column: status light and profile switcher, New chat, chat search and the chat list
 * grouped by day.
 */

import type { Chat, ProfileSummary } from "../api";
import { type AppState, connectionText, filteredChats, shownConnection } from "../state/app-state";
import type { Controller } from "../state/controller";
import { h, setData } from "./dom";
import { kbd, modKey } from "./keys";

export interface SidebarElements {
  root: HTMLElement;
  profileSelect: HTMLSelectElement;
  search: HTMLInputElement;
  list: HTMLElement;
  dot: HTMLElement;
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
  });
  const list = h("nav", { id: "chat-list", class: "chat-list", "aria-label": "Chats" });
  const newChat = h("button", {
    id: "new-chat",
    type: "button",
    class: "button new-chat",
    "aria-keyshortcuts": "Control+N",
  }, h("span", { text: "+ New chat" }), kbd(modKey(), "N"));
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
  );
  return { root, profileSelect, search, list, dot };
}

export function mountSidebar(elements: SidebarElements, controller: Controller): void {
  const { root, profileSelect, search, list, dot } = elements;

  root.querySelector("#new-chat")?.addEventListener("click", () => controller.newChat());
  profileSelect.addEventListener("change", () => {
    if (profileSelect.value === "") {
      // "New profile…": fill one in, in the drawer.
      void controller.selectProfile(null);
      controller.toggleDrawer(true);
    } else {
      void controller.selectProfile(profileSelect.value, { connect: true });
    }
  });
  search.addEventListener("input", () => controller.setChatFilter(search.value));
  search.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && search.value !== "") {
      event.stopPropagation();
      search.value = "";
      controller.setChatFilter("");
    }
  });
  list.addEventListener("click", (event) => {
    const item = (event.target as Element | null)?.closest<HTMLElement>("[data-chat-id]");
    if (item?.dataset.chatId) void controller.openChat(item.dataset.chatId);
  });

  const render = (state: AppState, previous: AppState | null): void => {
    if (!previous || state.profiles !== previous.profiles || state.selectedProfileId !== previous.selectedProfileId) {
      renderProfiles(profileSelect, state.profiles, state.selectedProfileId);
    }
    const connection = shownConnection(state);
    setData(dot, "state", connection.state);
    dot.title = connectionText(connection);
    if (
      !previous ||
      state.chats !== previous.chats ||
      state.chatFilter !== previous.chatFilter ||
      state.chatId !== previous.chatId
    ) {
      renderChats(list, filteredChats(state), state.chatId, state.chatFilter !== "");
    }
    if (previous && state.focus !== previous.focus && state.focus?.target === "search") {
      search.focus();
      search.select();
    }
  };
  controller.store.subscribe(render);
  render(controller.store.get(), null);
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

function renderChats(list: HTMLElement, chats: readonly Chat[], current: string | null, filtering: boolean): void {
  if (chats.length === 0) {
    list.replaceChildren(h("p", { class: "chat-list-empty", text: filtering ? "No chat matches." : "No chats yet." }));
    return;
  }
  const groups = new Map<string, Chat[]>();
  for (const chat of chats) {
    const label = dayGroup(chat.updatedAt);
    groups.set(label, [...(groups.get(label) ?? []), chat]);
  }
  const sections = [...groups].map(([label, items], index) => {
    const headingId = `chat-group-${index}`;
    return h("section", { class: "chat-group", "aria-labelledby": headingId },
      h("h2", { class: "chat-group-label", id: headingId, text: label }),
      h("ul", { class: "chat-group-items" },
        ...items.map((chat) =>
          h("li", {},
            h("button", {
              type: "button",
              class: "chat-item",
              dataset: { chatId: chat.id },
              "aria-current": chat.id === current ? "page" : undefined,
              title: chat.title,
              text: chat.title || "Untitled chat",
            }),
          ),
        ),
      ),
    );
  });
  list.replaceChildren(...sections);
}
