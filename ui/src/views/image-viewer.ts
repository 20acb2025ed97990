/**
 * `#image-viewer`: an attached picture full size over the window (a modal dialog named after
 * the file), fitted to the window. Esc, Close or a click beside the picture closes it; focus
 * then returns to the thumbnail that opened it. The picture is the controller's kept `data:`
 * URL.
 *
 * Must not: fetch anything itself or show the image's bytes as text.
 */

import type { AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { h, setText, show } from "./dom";

export interface ImageViewerElements {
  root: HTMLElement;
  title: HTMLElement;
  /** Where the picture goes once its URL is here (`#image-viewer-image`). */
  frame: HTMLElement;
  close: HTMLButtonElement;
}

export function createImageViewer(): ImageViewerElements {
  const title = h("h2", { id: "image-viewer-title", class: "image-viewer-title" });
  const frame = h("div", { class: "image-viewer-frame" });
  const close = h("button", { id: "image-viewer-close", type: "button", class: "button", text: "Close", "aria-keyshortcuts": "Escape" });
  const root = h("div", { id: "image-viewer", class: "image-viewer-backdrop", hidden: true },
    h("section", { class: "image-viewer", role: "dialog", "aria-modal": "true", "aria-labelledby": "image-viewer-title" },
      h("div", { class: "image-viewer-header" }, title, close),
      frame,
    ),
  );
  return { root, title, frame, close };
}

export function mountImageViewer(elements: ImageViewerElements, controller: Controller): void {
  const { root, title, frame, close } = elements;
  let returnFocus: HTMLElement | null = null;
  let shownId: string | null = null;

  const render = (state: AppState, previous: AppState | null): void => {
    const viewer = state.imageViewer;
    if (previous && viewer === previous.imageViewer) return;
    show(root, viewer !== null);
    if (!viewer) {
      shownId = null;
      frame.replaceChildren();
      if (returnFocus?.isConnected) returnFocus.focus();
      returnFocus = null;
      return;
    }
    shownId = viewer.id;
    setText(title, viewer.name);
    frame.replaceChildren();
    void controller.attachmentImage(viewer.id).then((url) => {
      if (shownId !== viewer.id) return;
      frame.replaceChildren(h("img", { id: "image-viewer-image", class: "image-viewer-image", alt: viewer.name, src: url }));
    }, () => undefined);
    if (!root.contains(document.activeElement)) {
      returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      close.focus();
    }
  };

  close.addEventListener("click", () => controller.closeImage());
  root.addEventListener("click", (event) => {
    if (event.target === root) controller.closeImage();
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) {
      // Handled here so the window's Esc (stop a reply, close the drawer) does not also run.
      event.preventDefault();
      controller.closeImage();
    } else if (event.key === "Tab") {
      // The one control: focus stays in the dialog.
      event.preventDefault();
      close.focus();
    }
  });

  controller.store.subscribe(render);
  render(controller.store.get(), null);
}
