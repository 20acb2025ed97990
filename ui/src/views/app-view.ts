/**
 * The window: sidebar, conversation and connection drawer, plus the window-wide keyboard
 * shortcuts and the guard that keeps links out of the webview.
 *
 * Layout state lives on the root as `data-drawer` and `data-sidebar`; CSS decides what that
 * means at each width (≤ 900 px: one column at a time, the drawer overlays).
 */

import { isGenerating, shownConnection, shownConnectionText, type AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { installMenus } from "./app-menus";
import { createBanner, mountBanner } from "./banner";
import { createBranchLinks, mountBranchLinks } from "./branch-links";
import { createChatHeader, mountChatHeader } from "./chat-header";
import { createChatElements, mountChatView } from "./chat-view";
import { createComposer, mountComposer } from "./composer";
import { createContextMeter, mountContextMeter } from "./context-meter";
import { createConnectPanel, mountConnectPanel } from "./connect-panel";
import { createDeleteData, mountDeleteData } from "./delete-data";
import { createRestoreSnapshot, mountRestoreSnapshot } from "./restore-snapshot";
import { h, isNarrow, setData, setText } from "./dom";
import { createExportMenu, mountExportMenu } from "./export-menu";
import { isModKey, kbd, modKey } from "./keys";
import { createLinkPrompt, mountLinkPrompt } from "./link-prompt";
import { createImageViewer, mountImageViewer } from "./image-viewer";
import { createRequestPreview, mountRequestPreview } from "./request-preview";
import { createSidebar, mountSidebar } from "./sidebar";
import { createExistingChats, mountExistingChats } from "./existing-chats";
import { createNotice, createToast, mountNotice, mountToast } from "./toast";

/**
 * Builds the whole window inside `root` and wires it to the controller. Returns a function that
 * removes the window-wide listeners (tests mount the window many times).
 */
export function mountApp(root: HTMLElement, controller: Controller): () => void {
  const lifetime = new AbortController();
  const sidebar = createSidebar();
  const chat = createChatElements();
  const composer = createComposer();
  const contextMeter = createContextMeter();
  const banner = createBanner();
  const drawer = createConnectPanel();
  const requestPreview = createRequestPreview();
  const toast = createToast();
  const notice = createNotice();
  const exportMenu = createExportMenu();
  const linkPrompt = createLinkPrompt();
  const imageViewer = createImageViewer();
  const existingChats = createExistingChats();

  const sidebarToggle = h("button", {
    id: "sidebar-toggle",
    type: "button",
    class: "icon-button sidebar-toggle",
    "aria-label": "Show chats",
    "aria-controls": "sidebar",
    "aria-expanded": "false",
    text: "☰",
  });
  const title = h("h1", { id: "chat-title", class: "chat-title", text: "New chat" });
  const target = createChatHeader();
  const branchLinks = createBranchLinks();
  const drawerDot = h("span", { class: "status-dot", dataset: { state: "idle" }, "aria-hidden": "true" });
  const drawerToggle = h("button", {
    id: "drawer-toggle",
    type: "button",
    class: "button drawer-toggle",
    "aria-controls": "drawer",
    "aria-expanded": "false",
    "aria-keyshortcuts": "Control+K",
  }, drawerDot, h("span", { text: "Connection" }), kbd(modKey(), "K"));
  const scrim = h("div", { class: "scrim", "aria-hidden": "true" });

  const main = h("main", { class: "chat", id: "chat", "aria-labelledby": "chat-title" },
    h("header", { class: "chat-header" }, sidebarToggle, h("div", { class: "chat-heading" }, title, target.root), exportMenu.root, drawerToggle),
    branchLinks,
    banner,
    chat.scroller,
    chat.pill,
    h("div", { class: "composer-wrap" }, requestPreview.panel, composer.form, contextMeter.root),
  );
  root.classList.add("app");
  // The notice sits above the Undo toast when both show.
  root.replaceChildren(sidebar.root, main, drawer, scrim, h("div", { class: "toasts" }, notice, toast), linkPrompt.root, existingChats.root, imageViewer.root);

  mountSidebar(sidebar, controller);
  mountChatView(chat, controller);
  mountChatHeader(target, controller);
  mountBranchLinks(branchLinks, controller);
  mountComposer(composer, controller, main);
  mountContextMeter(contextMeter, controller);
  mountBanner(banner, controller);
  mountConnectPanel(drawer, controller);
  const restoreSnapshot = createRestoreSnapshot();
  const deleteData = createDeleteData();
  drawer.querySelector("#app-settings")?.append(restoreSnapshot.root, deleteData.root);
  mountRestoreSnapshot(restoreSnapshot, controller);
  mountDeleteData(deleteData, controller);
  mountRequestPreview(requestPreview, controller);
  mountLinkPrompt(linkPrompt, controller);
  mountImageViewer(imageViewer, controller);
  mountExistingChats(existingChats, controller);
  const unmountToast = mountToast(toast, controller);
  const unmountNotice = mountNotice(notice, controller);
  mountExportMenu(exportMenu, controller, lifetime.signal);

  sidebarToggle.addEventListener("click", () => controller.toggleSidebar());
  drawerToggle.addEventListener("click", () => controller.toggleDrawer());
  scrim.addEventListener("click", () => {
    controller.toggleDrawer(false);
    controller.toggleSidebar(false);
  });

  const render = (state: AppState): void => {
    setData(root, "drawer", state.drawerOpen ? "open" : "closed");
    setData(root, "sidebar", state.sidebarOpen ? "open" : "closed");
    setData(root, "ready", String(state.ready));
    drawerToggle.setAttribute("aria-expanded", String(state.drawerOpen));
    sidebarToggle.setAttribute("aria-expanded", String(state.sidebarOpen));
    const connection = shownConnection(state);
    setData(drawerDot, "state", connection.state);
    drawerToggle.title = shownConnectionText(state);
    const stored = state.chats.find((c) => c.id === state.chatId)?.title;
    const chatTitle = stored || state.chatTitle || (state.chatId ? "Untitled chat" : "New chat");
    setText(title, chatTitle);
    const windowTitle = `${chatTitle} — Switchboard`;
    if (document.title !== windowTitle) document.title = windowTitle;
  };
  const unsubscribe = controller.store.subscribe(render);
  render(controller.store.get());

  installShortcuts(controller, composer.textarea, lifetime.signal);
  installMenus(root, controller, lifetime.signal);
  installLinkGuard(root, controller, lifetime.signal);
  return () => {
    unsubscribe();
    unmountToast();
    unmountNotice();
    lifetime.abort();
  };
}

/**
 * Whether a key press is meant for the conversation: in the empty composer, or with nothing in
 * particular focused (the page, or the conversation itself).
 */
function forConversation(event: KeyboardEvent, composer: HTMLTextAreaElement): boolean {
  const target = event.target as HTMLElement | null;
  if (target === composer) return composer.value === "";
  return target === null || target === document.body || target.classList?.contains("conversation") === true;
}

/**
 * Ctrl/⌘+K drawer, Ctrl/⌘+N new chat, Ctrl/⌘+F search, Ctrl/⌘+R regenerate the last reply,
 * ←/→ the last reply's versions and ↑ (Ctrl+↑: your last message) edit the last message, both
 * from the empty composer, Ctrl/⌘+Z undo the newest deletion still offered (not in a text
 * field, whose own undo it is), and Esc stop (or close an overlay or panel).
 */
function installShortcuts(controller: Controller, composer: HTMLTextAreaElement, signal: AbortSignal): void {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented) return;
    const state = controller.store.get();
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey && !event.shiftKey;
    if (isModKey(event, "r")) {
      // Never reload the window; regenerate the last reply instead.
      event.preventDefault();
      void controller.regenerate();
    } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && plain && forConversation(event, composer)) {
      event.preventDefault();
      void controller.swipeLast(event.key === "ArrowLeft" ? -1 : 1);
    } else if (
      event.key === "ArrowUp" && !event.altKey && !event.shiftKey && !event.metaKey &&
      event.target === composer && composer.value === ""
    ) {
      if (controller.editLast(event.ctrlKey ? "user" : null)) event.preventDefault();
    } else if (isModKey(event, "z") && !inTextField(event.target) && state.undoStack.length > 0) {
      // Undoes the newest deletion still offered; in a text field Ctrl+Z is the field's own.
      event.preventDefault();
      void controller.undoDelete();
    } else if (isModKey(event, "k")) {
      event.preventDefault();
      controller.toggleDrawer();
    } else if (isModKey(event, "u")) {
      event.preventDefault();
      void controller.chooseAttachments();
    } else if (isModKey(event, "n")) {
      event.preventDefault();
      controller.newChat();
    } else if (isModKey(event, "f")) {
      event.preventDefault();
      if (isNarrow()) controller.toggleSidebar(true);
      else controller.requestFocus("search");
    } else if (event.key === "Escape") {
      if (state.linkPrompt) {
        event.preventDefault();
        controller.cancelLink();
      } else if (isGenerating(state)) {
        event.preventDefault();
        void controller.stop();
      } else if (state.drawerOpen && (isNarrow() || (event.target as Element | null)?.closest("#drawer"))) {
        event.preventDefault();
        controller.toggleDrawer(false);
      } else if (state.requestPreview) {
        event.preventDefault();
        controller.closeRequestPreview();
      } else if (state.sidebarOpen) {
        event.preventDefault();
        controller.toggleSidebar(false);
        composer.focus();
      }
    }
  }, { signal });
}

