// The api layer over the generated bindings, with Tauri's IPC mocked: results are unwrapped,
// errors become AppError whatever shape they arrive in, and replies stream through a Channel.

import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "./error";
import { tauriApi } from "./client";

afterEach(() => clearMocks());

describe("tauriApi", () => {
  it("resolves with a command's data and passes camelCase arguments", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "set_api_key") return { id: "p1", name: "Local", hasKey: true };
      return null;
    });
    const profile = await tauriApi.setApiKey("p1", "sk-secret");
    expect(profile.hasKey).toBe(true);
    expect(seen).toEqual([["set_api_key", { profileId: "p1", key: "sk-secret" }]]);
  });

  it("throws an IpcError from the backend as an AppError", async () => {
    mockIPC(() => {
      throw { kind: "auth", message: "Profile “Local”: the server rejected the API key (401).", status: 401 };
    });
    const error = await tauriApi.connect("p1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe("auth");
    expect((error as AppError).error.status).toBe(401);
  });

  it("turns anything else the IPC throws into an internal AppError", async () => {
    mockIPC(() => {
      throw "command list_chats not found";
    });
    const error = await tauriApi.listChats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).error).toMatchObject({ kind: "internal", message: "command list_chats not found" });
  });

  it("wraps failures of commands that cannot fail in Rust too", async () => {
    mockIPC(() => {
      throw new Error("IPC is down");
    });
    await expect(tauriApi.listSources()).rejects.toBeInstanceOf(AppError);
  });

  it("starts a generation with a channel that delivers its events", async () => {
    let request: unknown = null;
    mockIPC((cmd, args) => {
      if (cmd !== "start_generation") return null;
      const payload = args as { request: unknown; onEvent: { onmessage?: (event: unknown) => void } };
      request = payload.request;
      payload.onEvent.onmessage?.({ type: "delta", text: "Hi" });
      return { generationId: "g1", chatId: "c1", userMessageId: "m1" };
    });
    const events: unknown[] = [];
    const started = await tauriApi.startGeneration(
      { profileId: "p1", chatId: null, input: "Hello", model: null, attachments: ["a1"] },
      (event) => events.push(event),
    );
    expect(started).toEqual({ generationId: "g1", chatId: "c1", userMessageId: "m1" });
    expect(request).toEqual({ profileId: "p1", chatId: null, input: "Hello", model: null, attachments: ["a1"] });
    expect(events).toEqual([{ type: "delta", text: "Hi" }]);
  });

  it("previews a request through preview_request", async () => {
    const seen: [string, unknown][] = [];
    const preview = { method: "POST", url: "http://127.0.0.1:8080/v1/chat/completions", headers: [["authorization", "Bearer <redacted>"]], body: "{}" };
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return preview;
    });
    const request = { profileId: "p1", chatId: "c1", input: "Hello", model: null, attachments: [] };
    await expect(tauriApi.previewRequest(request)).resolves.toEqual(preview);
    expect(seen).toEqual([["preview_request", { request }]]);
  });

  it("lists the built-in instruct templates through list_templates", async () => {
    const chatMl = {
      kind: "chat-ml", label: "ChatML",
      template: {
        bos: "", systemPrefix: "<|im_start|>system\n", systemSuffix: "<|im_end|>\n", userPrefix: "<|im_start|>user\n",
        userSuffix: "<|im_end|>\n", assistantPrefix: "<|im_start|>assistant\n", assistantSuffix: "<|im_end|>\n", stop: ["<|im_end|>"],
      },
    };
    const seen: string[] = [];
    mockIPC((cmd) => {
      seen.push(cmd);
      return [chatMl];
    });
    await expect(tauriApi.listTemplates()).resolves.toEqual([chatMl]);
    expect(seen).toEqual(["list_templates"]);
  });

  it("finds local servers through detect_servers, and maps its errors", async () => {
    const found = {
      source: "koboldcpp", url: "http://127.0.0.1:5001", server: "KoboldCpp", version: "1.102",
      models: ["koboldcpp/Mistral-7B"], summary: "KoboldCpp 1.102 with model koboldcpp/Mistral-7B", profileName: "KoboldCpp (5001)",
    };
    mockIPC((cmd) => (cmd === "detect_servers" ? [found] : null));
    await expect(tauriApi.detectServers()).resolves.toEqual([found]);
    clearMocks();
    mockIPC(() => {
      throw { kind: "internal", message: "The probe could not start." };
    });
    await expect(tauriApi.detectServers()).rejects.toBeInstanceOf(AppError);
  });

  it("writes a new version of a reply, or more of it, with a channel for its events", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      const { onEvent, ...rest } = args as { onEvent: { onmessage?: (event: unknown) => void } };
      seen.push([cmd, rest]);
      onEvent.onmessage?.({ type: "started", generationId: "g2", chatId: "c1", messageId: "m2", model: "x", text: "So far", swipeIndex: 1, swipeCount: 2 });
      return { generationId: "g2", chatId: "c1", userMessageId: null };
    });
    const events: unknown[] = [];
    const again = await tauriApi.regenerate("p1", "m2", (event) => events.push(event));
    expect(again.userMessageId).toBeNull();
    await tauriApi.continueReply("p1", "m2", (event) => events.push(event), "the-chat's-model");
    expect(seen).toEqual([
      ["regenerate", { profileId: "p1", messageId: "m2", model: null }],
      ["continue_reply", { profileId: "p1", messageId: "m2", model: "the-chat's-model" }],
    ]);
    expect(events).toHaveLength(2);
  });

  it("passes the arguments of the history commands as the shell names them", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return cmd === "search_chats" || cmd === "load_messages" || cmd === "load_newer_messages" ? [] : cmd.startsWith("delete") || cmd === "restore_chat" ? true : {};
    });
    await tauriApi.loadMessages("c1", 200);
    await tauriApi.loadChatAround("c1", "m1");
    await tauriApi.loadNewerMessages("c1", 300);
    await tauriApi.selectSwipe("m1", 2);
    await tauriApi.editMessage("m1", "new text");
    await tauriApi.deleteMessage("m1");
    await tauriApi.branchChat("c1", "m1");
    await tauriApi.renameChat("c1", "Title");
    await tauriApi.pinChat("c1", true);
    await tauriApi.deleteChat("c1");
    await tauriApi.restoreChat("c1");
    await tauriApi.searchChats("lantern");
    expect(seen).toEqual([
      ["load_messages", { chatId: "c1", beforeSeq: 200 }],
      ["load_chat_around", { chatId: "c1", messageId: "m1" }],
      ["load_newer_messages", { chatId: "c1", afterSeq: 300 }],
      ["select_swipe", { messageId: "m1", index: 2 }],
      ["edit_message", { messageId: "m1", content: "new text" }],
      ["delete_message", { messageId: "m1" }],
      ["branch_chat", { chatId: "c1", messageId: "m1" }],
      ["rename_chat", { chatId: "c1", title: "Title" }],
      ["pin_chat", { chatId: "c1", pinned: true }],
      ["delete_chat", { chatId: "c1" }],
      ["restore_chat", { chatId: "c1" }],
      ["search_chats", { query: "lantern" }],
    ]);
  });

  it("passes the arguments of the profile, settings and file commands as the shell names them", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "get_settings") return { autoConnect: false };
      if (cmd === "save_settings") return null;
      if (cmd === "choose_import_files") return ["/home/you/x.jsonl"];
      if (cmd === "import_chat_file") {
        return { chats: [], skipped: [{ line: 4, reason: "not a JSON object" }], profiles: [], skippedProfiles: [], error: null, alreadyHere: 0, replaced: [], skippedChats: [], onServer: 0 };
      }
      if (cmd === "export_chat") return { path: "/home/you/Downloads/x.md" };
      if (cmd === "backup_all" || cmd === "show_in_folder") return null;
      return { id: "p2", name: "Local copy", hasKey: true };
    });
    expect((await tauriApi.duplicateProfile("p1")).name).toBe("Local copy");
    expect(await tauriApi.getSettings()).toEqual({ autoConnect: false });
    expect(await tauriApi.saveSettings({ autoConnect: true, theme: "dark" })).toBeUndefined();
    expect(await tauriApi.chooseImportFiles()).toEqual(["/home/you/x.jsonl"]);
    expect((await tauriApi.importChatFile("/home/you/x.jsonl")).skipped[0]?.line).toBe(4);
    expect((await tauriApi.importChatFile("/home/you/b.json", "replace")).alreadyHere).toBe(0);
    expect((await tauriApi.exportChat("c1", "markdown"))?.path).toBe("/home/you/Downloads/x.md");
    expect(await tauriApi.backupAll()).toBeNull();
    expect(await tauriApi.showInFolder("/home/you/Downloads/x.md")).toBeUndefined();
    expect(seen).toEqual([
      ["duplicate_profile", { profileId: "p1" }],
      ["get_settings", {}],
      ["save_settings", { settings: { autoConnect: true, theme: "dark" } }],
      ["choose_import_files", {}],
      ["import_chat_file", { path: "/home/you/x.jsonl", existing: null }],
      ["import_chat_file", { path: "/home/you/b.json", existing: "replace" }],
      ["export_chat", { chatId: "c1", format: "markdown" }],
      ["backup_all", {}],
      ["show_in_folder", { path: "/home/you/Downloads/x.md" }],
    ]);
  });

  it("maps a refused swipe to an AppError", async () => {
    mockIPC(() => {
      throw { kind: "invalidRequest", message: "This message has 2 versions; there is no version 5." };
    });
    const error = await tauriApi.selectSwipe("m1", 4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe("invalidRequest");
  });
  it("attaches, chooses, discards and reads images through their commands", async () => {
    const seen: [string, unknown][] = [];
    const info = { id: "a1", kind: "image", name: "dot.png", mediaType: "image/png", size: 70, width: 1, height: 1 };
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "add_attachment") return info;
      if (cmd === "choose_attachments") return { attached: [info], refused: [{ name: "x.bin", message: "no" }] };
      if (cmd === "discard_attachment") return true;
      if (cmd === "attachment_image") return "data:image/png;base64,AAAA";
      return null;
    });
    expect(await tauriApi.addAttachment("dot.png", "AAAA")).toEqual(info);
    expect((await tauriApi.chooseAttachments()).refused[0]?.name).toBe("x.bin");
    expect(await tauriApi.discardAttachment("a1")).toBe(true);
    expect(await tauriApi.attachmentImage("a1")).toBe("data:image/png;base64,AAAA");
    expect(seen).toEqual([
      ["add_attachment", { name: "dot.png", dataBase64: "AAAA" }],
      ["choose_attachments", {}],
      ["discard_attachment", { id: "a1" }],
      ["attachment_image", { id: "a1" }],
    ]);
  });
});
