// The composer's attachments against the in-memory backend: prepared, refused with the
// backend's reason, removed (the draft discarded, even one still being prepared), sent with
// the message and then cleared, kept when the send fails; images fetched once; a source that
// reads no images refuses before sending and the files stay.

import { describe, expect, it, vi } from "vitest";
import { createMockApi, type MockApi } from "../dev/mock-api";
import { describeAttachment, formatSize, readyAttachments } from "./attachments";
import { Controller } from "./controller";
import { PNG_BASE64 } from "../testing/png";

const TEXT_BASE64 = btoa("# Notes\nkept");

async function started(): Promise<{ api: MockApi; controller: Controller }> {
  const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
  const controller = new Controller(api);
  await controller.start();
  await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
  return { api, controller };
}

const drafts = (controller: Controller) => controller.store.get().drafts;

describe("sizes", () => {
  it("read as the core words them", () => {
    expect(formatSize(512)).toBe("512 bytes");
    expect(formatSize(15 * 1024 + 100)).toBe("15 KB");
    expect(formatSize(Math.round(2.3 * 1024 * 1024))).toBe("2.3 MB");
    expect(describeAttachment({ id: "a", kind: "image", name: "p.png", mediaType: "image/png", size: 70, width: 4, height: 3 }))
      .toBe("70 bytes, 4×3");
  });
});

describe("attaching", () => {
  it("shows a file being prepared, then ready with what the backend kept", async () => {
    const { controller } = await started();
    let give: (data: string) => void = () => undefined;
    const adding = controller.attachFile("dot.png", () => new Promise((resolve) => (give = resolve)));
    await vi.waitFor(() => expect(drafts(controller)).toHaveLength(1));
    expect(drafts(controller)[0]).toMatchObject({ name: "dot.png", status: "preparing" });
    give(PNG_BASE64);
    expect(await adding).toBe(true);
    expect(drafts(controller)[0]).toMatchObject({
      status: "ready",
      info: { kind: "image", mediaType: "image/png", width: 1, height: 1, size: 70 },
    });
  });

  it("keeps a refused file as a chip with the backend's reason", async () => {
    const { controller } = await started();
    expect(await controller.attachFile("blob.bin", async () => btoa("\u00ff\u00fe\u0000\u0081"))).toBe(false);
    expect(drafts(controller)[0]).toMatchObject({ status: "refused" });
    expect(drafts(controller)[0]!.error).toContain("\"blob.bin\" cannot be attached: it is neither an image");
  });

  it("attaches what the file dialog chose, each refused one by name", async () => {
    const { api, controller } = await started();
    api.willAttach([{ name: "notes.md", dataBase64: TEXT_BASE64 }, { name: "blob.bin", dataBase64: btoa("\u00ff\u00fe") }]);
    await controller.chooseAttachments();
    expect(drafts(controller).map((d) => [d.name, d.status])).toEqual([["notes.md", "ready"], ["blob.bin", "refused"]]);
    await controller.chooseAttachments(); // cancelled
    expect(drafts(controller)).toHaveLength(2);
  });

  it("discards a removed draft, even one removed while being prepared", async () => {
    const { api, controller } = await started();
    await controller.attachFile("a.png", async () => PNG_BASE64);
    const id = drafts(controller)[0]!.info!.id;
    await controller.removeAttachment(drafts(controller)[0]!.key);
    expect(drafts(controller)).toEqual([]);
    expect(api.calls).toContain(`discardAttachment:${id}`);

    let give: (data: string) => void = () => undefined;
    const adding = controller.attachFile("b.png", () => new Promise((resolve) => (give = resolve)));
    await vi.waitFor(() => expect(drafts(controller)).toHaveLength(1));
    await controller.removeAttachment(drafts(controller)[0]!.key);
    give(PNG_BASE64);
    expect(await adding).toBe(false);
    expect(drafts(controller)).toEqual([]);
    expect(api.calls.filter((c) => c.startsWith("discardAttachment"))).toHaveLength(2);
  });

  it("fetches an image once and keeps it", async () => {
    const { api, controller } = await started();
    await controller.attachFile("a.png", async () => PNG_BASE64);
    const id = drafts(controller)[0]!.info!.id;
    const [one, two] = await Promise.all([controller.attachmentImage(id), controller.attachmentImage(id)]);
    expect(one).toBe(`data:image/png;base64,${PNG_BASE64}`);
    expect(two).toBe(one);
    expect(api.calls.filter((c) => c === `attachmentImage:${id}`)).toHaveLength(1);
  });
});

describe("sending", () => {
  it("sends the ready files with the message (files alone too), then clears them", async () => {
    const { api, controller } = await started();
    const start = vi.spyOn(api, "startGeneration");
    await controller.attachFile("a.png", async () => PNG_BASE64);
    await controller.attachFile("blob.bin", async () => btoa("\u00ff"));
    const [image] = readyAttachments(drafts(controller));
    expect(await controller.send("")).toBe(true);
    expect(start.mock.calls[0]![0]).toMatchObject({ input: "", attachments: [image!.id] });
    expect(drafts(controller)).toEqual([]);
    const sent = controller.store.get().messages.find((m) => m.role === "user" && m.attachments?.length);
    expect(sent?.attachments?.map((a) => a.name)).toEqual(["a.png"]);
  });

  it("waits while a file is being prepared", async () => {
    const { controller } = await started();
    const adding = controller.attachFile("a.png", () => new Promise(() => undefined));
    await vi.waitFor(() => expect(drafts(controller)).toHaveLength(1));
    expect(await controller.send("hello")).toBe(false);
    void adding;
  });

  it("keeps the files when the source reads no images, and says why", async () => {
    const { api, controller } = await started();
    const start = vi.spyOn(api, "startGeneration");
    expect(await controller.connect({
      draft: { id: null, name: "", source: "koboldcpp", url: "http://127.0.0.1:5001", model: null, systemPrompt: null,
        prefill: null, params: { stop: [] }, postProcessing: "none", bypassStatusCheck: false },
      key: "",
    })).toBe(true);
    controller.newChat();
    await controller.attachFile("a.png", async () => PNG_BASE64);
    expect(await controller.send("look")).toBe(false);
    expect(start).toHaveBeenCalledOnce();
    expect(drafts(controller)).toHaveLength(1);
    expect(drafts(controller)[0]!.status).toBe("ready");
    expect(controller.store.get().banner?.text).toContain("does not read images");
    expect(controller.store.get().messages.filter((m) => m.content === "look")).toEqual([]);
  });
});
