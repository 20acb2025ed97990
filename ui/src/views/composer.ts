/**
 * The message box: Enter sends, Shift+Enter adds a line, and Send turns into Stop while a
 * reply streams. The text is taken out of the box when sent and given back if the backend
 * refused to start. "Show request" previews what sending the box's text would put on the wire.
 * Files are attached by pasting them, dropping them on the chat, or the paperclip button
 * (Ctrl+U, in `app-view.ts`'s shortcuts; the system's file dialog); they wait above the box (`attachments.ts`) until sent,
 * and Send waits while one is being prepared. A message may be files alone.
 */

import { isGenerating, type AppState } from "../state/app-state";
import { preparing, readyAttachments } from "../state/attachments";
import type { Controller } from "../state/controller";
import { attachFiles, filesOf, renderDrafts } from "./attachments";
import { h, show } from "./dom";

const MAX_HEIGHT_RATIO = 0.4;

export interface ComposerElements {
  form: HTMLFormElement;
  textarea: HTMLTextAreaElement;
  send: HTMLButtonElement;
  stop: HTMLButtonElement;
  /** "Show request": opens `#request-preview`. */
  preview: HTMLButtonElement;
  /** The paperclip: "Attach files…" (the system's file dialog). */
  attach: HTMLButtonElement;
  /** The files waiting to be sent (`#composer-attachments`). */
  attachments: HTMLElement;
}

export function createComposer(): ComposerElements {
  const textarea = h("textarea", {
    id: "composer",
    class: "composer-input",
    rows: 1,
    placeholder: "Message…",
    "aria-label": "Message",
    "aria-keyshortcuts": "Enter",
    autocomplete: "off",
    spellcheck: true,
  });
  const send = h("button", { id: "send", type: "submit", class: "button primary", text: "Send", disabled: true });
  const stop = h("button", {
    id: "stop",
    type: "button",
    class: "button stop",
    text: "Stop",
    hidden: true,
    "aria-keyshortcuts": "Escape",
  });
  const preview = h("button", {
    id: "preview-request",
    type: "button",
    class: "button quiet",
    title: "Show the request this message would send",
    "aria-controls": "request-preview",
    "aria-expanded": "false",
    "aria-busy": "false",
  },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    h("span", { class: "button-label", text: "Show request" }),
  );
  const attach = h("button", {
    id: "attach",
    type: "button",
    class: "icon-button attach-button",
    text: "📎",
    title: "Attach files (Ctrl+U)",
    "aria-label": "Attach files",
    "aria-keyshortcuts": "Control+U",
  });
  const attachments = h("ul", {
    id: "composer-attachments",
    class: "composer-attachments",
    "aria-label": "Attached files",
    "data-testid": "composer-attachments",
    hidden: true,
  });
  const form = h("form", { class: "composer", id: "composer-form", "aria-label": "Write a message" },
    attachments,
    h("label", { class: "sr-only", for: "composer", text: "Message" }),
    textarea,
    h("div", { class: "composer-actions" }, attach, preview, send, stop),
  );
  return { form, textarea, send, stop, preview, attach, attachments };
}

/** `dropZone`: where dropped files are attached (the chat), besides the composer itself. */
export function mountComposer(elements: ComposerElements, controller: Controller, dropZone: HTMLElement = elements.form): void {
  const { form, textarea, send, stop, preview, attach, attachments } = elements;

  const resize = (): void => {
    textarea.style.height = "auto";
    const max = Math.round(window.innerHeight * MAX_HEIGHT_RATIO);
    textarea.style.height = `${Math.min(textarea.scrollHeight, max)}px`;
  };

  const refresh = (state: AppState): void => {
    const streaming = isGenerating(state);
    show(send, !streaming);
    show(stop, streaming);
    const files = readyAttachments(state.drafts).length > 0;
    send.disabled = (textarea.value.trim() === "" && !files) || preparing(state.drafts);
  };

  const submit = async (): Promise<void> => {
    const text = textarea.value;
    const state = controller.store.get();
    const files = readyAttachments(state.drafts).length > 0;
    if ((text.trim() === "" && !files) || isGenerating(state) || preparing(state.drafts)) return;
    textarea.value = "";
    resize();
    refresh(controller.store.get());
    const sent = await controller.send(text);
    if (!sent && textarea.value === "") {
      textarea.value = text;
      resize();
      refresh(controller.store.get());
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
  textarea.addEventListener("keydown", (event) => {
    // isComposing: Enter that confirms an IME candidate must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      void submit();
    }
  });
  textarea.addEventListener("input", () => {
    resize();
    refresh(controller.store.get());
  });
  stop.addEventListener("click", () => {
    void controller.stop();
    textarea.focus();
  });
  // Not disabled while busy: a disabled button would drop the keyboard focus.
  preview.addEventListener("click", () => void controller.previewRequest(textarea.value));

  attach.addEventListener("click", () => void controller.chooseAttachments());
  // Pasted files and images are attached; pasted text goes into the box as usual.
  textarea.addEventListener("paste", (event) => {
    const files = filesOf(event.clipboardData);
    if (files.length === 0) return;
    event.preventDefault();
    attachFiles(controller, files);
  });
  const carriesFiles = (event: DragEvent): boolean => Array.from(event.dataTransfer?.types ?? []).includes("Files");
  dropZone.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    dropZone.classList.add("is-drop-target");
  });
  dropZone.addEventListener("dragleave", (event) => {
    if (event.target === dropZone) dropZone.classList.remove("is-drop-target");
  });
  dropZone.addEventListener("drop", (event) => {
    dropZone.classList.remove("is-drop-target");
    const files = filesOf(event.dataTransfer);
    if (files.length === 0) return;
    event.preventDefault();
    attachFiles(controller, files);
    textarea.focus();
  });

  const renderPreview = (state: AppState): void => {
    preview.setAttribute("aria-busy", String(state.busy.preview));
    preview.setAttribute("aria-expanded", String(state.requestPreview !== null));
  };

  controller.store.subscribe((state, previous) => {
    if (isGenerating(state) !== isGenerating(previous)) {
      const hadFocus = document.activeElement === stop || document.activeElement === send;
      refresh(state);
      if (hadFocus) (isGenerating(state) ? stop : textarea).focus();
    }
    if (state.busy.preview !== previous.busy.preview || state.requestPreview !== previous.requestPreview) {
      renderPreview(state);
    }
    if (state.drafts !== previous.drafts) {
      if (renderDrafts(attachments, state.drafts, controller)) textarea.focus();
      refresh(state);
    }
    if (state.focus !== previous.focus && state.focus?.target === "composer") textarea.focus();
    if (state.focus !== previous.focus && state.focus?.target === "preview") preview.focus();
  });
  refresh(controller.store.get());
  renderPreview(controller.store.get());
}
