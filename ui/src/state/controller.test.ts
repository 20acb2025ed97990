// The controller against the in-memory backend: the connect flow, error actions, streaming
// replies (finish, stop, failure) and tray actions.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi, MOCK_LOCAL_SERVERS, MOCK_SOURCES, type MockApi } from "../dev/mock-api";
import { AppError, type ProviderKind } from "../api";
import { chatAnswerer, selectedProfile } from "./app-state";
import { liveStatus } from "./generation";
import { draftFromProfile } from "./profile-form";
import { Controller, type ProfileForm } from "./controller";

const NOW = 1_000_000;

async function started(options: Parameters<typeof createMockApi>[0] = {}): Promise<{ api: MockApi; controller: Controller }> {
  const api = createMockApi({ tick: 0, latency: 0, ...options });
  const controller = new Controller(api, { now: () => NOW });
  await controller.start();
  return { api, controller };
}

function newForm(source: ProviderKind, url: string, key = "", name = ""): ProfileForm {
  return {
    draft: {
      id: null,
      name,
      source,
      url,
      model: null,
      systemPrompt: null,
      prefill: null,
      params: { stop: [] },
      postProcessing: "none",
      bypassStatusCheck: false,
    },
    key,
  };
}

/** Waits until the streaming reply has ended. */
async function replyEnded(controller: Controller): Promise<void> {
  await vi.waitFor(() => expect(controller.store.get().generation).toBeNull(), { timeout: 2000 });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("start-up", () => {
  it("opens the drawer on first launch", async () => {
    const { controller } = await started();
    const state = controller.store.get();
    expect(state.ready).toBe(true);
    expect(state.drawerOpen).toBe(true);
    expect(state.sources.length).toBe(MOCK_SOURCES.length);
    expect(state.profiles).toEqual([]);
    expect(state.selectedProfileId).toBeNull();
  });

  it("selects the active profile and keeps the drawer shut once connected", async () => {
    const { controller } = await started({ scenario: "chat" });
    const state = controller.store.get();
    expect(state.drawerOpen).toBe(false);
    expect(state.selectedProfileId).toBe("profile-local");
    expect(state.connection.state).toBe("connected");
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
  });

  it("reconnects to the profile used last when the app starts unconnected", async () => {
    const { api, controller } = await started({ scenario: "relaunch" });
    expect(controller.store.get().selectedProfileId).toBe("profile-local");
    await vi.waitFor(() => expect(controller.store.get().connection.state).toBe("connected"));
    expect(api.calls.filter((call) => call.startsWith("connect"))).toHaveLength(1);
  });
});

describe("connect on launch", () => {
  it("is on by default: the profile used last is connected at start", async () => {
    const { api, controller } = await started({ scenario: "relaunch" });
    expect(controller.store.get().settings).toEqual({ autoConnect: true, theme: "system" });
    await vi.waitFor(() => expect(controller.store.get().connection.state).toBe("connected"));
    expect(api.calls).toContain("connect:profile-local");
  });

  it("when off, selects the profile used last but connects to nothing", async () => {
    const { api, controller } = await started({ scenario: "relaunch", autoConnect: false });
    const state = controller.store.get();
    expect(state.settings).toEqual({ autoConnect: false, theme: "system" });
    expect(state.selectedProfileId).toBe("profile-local");
    expect(state.drawerOpen).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(controller.store.get().connection.state).toBe("idle");
    expect(api.calls.filter((call) => call.startsWith("connect") || call.startsWith("listModels"))).toEqual([]);
  });

  it("is saved when changed, and the next start follows it", async () => {
    const { api, controller } = await started({ scenario: "relaunch" });
    expect(await controller.setAutoConnect(false)).toBe(true);
    expect(controller.store.get().settings).toEqual({ autoConnect: false, theme: "system" });
    expect(api.calls).toContain('saveSettings:{"autoConnect":false,"theme":"system"}');
    expect(await api.getSettings()).toEqual({ autoConnect: false, theme: "system" });
    // Another window over the same backend, as after a restart.
    const next = new Controller(api, { now: () => NOW });
    await next.start();
    expect(next.store.get().settings?.autoConnect).toBe(false);
  });

  it("goes back to what it was when the save fails", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    vi.spyOn(api, "saveSettings").mockRejectedValue({ kind: "storage", message: "The local database failed: disk full." });
    expect(await controller.setAutoConnect(false)).toBe(false);
    expect(controller.store.get().settings).toEqual({ autoConnect: true, theme: "system" });
    expect(controller.store.get().banner?.text).toContain("disk full");
  });
});

describe("a chat's profile", () => {
  /** The chat scenario plus a second profile, with a chat written through it (the active profile is Local again). */
  async function twoProfiles(): Promise<{ api: MockApi; controller: Controller; otherId: string; chatId: string }> {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const otherId = await addProfile(api, controller, "custom", "http://127.0.0.1:11434/v1", "Ollama");
    await controller.selectProfile(otherId, { connect: true });
    await controller.chooseModel("qwen2.5-7b-instruct");
    controller.newChat();
    await controller.send("Hello from Ollama");
    await replyEnded(controller);
    const chatId = controller.store.get().chatId!;
    // Connecting moves the chat on screen along: leave it first.
    controller.newChat();
    await controller.selectProfile("profile-local", { connect: true });
    return { api, controller, otherId, chatId };
  }

  it("answers when the chat is opened, without connecting or changing the drawer or the default", async () => {
    const { api, controller, otherId, chatId } = await twoProfiles();
    expect(controller.store.get().connection.profileId).toBe("profile-local");
    api.calls.length = 0;
    await controller.openChat(chatId);
    const state = controller.store.get();
    expect(state.selectedProfileId).toBe("profile-local");
    expect(state.connection).toMatchObject({ profileId: "profile-local", state: "connected" });
    expect(state.chatModel).toBe("qwen2.5-7b-instruct");
    expect(chatAnswerer(state)).toMatchObject({ profile: { id: otherId }, model: "qwen2.5-7b-instruct" });
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([]);
    await controller.send("And again");
    await replyEnded(controller);
    expect(api.calls).toContain(`startGeneration:${chatId}`);
    const chat = (await api.listChats()).find((c) => c.id === chatId);
    expect(chat).toMatchObject({ profileId: otherId, model: "qwen2.5-7b-instruct" });
    // A new chat goes with the default again.
    controller.newChat();
    expect(chatAnswerer(controller.store.get())).toMatchObject({ profile: { id: "profile-local" }, model: "llama-3.1-8b-instruct" });
  });

  it("is not connected again when it is the active connection", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    api.calls.length = 0;
    await controller.openChat(controller.store.get().chats[0]!.id);
    expect(controller.store.get().selectedProfileId).toBe("profile-local");
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([]);
  });

  it("leaves the drawer's new profile alone when a chat is opened", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    await controller.selectProfile(null);
    api.calls.length = 0;
    await controller.openChat(controller.store.get().chats[0]!.id);
    expect(controller.store.get().selectedProfileId).toBeNull();
    expect(chatAnswerer(controller.store.get())?.profile.id).toBe("profile-local");
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([]);
  });

  it("leaves the selection alone when the chat's profile was deleted", async () => {
    const { api, controller, otherId, chatId } = await twoProfiles();
    await api.deleteProfile(otherId);
    await controller.refreshProfiles();
    api.calls.length = 0;
    await controller.openChat(chatId);
    expect(controller.store.get().selectedProfileId).toBe("profile-local");
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([]);
  });
});