/** Inputs nobody types in. */
const NOT_TYPED = new Set(["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"]);

/** Whether a key press goes to something people type in (its own Ctrl+Z undoes typing). */
function inTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !NOT_TYPED.has(target.type);
  return target instanceof HTMLTextAreaElement || target.isContentEditable ||
    target.closest("[contenteditable]:not([contenteditable='false'])") !== null;
}

/**
 * Links in replies open in the system browser (`Controller.openLink` decides whether, and
 * whether to show where a link goes first); nothing ever navigates the webview — the backend
 * refuses it too. Covers left, middle and modified clicks, and keyboard activation (which fires
 * `click`).
 */
function installLinkGuard(root: HTMLElement, controller: Controller, signal: AbortSignal): void {
  const handle = (event: MouseEvent): void => {
    const link = (event.target as Element | null)?.closest?.("a");
    if (!link) return;
    event.preventDefault();
    const href = link.getAttribute("href");
    if (href && (event.type === "click" || event.button === 1)) void controller.openLink(href, link.textContent ?? "");
  };
  root.addEventListener("click", handle, { signal });
  root.addEventListener("auxclick", handle, { signal });
  // Dropping a file or link on the window would navigate away from the app.
  window.addEventListener("dragover", (event) => event.preventDefault(), { signal });
  window.addEventListener("drop", (event) => event.preventDefault(), { signal });
}
