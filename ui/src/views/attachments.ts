/**
 * Attachments as the window draws them: the composer's strip (a thumbnail or a chip with name
 * and size for each file, a remove button, "Preparing…" while the backend checks it, the
 * backend's reason for a refused one) and a sent message's strip (image thumbnails that open
 * full size, file chips). Thumbnails are filled lazily: an image's `data:` URL is asked for when
 * its thumbnail comes into view (at once where there is no `IntersectionObserver`), and kept by
 * the controller. Also the reading of pasted and dropped files into base64 for the backend.
 *
 * Element contract (end-to-end tests rely on it): `[data-testid="composer-attachments"]` holds
 * `[data-testid="draft-attachment"]` items with `data-status` (`preparing`, `ready`, `refused`)
 * and a `[data-testid="remove-attachment"]` button; a message's strip is
 * `[data-testid="message-attachments"]`; an image thumbnail is a
 * `button[data-testid="attachment-thumb"]` with `data-attachment-id`, its `img` filled when
 * loaded; a file chip is `[data-testid="attachment-file"]`.
 *
 * Must not: read a file's bytes other than to hand them to the controller, or show base64.
 */

import type { AttachmentInfo } from "../api";
import { describeAttachment, type DraftAttachment, formatSize } from "../state/attachments";
import type { Controller } from "../state/controller";
import { h } from "./dom";

/** Reads a pasted or dropped file as base64 (without the `data:` prefix). */
export function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result ?? "");
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error("The file could not be read."));
    reader.readAsDataURL(file);
  });
}

/** The files a paste or drop carries (a pasted screenshot arrives as one too). */
export function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  const files = Array.from(data.files ?? []);
  if (files.length > 0) return files;
  return Array.from(data.items ?? []).flatMap((item) => {
    const file = item.kind === "file" ? item.getAsFile() : null;
    return file ? [file] : [];
  });
}

/** Hands each file to the controller to attach (a pasted image without a name gets one). */
export function attachFiles(controller: Controller, files: readonly File[]): void {
  for (const file of files) {
    const name = file.name || `pasted-image.${file.type.split("/")[1] || "png"}`;
    void controller.attachFile(name, () => readBase64(file));
  }
}

const observed = new WeakMap<Element, () => void>();
let observer: IntersectionObserver | null = null;

/** Runs `load` once `element` comes into view (at once without `IntersectionObserver`). */
function whenShown(element: Element, load: () => void): void {
  if (typeof IntersectionObserver === "undefined") {
    load();
    return;
  }
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer?.unobserve(entry.target);
      observed.get(entry.target)?.();
      observed.delete(entry.target);
    }
  }, { rootMargin: "200px" });
  observed.set(element, load);
  observer.observe(element);
}

/** An image's thumbnail: a button (it opens full size) whose picture is fetched when shown. */
export function thumbnail(info: AttachmentInfo, controller: Controller): HTMLButtonElement {
  const button = h("button", {
    type: "button",
    class: "attachment-thumb",
    title: `${info.name} (${describeAttachment(info)})`,
    "aria-label": `Open ${info.name} full size (${describeAttachment(info)})`,
    "data-testid": "attachment-thumb",
    "data-attachment-id": info.id,
  });
  button.addEventListener("click", () => controller.openImage(info.id, info.name));
  whenShown(button, () => {
    controller.attachmentImage(info.id).then(
      (url) => {
        // The picture is made once its URL is here: never an <img> without a source.
        button.replaceChildren(h("img", { class: "attachment-image", alt: info.name, draggable: false, src: url }));
        button.dataset.loaded = "true";
      },
      () => button.classList.add("is-broken"),
    );
  });
  return button;
}

/** A file's chip: its name and size. */
function fileChip(name: string, detail: string): HTMLElement {
  return h("span", { class: "attachment-file", "data-testid": "attachment-file" },
    h("span", { class: "attachment-file-icon", "aria-hidden": "true", text: "📄" }),
    h("span", { class: "attachment-name", text: name }),
    h("span", { class: "attachment-size", text: detail }),
  );
}

/** A sent message's attachments: thumbnails and chips, in order; null when it has none. */
export function messageAttachments(infos: readonly AttachmentInfo[], controller: Controller): HTMLElement | null {
  if (infos.length === 0) return null;
  return h("div", { class: "message-attachments", "data-testid": "message-attachments", role: "group", "aria-label": "Attachments" },
    ...infos.map((info) => (info.kind === "image" ? thumbnail(info, controller) : fileChip(info.name, formatSize(info.size)))),
  );
}

/** One file in the composer, with its remove button. */
function draftItem(draft: DraftAttachment, controller: Controller): HTMLElement {
  const remove = h("button", {
    type: "button",
    class: "attachment-remove",
    text: "×",
    title: `Remove ${draft.name}`,
    "aria-label": `Remove ${draft.name}`,
    "data-testid": "remove-attachment",
  });
  remove.addEventListener("click", () => void controller.removeAttachment(draft.key));
  let body: HTMLElement;
  if (draft.status === "ready" && draft.info?.kind === "image") body = thumbnail(draft.info, controller);
  else if (draft.status === "ready" && draft.info) body = fileChip(draft.name, formatSize(draft.info.size));
  else if (draft.status === "preparing") body = fileChip(draft.name, "Preparing…");
  else body = h("span", { class: "attachment-refused", role: "alert", text: draft.error ?? `${draft.name} cannot be attached.` });
  return h("li", {
    class: "draft-attachment",
    "data-testid": "draft-attachment",
    "data-status": draft.status,
    "data-key": draft.key,
    "aria-busy": draft.status === "preparing" ? "true" : "false",
  }, body, remove);
}

/**
 * Keeps the composer's strip in step with `drafts`: an item is made once per draft and status,
 * so a thumbnail is not fetched again when another file is added. True when the focus was in
 * the strip and its element is gone (the last file removed): the caller puts it back.
 */
export function renderDrafts(strip: HTMLElement, drafts: readonly DraftAttachment[], controller: Controller): boolean {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(strip.children) as HTMLElement[]) {
    existing.set(`${child.dataset.key}:${child.dataset.status}`, child);
  }
  const hadFocus = strip.contains(document.activeElement);
  const wanted = drafts.map((d) => existing.get(`${d.key}:${d.status}`) ?? draftItem(d, controller));
  strip.replaceChildren(...wanted);
  strip.hidden = drafts.length === 0;
  if (!hadFocus || strip.contains(document.activeElement)) return false;
  const next = strip.querySelector<HTMLElement>(".attachment-remove");
  next?.focus();
  return next === null;
}