describe("duplicating a profile", () => {
  it("shows the copy, key and model list included", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await controller.saveKey("sk-local");
    await controller.refreshModels();
    const models = controller.store.get().models;
    expect(models?.length).toBe(2);
    const copy = await controller.duplicateSelectedProfile();
    expect(copy).toMatchObject({ name: "Local llama.cpp copy", hasKey: true, url: "http://127.0.0.1:8080/v1" });
    const state = controller.store.get();
    expect(state.selectedProfileId).toBe(copy?.id);
    expect(state.profiles.map((p) => p.name)).toEqual(["Local llama.cpp", "Local llama.cpp copy"]);
    expect(state.models).toBe(models);
    expect(state.banner?.text).toBe("Duplicated “Local llama.cpp” as “Local llama.cpp copy”.");
    await controller.selectProfile("profile-local");
    expect((await controller.duplicateSelectedProfile())?.name).toBe("Local llama.cpp copy 2");
    expect(api.calls.filter((c) => c.startsWith("duplicateProfile"))).toHaveLength(2);
  });

  it("does nothing for a profile not saved yet", async () => {
    const { api, controller } = await started();
    expect(await controller.duplicateSelectedProfile()).toBeNull();
    expect(api.calls.filter((c) => c.startsWith("duplicateProfile"))).toEqual([]);
  });
});

