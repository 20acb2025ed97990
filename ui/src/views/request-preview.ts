/**
 * `#request-preview`, "What will be sent": the request the next message would make, exactly as
 * the backend would put it on the wire after post-processing — `METHOD URL`, the headers one per
 * line, the attachments the message carries (`#request-preview-attachments`: each image as a
 * thumbnail with its size, each file with its name and size — never their bytes), and the JSON
 * body. Keys arrive as `<redacted>`. Everything is set as text, never as
 * HTML, so a body quoting markup shows that markup. Esc or Close hides the panel and gives focus
 * back to "Show request".
 */

import type { AttachmentInfo, RequestPreview } from "../api";
import { describeAttachment } from "../state/attachments";
import { thumbnail } from "./attachments";
import type { AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { copyWithFeedback, h, setText, show } from "./dom";

export interface RequestPreviewElements {
  panel: HTMLElement;
  /** `METHOD URL`. */
  line: HTMLElement;
  /** The headers, `name: value` one per line. */
  headers: HTMLElement;
  /** The body's `<code>`, inside a `<pre>`. */
  body: HTMLElement;
  /** The attachments sent with the message, with their sizes. */
  attachments: HTMLElement;
  copy: HTMLButtonElement;
  close: HTMLButtonElement;
}

export function createRequestPreview(): RequestPreviewElements {
  const line = h("code", { id: "request-preview-line", class: "request-line" });
  const headers = h("pre", { id: "request-preview-headers", class: "request-headers", "aria-labelledby": "request-preview-headers-title" });
  const body = h("code", { id: "request-preview-body" });
  const attachments = h("ul", { id: "request-preview-attachments", class: "request-attachments", "aria-label": "Attachments sent", hidden: true });
  const copy = h("button", { id: "request-preview-copy", type: "button", class: "button", text: "Copy body" });
  const close = h("button", { id: "request-preview-close", type: "button", class: "button", text: "Close", "aria-keyshortcuts": "Escape" });
  const panel = h("section", {
    id: "request-preview",
    class: "request-preview",
    role: "dialog",
    "aria-labelledby": "request-preview-title",
    "aria-describedby": "request-preview-note",
    hidden: true,
  },
    h("div", { class: "request-preview-header" },
      h("h2", { id: "request-preview-title", class: "request-preview-title", text: "What will be sent" }),
      copy,
      close,
    ),
    h("p", { id: "request-preview-note", class: "request-preview-note",
      text: "The request your message would make now. Nothing was sent; keys are not shown." }),
    h("p", { class: "request-line-row" }, line),
    attachments,
    h("h3", { id: "request-preview-headers-title", class: "request-preview-subtitle", text: "Headers" }),
    headers,
    h("h3", { id: "request-preview-body-title", class: "request-preview-subtitle", text: "Body" }),
    h("pre", { class: "request-body", "aria-labelledby": "request-preview-body-title" }, body),
  );
  return { panel, line, headers, body, attachments, copy, close };
}

/** The headers as people read them: `name: value`, one per line. */
export function formatHeaders(headers: RequestPreview["headers"]): string {
  return headers.map(([name, value]) => `${name}: ${value}`).join("\n");
}

export function mountRequestPreview(elements: RequestPreviewElements, controller: Controller): void {
  const { panel, line, headers, body, attachments, copy, close } = elements;
  let shown: RequestPreview | null = null;

  const drawAttachments = (infos: readonly AttachmentInfo[]): void => {
    attachments.replaceChildren(...infos.map((info) =>
      h("li", { class: "request-attachment", "data-testid": "preview-attachment" },
        info.kind === "image" ? thumbnail(info, controller) : null,
        h("span", { class: "attachment-name", text: info.name }),
        h("span", { class: "attachment-size", text: describeAttachment(info) }),
      )));
    show(attachments, infos.length > 0);
  };

  const render = (state: AppState, previous: AppState | null): void => {
    const preview = state.requestPreview;
    if (preview === shown) return;
    shown = preview;
    show(panel, preview !== null);
    if (!preview) return;
    setText(line, `${preview.method} ${preview.url}`);
    setText(headers, preview.headers.length > 0 ? formatHeaders(preview.headers) : "(none)");
    setText(body, preview.body);
    drawAttachments(state.previewAttachments);
    // Newly opened: move focus in, so Esc and Tab work at once (a refresh leaves it alone).
    if (previous?.requestPreview === null && !panel.contains(document.activeElement)) close.focus();
  };

  close.addEventListener("click", () => controller.closeRequestPreview());
  copy.addEventListener("click", () => {
    if (shown) void copyWithFeedback(copy, shown.body);
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    // Handled here so the window's Esc (stop a reply, close the drawer) does not also run.
    event.preventDefault();
    controller.closeRequestPreview();
  });

  controller.store.subscribe(render);
  render(controller.store.get(), null);
}
