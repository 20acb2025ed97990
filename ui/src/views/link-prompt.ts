/**
 * `#link-prompt`: before a link whose text is not its address opens, the window shows where it
 * really goes — the host in large type (a mail link's recipients), the whole address under it —
 * with "Open in browser" and "Cancel". Focus starts on Cancel; Esc cancels; focus then returns to
 * where it was. Everything is set as text.
 */

import type { AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { h, setText, show } from "./dom";

export interface LinkPromptElements {
  root: HTMLElement;
  destination: HTMLElement;
  url: HTMLElement;
  open: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

export function createLinkPrompt(): LinkPromptElements {
  const destination = h("strong", { id: "link-prompt-destination", class: "link-prompt-destination" });
  const url = h("p", { id: "link-prompt-url", class: "link-prompt-url" });
  const open = h("button", { id: "link-prompt-open", type: "button", class: "button primary", text: "Open in browser" });
  const cancel = h("button", { id: "link-prompt-cancel", type: "button", class: "button", text: "Cancel", "aria-keyshortcuts": "Escape" });
  const root = h("div", { id: "link-prompt", class: "link-prompt-backdrop", hidden: true },
    h("section", {
      class: "link-prompt",
      role: "alertdialog",
      "aria-modal": "true",
      "aria-labelledby": "link-prompt-title",
      "aria-describedby": "link-prompt-note link-prompt-destination",
    },
      h("h2", { id: "link-prompt-title", class: "link-prompt-title", text: "Open this link?" }),
      h("p", { id: "link-prompt-note", class: "link-prompt-note", text: "Its text is not its address. It goes to:" }),
      destination,
      url,
      h("div", { class: "link-prompt-actions" }, cancel, open),
    ),
  );
  return { root, destination, url, open, cancel };
}

export function mountLinkPrompt(elements: LinkPromptElements, controller: Controller): void {
  const { root, destination, url, open, cancel } = elements;
  let returnFocus: HTMLElement | null = null;

  const render = (state: AppState, previous: AppState | null): void => {
    const prompt = state.linkPrompt;
    if (previous && prompt === previous.linkPrompt) return;
    show(root, prompt !== null);
    if (!prompt) {
      if (returnFocus?.isConnected) returnFocus.focus();
      returnFocus = null;
      return;
    }
    setText(destination, prompt.destination);
    setText(url, prompt.url);
    if (!root.contains(document.activeElement)) {
      returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      cancel.focus();
    }
  };

  open.addEventListener("click", () => void controller.confirmLink());
  cancel.addEventListener("click", () => controller.cancelLink());
  // A click on the backdrop, outside the dialog, cancels too.
  root.addEventListener("click", (event) => {
    if (event.target === root) controller.cancelLink();
  });
  root.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    // Handled here so the window's Esc (stop a reply, close the drawer) does not also run.
    event.preventDefault();
    controller.cancelLink();
  });

  controller.store.subscribe(render);
  render(controller.store.get(), null);
}