describe("chat files", () => {
  /** Puts a file on the mock's disk; its path, as the file dialog would give it. */
  const file = (api: MockApi, name: string, text: string): string => {
    const path = `/home/you/chats/${name}`;
    api.files.set(path, text);
    return path;
  };
  const TAVERN = [
    JSON.stringify({ user_name: "You", character_name: "Seraphina", create_date: "2024-05-12@13h06m" }),
    JSON.stringify({ name: "You", is_user: true, mes: "Hello" }),
    JSON.stringify({ name: "Seraphina", is_user: false, mes: "Welcome, traveller." }),
    "{not json",
    JSON.stringify({ name: "You", is_user: true, mes: "Where am I?" }),
    JSON.stringify({ name: "You", is_user: true }),
  ].join("\n");

  it("imports SillyTavern files, naming the lines left out", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const results = await controller.importFiles([file(api, "x.jsonl", TAVERN), file(api, "y.jsonl", TAVERN.split("\n").slice(0, 3).join("\n"))]);
    expect(results.map((r) => r.report?.chats.length)).toEqual([1, 1]);
    expect(api.calls.filter((c) => c.startsWith("importChatFile"))).toEqual(["importChatFile:x.jsonl", "importChatFile:y.jsonl"]);
    const state = controller.store.get();
    expect(state.chats.length).toBe(7);
    expect(state.chats.filter((c) => c.title === "Seraphina (imported)")).toHaveLength(2);
    expect(state.notice).toMatchObject({
      tone: "info",
      text: "Imported 2 chats; skipped lines 4 and 6 of x.jsonl: line 4 — not valid JSON; line 6 — no \"mes\" field (the message text).",
      path: null,
    });
    expect(state.busy.import).toBe(false);
  });

  it("says which files could not be imported, and imports the others", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    vi.spyOn(api, "importChatFile").mockImplementationOnce(async () => {
      throw { kind: "internal", message: "IPC went away." };
    });
    await controller.importFiles([file(api, "a.jsonl", TAVERN), file(api, "notes.json", "[1, 2]"), file(api, "b.jsonl", TAVERN)]);
    const notice = controller.store.get().notice;
    expect(notice?.tone).toBe("error");
    expect(notice?.text).toMatch(/^Imported 1 chat; could not import a\.jsonl: IPC went away; could not import notes\.json: Line 1 is not a SillyTavern chat header/);
    expect(notice?.text).toContain("skipped lines 4 and 6 of b.jsonl");
  });

  it("restores a backup's profiles whose names are free; its chats already here are skipped or replaced as asked", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    await controller.duplicateSelectedProfile();
    const backup = await controller.backupAll();
    expect(backup?.path).toMatch(/^\/home\/you\/Downloads\/switchboard-backup-\d{4}-\d{2}-\d{2}\.json$/);
    expect(controller.store.get().notice?.text).toBe(`Backed up 5 chats and 2 profiles (no keys) to ${backup?.path}`);
    await controller.selectProfile(controller.store.get().profiles[1]!.id);
    await controller.deleteSelectedProfile();
    const text = api.files.get(backup!.path)!;
    const renamed = controller.store.get().chats[0]!;
    await controller.renameChat(renamed.id, "Renamed since the backup");

    // Asked first: nothing is imported until the answer.
    const skipping = controller.importFiles([file(api, "backup.json", text)]);
    await vi.waitFor(() => expect(controller.store.get().existingChats).toEqual({ fileName: "backup.json", count: 5 }));
    expect(api.calls.filter((c) => c.startsWith("importChatFile"))).toEqual(["importChatFile:backup.json"]);
    controller.answerExistingChats("skip");
    await skipping;
    let state = controller.store.get();
    expect(state.existingChats).toBeNull();
    expect(state.chats.length).toBe(5);
    expect(state.chats.some((c) => c.title === "Renamed since the backup")).toBe(true);
    expect(state.profiles.map((p) => p.name)).toEqual(["Local llama.cpp", "Local llama.cpp copy"]);
    expect(state.notice?.text).toBe(
      "Imported 1 profile (without keys: add them in the drawer); skipped 5 chats already here; left out the profile “Local llama.cpp” of backup.json: a profile with this name exists.",
    );

    // Cancel: that file is left out, nothing changes, nothing is said.
    controller.dismissNotice();
    const cancelling = controller.importFiles([file(api, "backup.json", text)]);
    await vi.waitFor(() => expect(controller.store.get().existingChats).not.toBeNull());
    controller.answerExistingChats(null);
    await cancelling;
    expect(controller.store.get().chats.length).toBe(5);
    expect(controller.store.get().notice).toBeNull();

    // Replace: the backup's copies take their places; still five chats.
    const replacing = controller.importFiles([file(api, "backup.json", text)]);
    await vi.waitFor(() => expect(controller.store.get().existingChats).not.toBeNull());
    controller.answerExistingChats("replace");
    await replacing;
    state = controller.store.get();
    expect(state.chats.length).toBe(5);
    expect(state.chats.some((c) => c.title === "Renamed since the backup")).toBe(false);
    expect(state.chats.some((c) => c.id === renamed.id && c.title === renamed.title)).toBe(true);
    expect(state.notice?.text).toMatch(/^Replaced 5 chats with the backup's copy; left out the profile/);
    expect(api.calls.filter((c) => c.startsWith("importChatFile"))).toEqual([
      "importChatFile:backup.json", "importChatFile:backup.json:skip", // skipped
      "importChatFile:backup.json", // cancelled
      "importChatFile:backup.json", "importChatFile:backup.json:replace", // replaced
    ]);
  });

  it("saves nothing and says nothing when the save dialog is cancelled; shows a saved file in its folder", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const chat = controller.store.get().chats[0]!;
    const before = api.files.size;
    api.willSave(null);
    expect(await controller.exportChat(chat.id, "json")).toBeNull();
    api.willSave(null);
    expect(await controller.backupAll()).toBeNull();
    expect(api.files.size).toBe(before);
    const state = controller.store.get();
    expect(state.notice).toBeNull();
    expect(state.banner).toBeNull();
    expect(state.busy.export).toBe(false);

    api.willSave("/home/you/chosen/where.json");
    const saved = await controller.exportChat(chat.id, "json");
    expect(saved?.path).toBe("/home/you/chosen/where.json");
    expect(api.files.get("/home/you/chosen/where.json")).toContain('"switchboard-chat"');
    await controller.showInFolder(saved!.path);
    expect(api.calls).toContain("showInFolder:/home/you/chosen/where.json");
    expect(controller.store.get().notice?.tone).toBe("info");
    await controller.showInFolder("/etc/passwd");
    expect(controller.store.get().notice).toMatchObject({ tone: "error" });
  });

  it("exports a chat into Downloads under a new name each time, saying where", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const chat = controller.store.get().chats[0]!;
    const first = await controller.exportChat(chat.id, "sillytavern");
    expect(first?.path).toBe("/home/you/Downloads/Explain SSE in one paragraph.jsonl");
    expect(controller.store.get().notice).toMatchObject({
      tone: "info", text: `Exported “Explain SSE in one paragraph” to ${first?.path}`, path: first?.path,
    });
    const second = await controller.exportChat(chat.id, "sillytavern");
    expect(second?.path).toBe("/home/you/Downloads/Explain SSE in one paragraph (2).jsonl");
    expect((await controller.exportChat(chat.id, "markdown"))?.path).toMatch(/\.md$/);
    expect(api.files.get(first!.path)?.split("\n")).toHaveLength(5);
    // What was exported comes back in.
    await controller.importFiles([file(api, "again.jsonl", api.files.get(first!.path)!)]);
    expect(controller.store.get().chats.filter((c) => c.title === chat.title)).toHaveLength(2);
  });

  it("reports a failed export in the banner", async () => {
    const { controller } = await started({ scenario: "chat" });
    expect(await controller.exportChat("no-such-chat", "json")).toBeNull();
    expect(controller.store.get().banner?.text).toBe("That chat no longer exists.");
    expect(controller.store.get().busy.export).toBe(false);
  });
});

describe("text completion", () => {
  it("loads the built-in instruct templates at start", async () => {
    const { controller } = await started();
    expect(controller.store.get().templates.map((t) => t.kind)).toEqual(["chat-ml", "alpaca", "llama3", "mistral", "vicuna", "none"]);
  });

  it("saves the API and instruct settings with the profile", async () => {
    const { controller } = await started();
    const form = newForm("custom", "http://127.0.0.1:8080/v1");
    form.draft.api = "textCompletion";
    form.draft.instruct = { template: "alpaca", custom: null, contextSize: 2048 };
    expect(await controller.connect(form)).toBe(true);
    const profile = selectedProfile(controller.store.get());
    expect(profile?.api).toBe("textCompletion");
    expect(profile?.instruct).toEqual({ template: "alpaca", custom: null, contextSize: 2048 });
  });

  it("keeps the history-trimmed notice on the finished reply", async () => {
    const { controller } = await started();
    await controller.connect(newForm("koboldcpp", "http://127.0.0.1:5001"));
    await controller.send("Please trim the story");
    await replyEnded(controller);
    const reply = controller.store.get().messages.at(-1);
    expect(reply?.state).toBe("complete");
    expect(reply?.historyTrimmed).toEqual({ dropped: 7, contextSize: 4096 });
  });

  it("shows the Horde's queue position as it changes, then the whole reply", async () => {
    const { controller } = await started();
    await controller.connect(newForm("horde", "https://aihorde.net/api/v2"));
    expect(selectedProfile(controller.store.get())?.model).toBe("koboldcpp/L3-8B-Stheno-v3.2");
    const seen: string[] = [];
    controller.store.subscribe((state) => {
      const status = state.generation && liveStatus(state.generation);
      if (status && seen.at(-1) !== status) seen.push(status);
    });
    await controller.send("Tell me a story");
    await replyEnded(controller);
    expect(seen).toEqual([
      "In the Horde's queue: position 3, about 30 s",
      "In the Horde's queue: position 2, about 21 s",
      "In the Horde's queue: position 1, about 12 s",
      "A Horde worker is writing the reply, about 5 s",
    ]);
    expect(controller.store.get().messages.at(-1)?.content).toContain("Server-sent events");
  });
});

