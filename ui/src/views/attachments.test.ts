// Attachments in the window (jsdom, the in-memory backend): a pasted image shows as a
// thumbnail in the composer and is removed with its button; a dropped text file as a chip with
// its size; the paperclip opens the dialog; sending clears them and the sent message shows the
// thumbnail, which opens the picture full size (Esc closes, focus returns); a refused file
// shows the backend's reason; "Show request" lists the attachments with their sizes.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi, type MockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { PNG_BASE64 } from "../testing/png";
import { mountApp } from "./app-view";

let unmount: (() => void) | null = null;

async function mount(): Promise<{ api: MockApi; controller: Controller }> {
  const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
  const controller = new Controller(api);
  const root = document.createElement("div");
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
  return { api, controller };
}

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`${selector} missing`);
  return element;
};

function png(name = "dot.png"): File {
  const bytes = Uint8Array.from(atob(PNG_BASE64), (c) => c.charCodeAt(0));
  return new File([bytes], name, { type: "image/png" });
}

/** A `paste` (or `drop`) event carrying `files`, as WebKit fires it. */
function carrying(type: "paste" | "drop" | "dragover", files: File[]): Event {
  const event = new Event(type, { bubbles: true, cancelable: true });
  const data = { files, items: [], types: ["Files"], dropEffect: "none" };
  Object.defineProperty(event, type === "paste" ? "clipboardData" : "dataTransfer", { value: data });
  return event;
}

const items = () => [...document.querySelectorAll<HTMLElement>("[data-testid=draft-attachment]")];

describe("the composer's attachments", () => {
  it("takes a pasted image as a thumbnail, removed with its button (the draft discarded)", async () => {
    const { api } = await mount();
    const composer = $<HTMLTextAreaElement>("#composer");
    const paste = carrying("paste", [png()]);
    composer.dispatchEvent(paste);
    expect(paste.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(items()[0]?.dataset.status).toBe("ready"));
    const thumb = $<HTMLButtonElement>("[data-testid=composer-attachments] [data-testid=attachment-thumb]");
    await vi.waitFor(() => expect(thumb.querySelector("img")?.src).toBe(`data:image/png;base64,${PNG_BASE64}`));
    expect(thumb.getAttribute("aria-label")).toBe("Open dot.png full size (70 bytes, 1×1)");
    expect($<HTMLButtonElement>("#send").disabled).toBe(false);
    const remove = $<HTMLButtonElement>("[data-testid=remove-attachment]");
    expect(remove.getAttribute("aria-label")).toBe("Remove dot.png");
    remove.focus();
    remove.click();
    await vi.waitFor(() => expect(items()).toEqual([]));
    expect($("#composer-attachments").hidden).toBe(true);
    expect(document.activeElement).toBe(composer);
    expect(api.calls.some((c) => c.startsWith("discardAttachment:"))).toBe(true);
    expect($<HTMLButtonElement>("#send").disabled).toBe(true);
  });

  it("takes a file dropped on the chat as a chip with its size; a refused one shows why", async () => {
    await mount();
    const chat = $("#chat");
    const over = carrying("dragover", [png()]);
    chat.dispatchEvent(over);
    expect(over.defaultPrevented).toBe(true);
    expect(chat.classList.contains("is-drop-target")).toBe(true);
    const notes = new File(["# Notes\nkept"], "notes.md", { type: "text/markdown" });
    const blob = new File([Uint8Array.of(0xff, 0xfe, 0x00)], "blob.bin");
    chat.dispatchEvent(carrying("drop", [notes, blob]));
    expect(chat.classList.contains("is-drop-target")).toBe(false);
    await vi.waitFor(() => expect(items().map((i) => i.dataset.status)).toEqual(["ready", "refused"]));
    expect(items()[0]!.querySelector("[data-testid=attachment-file]")?.textContent).toContain("notes.md12 bytes");
    const refusal = items()[1]!.querySelector("[role=alert]");
    expect(refusal?.textContent).toContain("\"blob.bin\" cannot be attached");
  });

  it("opens the file dialog from the paperclip and with Ctrl+U", async () => {
    const { api } = await mount();
    const attach = $<HTMLButtonElement>("#attach");
    expect(attach.getAttribute("aria-label")).toBe("Attach files");
    expect(attach.getAttribute("aria-keyshortcuts")).toBe("Control+U");
    api.willAttach([{ name: "notes.md", dataBase64: btoa("hi") }]);
    attach.click();
    await vi.waitFor(() => expect(items()).toHaveLength(1));
    api.willAttach([{ name: "more.txt", dataBase64: btoa("more") }]);
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "u", ctrlKey: true, bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect(items()).toHaveLength(2));
    expect(api.calls.filter((c) => c === "chooseAttachments")).toHaveLength(2);
  });

  it("sends them, clears them, and shows the sent thumbnail, which opens full size", async () => {
    const { controller } = await mount();
    const composer = $<HTMLTextAreaElement>("#composer");
    composer.dispatchEvent(carrying("paste", [png("photo.png")]));
    await vi.waitFor(() => expect(items()[0]?.dataset.status).toBe("ready"));
    $<HTMLButtonElement>("#send").click();
    await vi.waitFor(() => expect(items()).toEqual([]));
    const sent = await vi.waitFor(() => $<HTMLButtonElement>("#messages [data-testid=message-attachments] [data-testid=attachment-thumb]"));
    await vi.waitFor(() => expect(sent.dataset.loaded).toBe("true"));
    sent.focus();
    sent.click();
    const viewer = $("#image-viewer");
    expect(viewer.hidden).toBe(false);
    expect($("#image-viewer-title").textContent).toBe("photo.png");
    await vi.waitFor(() => expect($<HTMLImageElement>("#image-viewer-image").src).toBe(`data:image/png;base64,${PNG_BASE64}`));
    expect(document.activeElement).toBe($("#image-viewer-close"));
    viewer.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    expect(viewer.hidden).toBe(true);
    expect(controller.store.get().imageViewer).toBeNull();
    expect(document.activeElement).toBe(sent);
  });

  it("lists them under \"Show request\" with their sizes, never their bytes", async () => {
    await mount();
    $<HTMLTextAreaElement>("#composer").dispatchEvent(carrying("paste", [png()]));
    await vi.waitFor(() => expect(items()[0]?.dataset.status).toBe("ready"));
    $<HTMLButtonElement>("#preview-request").click();
    await vi.waitFor(() => expect($("#request-preview").hidden).toBe(false));
    const listed = $("#request-preview-attachments");
    expect(listed.hidden).toBe(false);
    expect(listed.textContent).toContain("dot.png");
    expect(listed.textContent).toContain("70 bytes, 1×1");
    expect(listed.textContent).not.toContain(PNG_BASE64);
  });
});