describe("profile edits", () => {
  it("forget the model list when the source changes", async () => {
    const { controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080/v1"));
    expect(controller.store.get().models?.length).toBe(2);
    const profile = selectedProfile(controller.store.get())!;
    await controller.saveEdits({ draft: { ...draftFromProfile(profile), name: "Renamed" }, key: "" });
    expect(controller.store.get().models?.length).toBe(2);
    await controller.saveEdits({ draft: { ...draftFromProfile(selectedProfile(controller.store.get())!), source: "horde" }, key: "" });
    expect(selectedProfile(controller.store.get())?.source).toBe("horde");
    expect(controller.store.get().models).toBeNull();
  });
});

describe("local servers", () => {
  it("are looked for once, by themselves, on first launch", async () => {
    const { api, controller } = await started();
    await vi.waitFor(() => expect(controller.store.get().localServers.status).toBe("done"));
    expect(controller.store.get().localServers).toEqual({ status: "done", found: MOCK_LOCAL_SERVERS, auto: true });
    expect(api.calls.filter((c) => c === "detectServers")).toHaveLength(1);
  });

  it("are not looked for by themselves once there are profiles", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    expect(controller.store.get().localServers.status).toBe("idle");
    expect(api.calls).not.toContain("detectServers");
  });

  it("are looked for on request, showing the search while it runs", async () => {
    const { controller } = await started({ scenario: "chat", localServers: [] });
    const searching = controller.findLocalServers();
    expect(controller.store.get().localServers).toEqual({ status: "searching", found: [], auto: false });
    expect(await searching).toEqual([]);
    expect(controller.store.get().localServers).toEqual({ status: "done", found: [], auto: false });
  });

  it("report a failed search in the banner, unless it ran by itself", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    vi.spyOn(api, "detectServers").mockRejectedValue({ kind: "internal", message: "The probe could not start." });
    await controller.findLocalServers();
    expect(controller.store.get().localServers.status).toBe("failed");
    expect(controller.store.get().banner?.text).toBe("The probe could not start.");
    controller.dismissBanner();
    await controller.findLocalServers({ auto: true });
    expect(controller.store.get().banner).toBeNull();
  });

  it("become a selected, connected profile with Add", async () => {
    const { api, controller } = await started();
    await vi.waitFor(() => expect(controller.store.get().localServers.status).toBe("done"));
    const save = vi.spyOn(api, "saveProfile");
    expect(await controller.addFoundServer(MOCK_LOCAL_SERVERS[0]!)).toBe(true);
    expect(save).toHaveBeenCalledWith(expect.objectContaining({
      id: null, name: "KoboldCpp (5001)", source: "koboldcpp", url: "http://127.0.0.1:5001",
      model: "koboldcpp/Mistral-7B-Instruct-v0.3.Q4_K_M", params: { maxTokens: 300 }, api: null,
    }));
    const state = controller.store.get();
    const profile = selectedProfile(state);
    expect(profile?.name).toBe("KoboldCpp (5001)");
    expect(state.connection).toMatchObject({ state: "connected", profileId: profile?.id });
  });
});

describe("keychain writes", () => {
  it("show as busy while the keychain answers", async () => {
    const { controller } = await started({ scenario: "chat" });
    const saving = controller.saveKey("sk-test-busy");
    expect(controller.store.get().busy.key).toBe(true);
    expect(await saving).toBe(true);
    expect(controller.store.get().busy.key).toBe(false);
    expect(controller.store.get().profiles.find((p) => p.id === "profile-local")?.hasKey).toBe(true);
  });
});

describe("connect", () => {
  it("saves a new profile named after its source, then the key, then connects", async () => {
    const { api, controller } = await started();
    api.calls.length = 0;
    const ok = await controller.connect(newForm("openai", "https://api.openai.com/v1", "sk-test"));
    expect(ok).toBe(true);
    // Checked before it is saved: a profile that does not connect is saved only when asked.
    expect(api.calls.slice(0, 4)).toEqual([
      "checkProfileDraft:openai:https://api.openai.com/v1",
      expect.stringMatching(/^saveProfile:new:OpenAI$/),
      expect.stringMatching(/^setApiKey:/),
      expect.stringMatching(/^connect:/),
    ]);
    const state = controller.store.get();
    const profile = selectedProfile(state);
    expect(profile?.name).toBe("OpenAI");
    expect(profile?.hasKey).toBe(true);
    expect(state.keySaves).toBe(1);
    expect(state.connection).toMatchObject({ state: "connected", profileId: profile?.id, model: "gpt-4o-mini" });
    expect(state.models?.map((m) => m.id)).toContain("gpt-4o");
    // No model was chosen: the first one on the list is saved to the profile.
    expect(profile?.model).toBe("gpt-4o-mini");
    expect(state.busy.connect).toBe(false);
  });

  it("makes the default name unique", async () => {
    const { controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080"));
    await controller.selectProfile(null);
    await controller.connect(newForm("custom", "http://127.0.0.1:8081"));
    expect(controller.store.get().profiles.map((p) => p.name)).toEqual(["Custom (OpenAI-compatible)", "Custom (OpenAI-compatible) 2"]);
  });

  it("reports what URL normalisation changed", async () => {
    const { controller } = await started();
    await controller.connect(newForm("custom", "localhost:8080/"));
    const state = controller.store.get();
    expect(selectedProfile(state)?.url).toBe("http://localhost:8080/v1");
    expect(state.urlNotice).toMatch(/added \/v1/);
  });

  it("shows a refused key at the key field and focuses it", async () => {
    const { controller } = await started();
    controller.store.update({ drawerOpen: false });
    const ok = await controller.connect(newForm("openai", "https://api.openai.com/v1", "bad"));
    expect(ok).toBe(false);
    const state = controller.store.get();
    expect(state.keyError).toMatch(/rejected the API key/);
    expect(state.drawerOpen).toBe(true);
    expect(state.focus?.target).toBe("key");
    // Said once, at the field: no banner.
    expect(state.banner).toBeNull();
    // A new profile that does not connect is not saved, and the connection is left as it was.
    expect(state.profiles).toEqual([]);
    expect(state.connection.state).toBe("idle");
  });

  it("asks whether the server is running when it cannot be reached, and offers to save it anyway", async () => {
    const { api, controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:9"));
    const banner = controller.store.get().banner;
    expect(banner?.kind).toBe("network");
    expect(banner?.hint).toBe("Is the server running at http://127.0.0.1:9/v1?");
    expect(banner?.action?.label).toBe("Save anyway");
    expect(api.calls.filter((c) => c.startsWith("saveProfile"))).toEqual([]);
    banner?.action?.run();
    await vi.waitFor(() => expect(controller.store.get().profiles.map((p) => p.url)).toEqual(["http://127.0.0.1:9/v1"]));
    expect(selectedProfile(controller.store.get())?.url).toBe("http://127.0.0.1:9/v1");
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([]);
  });

  it("leaves the live connection alone when a new profile does not connect", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().connection.state).toBe("connected"));
    await controller.selectProfile(null);
    api.calls.length = 0;
    expect(await controller.connect(newForm("custom", "http://127.0.0.1:9"))).toBe(false);
    const state = controller.store.get();
    expect(state.connection).toMatchObject({ profileId: "profile-local", state: "connected" });
    expect(state.profiles.map((p) => p.id)).toEqual(["profile-local"]);
    expect(api.calls.filter((c) => c.startsWith("connect") || c.startsWith("saveProfile"))).toEqual([]);
  });

  it("clears an error banner once a connection succeeds", async () => {
    const { controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:9"));
    const form = newForm("custom", "http://127.0.0.1:8080");
    form.draft.id = controller.store.get().selectedProfileId;
    form.draft.name = "Custom (OpenAI-compatible)";
    await controller.connect(form);
    expect(controller.store.get().banner).toBeNull();
    expect(controller.store.get().connection.state).toBe("connected");
  });

  it("says a saved key cannot be read when the keychain stays locked at connect, and offers a session key", async () => {
    const { api, controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080"));
    api.connect = async () => {
      throw new AppError({
        kind: "secretStore",
        message: "The system keychain did not answer within 10 s.",
        reason: { type: "keychainUnavailable", problem: "timeout" },
      });
    };
    const profile = selectedProfile(controller.store.get());
    if (!profile) throw new Error("no profile");
    expect(await controller.connect({ draft: draftFromProfile(profile), key: "" })).toBe(false);
    const state = controller.store.get();
    expect(state.keyError).toMatch(/^The saved key cannot be read: .*not unlocked within 10 seconds/);
    expect(state.keychainProblem).toBe("timeout");
    expect(state.banner).toBeNull();
    expect(state.focus?.target).toBe("key");
  });

  it("clears a refused request's banner once a connection succeeds (any kind of error)", async () => {
    const { controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080"));
    for (const kind of ["invalidRequest", "modelNotFound", "protocol"] as const) {
      controller.handleError(new AppError({ kind, message: "The server refused the request (HTTP 400)." }));
      expect(controller.store.get().banner?.kind).toBe(kind);
      const profile = selectedProfile(controller.store.get());
      if (!profile) throw new Error("no profile");
      await controller.connect({ draft: draftFromProfile(profile), key: "" });
      expect(controller.store.get().banner).toBeNull();
      expect(controller.store.get().connection.state).toBe("connected");
    }
  });

  it("shows a text field instead of a list when the server lists no models", async () => {
    const { controller } = await started();
    await controller.connect(newForm("tabby", "http://127.0.0.1:5000/v1"));
    expect(controller.store.get().models).toEqual([]);
    expect(selectedProfile(controller.store.get())?.model).toBeNull();
  });
});

describe("errors", () => {
  it("counts a rate limit down from retryAfterMs", async () => {
    const { controller } = await started();
    const retry = vi.fn();
    controller.handleError({ kind: "rateLimited", message: "Too many requests.", retryAfterMs: 12_000 }, { retry });
    const banner = controller.store.get().banner;
    expect(banner?.retryAt).toBe(NOW + 12_000);
    banner?.action?.run();
    expect(retry).toHaveBeenCalledOnce();
  });

  it("opens the model picker for an unknown model", async () => {
    const { controller } = await started();
    controller.handleError({ kind: "modelNotFound", message: "No such model." });
    expect(controller.store.get()).toMatchObject({ drawerOpen: true, focus: { target: "model" } });
  });

  it("opens the drawer when something is not configured", async () => {
    const { controller } = await started();
    controller.store.update({ drawerOpen: false });
    controller.handleError({ kind: "notConfigured", message: "No profile." });
    expect(controller.store.get()).toMatchObject({ drawerOpen: true, focus: { target: "drawer" } });
  });

  it("says nothing about a cancellation", async () => {
    const { controller } = await started();
    controller.handleError({ kind: "cancelled", message: "Stopped." });
    expect(controller.store.get().banner).toBeNull();
  });

  it("turns a non-IpcError failure into an internal error banner", async () => {
    const { controller } = await started();
    controller.handleError(new TypeError("window.__TAURI_INTERNALS__ is undefined"));
    expect(controller.store.get().banner).toMatchObject({ kind: "internal", text: "window.__TAURI_INTERNALS__ is undefined" });
  });
});

describe("chat", () => {
  it("refuses to send without a profile and opens the drawer", async () => {
    const { controller } = await started();
    controller.store.update({ drawerOpen: false });
    expect(await controller.send("Hello")).toBe(false);
    expect(controller.store.get()).toMatchObject({ drawerOpen: true, banner: { kind: "notConfigured" } });
    expect(controller.store.get().messages).toEqual([]);
  });

  it("streams a reply into a new chat", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    controller.newChat();
    expect(await controller.send("Explain SSE")).toBe(true);
    expect(api.calls).toContain("startGeneration:new");
    await replyEnded(controller);
    const state = controller.store.get();
    expect(state.chatId).not.toBeNull();
    expect(state.messages.map((m) => [m.role, m.state])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(state.messages[0]?.id).not.toBeNull();
    expect(state.messages[1]?.content).toContain("Server-sent events");
    await vi.waitFor(() => expect(controller.store.get().chats.some((c) => c.id === state.chatId)).toBe(true));
  });

  it("keeps the partial reply, marked stopped, when stopped", async () => {
    const { controller } = await started({ scenario: "chat", tick: 2 });
    controller.newChat();
    await controller.send("Tell me something slow");
    await vi.waitFor(() => expect(controller.store.get().generation?.content.length ?? 0).toBeGreaterThan(20));
    await controller.stop();
    await replyEnded(controller);
    const reply = controller.store.get().messages.at(-1);
    expect(reply?.state).toBe("stopped");
    expect(reply?.content.length).toBeGreaterThan(20);
    expect(reply?.content.length).toBeLessThan(1000);
    expect(controller.store.get().banner).toBeNull();
  });

  it("stops a reply even when Stop comes before the backend answered", async () => {
    const { controller } = await started({ scenario: "chat", tick: 2 });
    controller.newChat();
    const sending = controller.send("slow please");
    await controller.stop();
    await sending;
    await replyEnded(controller);
    expect(controller.store.get().messages.at(-1)?.state).toBe("stopped");
  });

  it("keeps the text received so far and the error when the reply fails", async () => {
    const { controller } = await started({ scenario: "chat" });
    controller.newChat();
    await controller.send("please fail");
    await replyEnded(controller);
    const state = controller.store.get();
    const reply = state.messages.at(-1);
    expect(reply?.state).toBe("failed");
    expect(reply?.content.length).toBeGreaterThan(0);
    expect(reply?.error?.kind).toBe("network");
    expect(state.banner?.kind).toBe("network");
  });

  it("gives the text back when the backend refuses to start", async () => {
    const { controller } = await started();
    await controller.connect(newForm("tabby", "http://127.0.0.1:5000/v1"));
    controller.newChat();
    expect(await controller.send("Hello")).toBe(false); // no model: notConfigured
    const state = controller.store.get();
    expect(state.messages).toEqual([]);
    expect(state.generation).toBeNull();
    expect(state.banner?.kind).toBe("notConfigured");
  });

  it("loads a stored chat", async () => {
    const { controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const first = controller.store.get().chats[0]!;
    await controller.openChat(first.id);
    const state = controller.store.get();
    expect(state.chatTitle).toBe(first.title);
    expect(state.messages.map((m) => m.state)).toEqual(["complete", "complete", "complete", "stopped"]);
    expect(state.messages[1]?.reasoning).toMatch(/short explanation/);
  });
});

describe("what will be sent", () => {
  it("asks for the request the composer's text would make in the current chat", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const chat = controller.store.get().chats[0]!;
    await controller.openChat(chat.id);
    const preview = vi.spyOn(api, "previewRequest");
    expect(await controller.previewRequest("  And how do I resume it?\n")).toBe(true);
    expect(preview).toHaveBeenCalledExactlyOnceWith({
      profileId: "profile-local",
      chatId: chat.id,
      input: "And how do I resume it?",
      model: "llama-3.1-8b-instruct",
      attachments: [],
    });
    const state = controller.store.get();
    expect(state.requestPreview).toMatchObject({ method: "POST", url: "http://127.0.0.1:8080/v1/chat/completions" });
    const body = JSON.parse(state.requestPreview!.body) as { messages: { role: string; content: string }[] };
    expect(body.messages.at(-1)).toEqual({ role: "user", content: "And how do I resume it?" });
    expect(body.messages.length).toBe(5);
    expect(state.busy.preview).toBe(false);
    expect(api.calls.some((c) => c.startsWith("startGeneration"))).toBe(false);
    expect(state.messages.length).toBe(4); // nothing was sent or saved
  });

  it("previews a new chat with no chat id, and the conversation so far for an empty box", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    controller.newChat();
    const preview = vi.spyOn(api, "previewRequest");
    await controller.previewRequest("   ");
    expect(preview).toHaveBeenCalledWith(expect.objectContaining({ chatId: null, input: "" }));
    expect(JSON.parse(controller.store.get().requestPreview!.body).messages).toEqual([]);
  });

  it("closes, handing focus back to the button, and closes when another chat is opened", async () => {
    const { controller } = await started({ scenario: "chat" });
    await controller.previewRequest("hi");
    controller.closeRequestPreview();
    expect(controller.store.get()).toMatchObject({ requestPreview: null, focus: { target: "preview" } });
    await controller.previewRequest("hi");
    expect(controller.store.get().requestPreview).not.toBeNull();
    controller.newChat();
    expect(controller.store.get().requestPreview).toBeNull();
  });

  it("shows Claude's request: /messages, the version header, the key redacted, system apart, the prefill last", async () => {
    const { controller } = await started();
    const form = newForm("claude", "https://api.anthropic.com/v1", "sk-ant-secret");
    form.draft.systemPrompt = "Be brief.";
    form.draft.prefill = "Certainly! ";
    expect(await controller.connect(form)).toBe(true);
    await controller.previewRequest("Name a colour.");
    const preview = controller.store.get().requestPreview!;
    expect(preview.url).toBe("https://api.anthropic.com/v1/messages");
    expect(preview.headers).toContainEqual(["x-api-key", "<redacted>"]);
    expect(preview.headers).toContainEqual(["anthropic-version", "2023-06-01"]);
    expect(JSON.stringify(preview)).not.toContain("sk-ant-secret");
    const body = JSON.parse(preview.body);
    expect(body.system).toBe("Be brief.");
    expect(body.messages).toEqual([
      { role: "user", content: "Name a colour." },
      { role: "assistant", content: "Certainly!" },
    ]);
  });

  it("starts a Claude reply with the prefill", async () => {
    const { controller } = await started();
    const form = newForm("claude", "https://api.anthropic.com/v1", "sk-ant-secret");
    form.draft.prefill = "Certainly!";
    await controller.connect(form);
    await controller.send("Hello");
    await replyEnded(controller);
    expect(controller.store.get().messages.at(-1)?.content.startsWith("Certainly!Server-sent")).toBe(true);
  });

  it("shows a text-completion prompt written with the profile's instruct template", async () => {
    const { controller } = await started();
    const form = newForm("koboldcpp", "http://127.0.0.1:5001");
    form.draft.instruct = { template: "alpaca", custom: null, contextSize: null };
    form.draft.systemPrompt = "Be brief.";
    await controller.connect(form);
    await controller.previewRequest("Hello");
    const preview = controller.store.get().requestPreview!;
    expect(preview.url).toBe("http://127.0.0.1:5001/api/extra/generate/stream");
    const body = JSON.parse(preview.body) as { prompt: string; stop_sequence: string[] };
    expect(body.prompt).toBe("Be brief.\n\n### Instruction:\nHello\n\n### Response:\n");
    expect(body.stop_sequence).toEqual(["### Instruction:", "### Response:"]);
  });

  it("reports a refused preview in the banner and opens nothing", async () => {
    const { api, controller } = await started();
    controller.store.update({ drawerOpen: false });
    const preview = vi.spyOn(api, "previewRequest");
    expect(await controller.previewRequest("Hello")).toBe(false);
    expect(preview).not.toHaveBeenCalled();
    expect(controller.store.get()).toMatchObject({ requestPreview: null, drawerOpen: true, banner: { kind: "notConfigured" } });

    await controller.connect(newForm("tabby", "http://127.0.0.1:5000/v1")); // no model
    controller.dismissBanner();
    expect(await controller.previewRequest("Hello")).toBe(false);
    expect(preview).toHaveBeenCalledOnce();
    expect(controller.store.get()).toMatchObject({ requestPreview: null, banner: { kind: "notConfigured" } });
    expect(controller.store.get().busy.preview).toBe(false);
  });
});

describe("tray actions", () => {
  it("connects to the profile the tray names", async () => {
    const { api, controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080"));
    const id = controller.store.get().selectedProfileId!;
    await controller.selectProfile(null);
    api.calls.length = 0;
    api.emitTrayAction({ type: "connect", profileId: id });
    await vi.waitFor(() => expect(api.calls).toContain(`connect:${id}`));
    await vi.waitFor(() => expect(controller.store.get().busy.connect).toBe(false));
    expect(controller.store.get().selectedProfileId).toBe(id);
    expect(controller.store.get().connection.state).toBe("connected");
  });

  it("starts a new chat", async () => {
    const { api, controller } = await started({ scenario: "chat" });
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    await controller.openChat(controller.store.get().chats[0]!.id);
    api.emitTrayAction({ type: "newChat" });
    expect(controller.store.get()).toMatchObject({ chatId: null, messages: [], focus: { target: "composer" } });
  });

  it("re-reads profiles when they change elsewhere", async () => {
    const { api, controller } = await started();
    await api.saveProfile(newForm("openai", "https://api.openai.com/v1", "", "From the CLI").draft);
    api.emitProfilesChanged();
    await vi.waitFor(() => expect(controller.store.get().profiles.map((p) => p.name)).toEqual(["From the CLI"]));
  });
});

/** A promise and the function that settles it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Saves a profile behind the window's back and re-reads the list; returns its id. */
async function addProfile(api: MockApi, controller: Controller, source: ProviderKind, url: string, name: string): Promise<string> {
  const saved = await api.saveProfile({ ...newForm(source, url, "", name).draft, bypassStatusCheck: true });
  await controller.refreshProfiles();
  return saved.profile.id;
}

describe("the model list", () => {
  it("is emptied when another profile or a new one is shown", async () => {
    const { api, controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080/v1"));
    expect(controller.store.get().models?.length).toBe(2);
    const mancer = await addProfile(api, controller, "mancer", "https://neuro.mancer.tech/oai/v1", "Mancer");
    const listed = deferred<Awaited<ReturnType<MockApi["listModels"]>>>();
    vi.spyOn(api, "listModels").mockReturnValueOnce(listed.promise);
    const selecting = controller.selectProfile(mancer);
    expect(controller.store.get().models).toBeNull();
    listed.resolve([{ id: "mytholite" }]);
    await selecting;
    expect(controller.store.get().models?.map((m) => m.id)).toEqual(["mytholite"]);
    await controller.selectProfile(null);
    expect(controller.store.get().models).toBeNull();
  });

  it("that Connect lists for a profile no longer shown is dropped", async () => {
    const { api, controller } = await started();
    const local = await addProfile(api, controller, "custom", "http://127.0.0.1:8080/v1", "Local");
    const real = api.connect.bind(api);
    const gate = deferred<void>();
    vi.spyOn(api, "connect").mockImplementationOnce(async (id) => {
      await gate.promise;
      return real(id);
    });
    const connecting = controller.selectProfile(local, { connect: true });
    await vi.waitFor(() => expect(api.connect).toHaveBeenCalled());
    // "New profile…" is chosen while the server is asked.
    await controller.selectProfile(null);
    gate.resolve();
    await connecting;
    const state = controller.store.get();
    expect(state.selectedProfileId).toBeNull();
    expect(state.models).toBeNull();
    // The list's first model is saved to the profile that connected, not to the one shown now.
    expect(state.profiles.find((p) => p.id === local)?.model).toBe("llama-3.1-8b-instruct");
  });

  it("that an older request answers last is not shown", async () => {
    const { api, controller } = await started();
    const local = await addProfile(api, controller, "custom", "http://127.0.0.1:8080/v1", "Local");
    const mancer = await addProfile(api, controller, "mancer", "https://neuro.mancer.tech/oai/v1", "Mancer");
    await controller.selectProfile(local);
    const slow = deferred<Awaited<ReturnType<MockApi["listModels"]>>>();
    vi.spyOn(api, "listModels").mockReturnValueOnce(slow.promise);
    const first = controller.refreshModels();
    await controller.selectProfile(mancer);
    await controller.selectProfile(local);
    const fresh = controller.store.get().models;
    slow.resolve([{ id: "stale-model" }]);
    await first;
    expect(controller.store.get().models).toBe(fresh);
  });
});

describe("the URL notice", () => {
  it("is not carried over from a save of a profile no longer shown", async () => {
    const { api, controller } = await started();
    const local = await addProfile(api, controller, "custom", "http://127.0.0.1:8080/v1", "Local");
    const mancer = await addProfile(api, controller, "mancer", "https://neuro.mancer.tech/oai/v1", "Mancer");
    await controller.selectProfile(local);
    const profile = selectedProfile(controller.store.get())!;
    // Leaving the URL field (a save) and picking another profile happen together.
    const saving = controller.saveEdits({ draft: { ...draftFromProfile(profile), url: "localhost:8081/" }, key: "" });
    const selecting = controller.selectProfile(mancer);
    await Promise.all([saving, selecting]);
    expect(controller.store.get().selectedProfileId).toBe(mancer);
    expect(controller.store.get().urlNotice).toBeNull();
  });

  it("is replaced when a save changes the shown profile's URL, and kept by other saves", async () => {
    const { controller } = await started();
    await controller.connect(newForm("custom", "localhost:8080/"));
    expect(controller.store.get().urlNotice).toMatch(/added \/v1/);
    let profile = selectedProfile(controller.store.get())!;
    await controller.saveEdits({ draft: { ...draftFromProfile(profile), name: "Renamed" }, key: "" });
    expect(controller.store.get().urlNotice).toMatch(/added \/v1/);
    profile = selectedProfile(controller.store.get())!;
    await controller.saveEdits({ draft: { ...draftFromProfile(profile), url: "http://127.0.0.1:8081/v1" }, key: "" });
    expect(selectedProfile(controller.store.get())?.url).toBe("http://127.0.0.1:8081/v1");
    expect(controller.store.get().urlNotice).toBeNull();
  });

  it("is cleared when the shown profile is deleted", async () => {
    const { controller } = await started();
    await controller.connect(newForm("custom", "localhost:8080/"));
    expect(controller.store.get().urlNotice).not.toBeNull();
    await controller.deleteSelectedProfile();
    expect(controller.store.get().urlNotice).toBeNull();
    expect(controller.store.get().models).toBeNull();
  });
});

describe("a URL problem", () => {
  it("an empty URL is shown at the URL field, and the profile is not saved", async () => {
    const { api, controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080/v1"));
    const profile = selectedProfile(controller.store.get())!;
    api.calls.length = 0;
    await controller.saveEdits({ draft: { ...draftFromProfile(profile), url: "" }, key: "" });
    const state = controller.store.get();
    expect(state.urlError).toBe("The URL is empty.");
    expect(state.banner).toBeNull();
    expect(api.calls.filter((c) => c.startsWith("saveProfile"))).toEqual([]);
    expect(selectedProfile(state)?.url).toBe("http://127.0.0.1:8080/v1");
    // A good URL saves and clears the error.
    await controller.saveEdits({ draft: { ...draftFromProfile(profile), url: "http://127.0.0.1:8081/v1" }, key: "" });
    expect(controller.store.get().urlError).toBeNull();
    expect(selectedProfile(controller.store.get())?.url).toBe("http://127.0.0.1:8081/v1");
  });

  it("an unparsable URL is shown at the URL field, not in the banner", async () => {
    const { controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080/v1"));
    const profile = selectedProfile(controller.store.get())!;
    await controller.saveEdits({ draft: { ...draftFromProfile(profile), url: "http://exa mple/v1" }, key: "" });
    const state = controller.store.get();
    expect(state.urlError).toMatch(/not a URL/);
    expect(state.banner).toBeNull();
    expect(selectedProfile(state)?.url).toBe("http://127.0.0.1:8080/v1");
  });

  it("stops Connect at the URL field and focuses it", async () => {
    const { api, controller } = await started();
    api.calls.length = 0;
    expect(await controller.connect(newForm("custom", "  "))).toBe(false);
    const state = controller.store.get();
    expect(state).toMatchObject({ urlError: "The URL is empty.", banner: null, profiles: [], focus: { target: "url" } });
    expect(api.calls.filter((c) => c.startsWith("saveProfile") || c.startsWith("connect"))).toEqual([]);
    expect(state.busy.connect).toBe(false);
  });

  it("is forgotten when another profile is shown", async () => {
    const { api, controller } = await started();
    await controller.connect(newForm("custom", "http://127.0.0.1:8080/v1"));
    const profile = selectedProfile(controller.store.get())!;
    const mancer = await addProfile(api, controller, "mancer", "https://neuro.mancer.tech/oai/v1", "Mancer");
    await controller.saveEdits({ draft: { ...draftFromProfile(profile), url: "" }, key: "" });
    expect(controller.store.get().urlError).not.toBeNull();
    await controller.selectProfile(mancer);
    expect(controller.store.get().urlError).toBeNull();
  });

  it("other save failures still go to the banner", async () => {
    const { api, controller } = await started();
    await addProfile(api, controller, "custom", "http://127.0.0.1:8080/v1", "Taken");
    await controller.connect(newForm("custom", "http://127.0.0.1:8081/v1"));
    const profile = selectedProfile(controller.store.get())!;
    await controller.saveEdits({ draft: { ...draftFromProfile(profile), name: "Taken", url: "http://127.0.0.1:8082/v1" }, key: "" });
    const state = controller.store.get();
    expect(state.urlError).toBeNull();
    expect(state.banner?.text).toMatch(/already exists/);
  });
});
