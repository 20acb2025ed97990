// Who answers a chat, in jsdom against the in-memory backend: the header's picker (profile and
// model for one chat, a new chat's until its first message), opening a chat leaving the
// connection and the default alone, and profiles that leave the live chat alone (duplicating,
// editing, arrow keys in the profile lists, deleting the live profile).

import { afterEach, describe, expect, it, vi } from "vitest";
import type { StartGeneration } from "../api";
import { createMockApi, type MockApi, type MockOptions } from "../dev/mock-api";
import { chatAnswerer } from "../state/app-state";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";

let unmount: (() => void) | null = null;

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

async function mount(options: MockOptions = {}): Promise<{ api: MockApi; controller: Controller; sent: StartGeneration[] }> {
  const api = createMockApi({ scenario: "chat", tick: 0, latency: 0, ...options });
  const sent: StartGeneration[] = [];
  const start = api.startGeneration.bind(api);
  api.startGeneration = (request, onEvent) => {
    sent.push(request);
    return start(request, onEvent);
  };
  const controller = new Controller(api);
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
  await vi.waitFor(() => expect(controller.store.get().connection.state).toBe("connected"));
  return { api, controller, sent };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
};
const byTestId = <T extends HTMLElement = HTMLButtonElement>(id: string): T => {
  const all = document.querySelectorAll<T>(`[data-testid="${id}"]`);
  if (all.length !== 1) throw new Error(`${all.length} elements with data-testid="${id}"`);
  return all[0]!;
};
const chatItem = (title: string): HTMLButtonElement => {
  const item = [...document.querySelectorAll<HTMLButtonElement>('[data-testid="chat-item"]')].find((b) => b.textContent?.startsWith(title));
  if (!item) throw new Error(`no chat “${title}” in the list`);
  return item;
};

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

function typeModel(value: string): void {
  const input = $<HTMLInputElement>("chat-model");
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  input.blur();
}

async function replyEnded(controller: Controller): Promise<void> {
  await vi.waitFor(() => expect(controller.store.get().generation).toBeNull());
}

/** A second profile, saved (not connected). */
async function addOllama(api: MockApi, controller: Controller, url = "http://127.0.0.1:11434/v1"): Promise<string> {
  const saved = await api.saveProfile({
    id: null, name: "Ollama", source: "custom", url, model: "qwen2.5-7b-instruct",
    systemPrompt: null, prefill: null, params: {}, postProcessing: "none", bypassStatusCheck: false,
  });
  await controller.refreshProfiles();
  return saved.profile.id;
}

describe("the chat header's picker", () => {
  it("shows who answers a stored chat; opening it changes neither the connection, the drawer nor the default", async () => {
    const { api, controller } = await mount();
    const ollama = await addOllama(api, controller);
    // A chat written with the other profile.
    controller.newChat();
    choose($<HTMLSelectElement>("chat-profile"), ollama);
    expect(await controller.send("A question for Ollama")).toBe(true);
    await replyEnded(controller);
    controller.newChat();
    expect($<HTMLSelectElement>("chat-profile").value).toBe("profile-local");
    expect($<HTMLInputElement>("chat-model").value).toBe("llama-3.1-8b-instruct");
    api.calls.length = 0;
    chatItem("A question for Ollama").click();
    await vi.waitFor(() => expect($<HTMLSelectElement>("chat-profile").value).toBe(ollama));
    expect($<HTMLInputElement>("chat-model").value).toBe("qwen2.5-7b-instruct");
    expect($("chat-target").title).toBe("The next message goes to Ollama · qwen2.5-7b-instruct");
    const state = controller.store.get();
    expect(state.connection).toMatchObject({ profileId: "profile-local", state: "connected" });
    expect(state.selectedProfileId).toBe("profile-local");
    expect($<HTMLSelectElement>("sidebar-profile").value).toBe("profile-local");
    expect(api.calls.filter((c) => c.startsWith("connect") || c.startsWith("saveSettings"))).toEqual([]);
    // Back to a chat of the first profile, then a new one: the default.
    chatItem("Explain SSE in one paragraph").click();
    await vi.waitFor(() => expect($<HTMLSelectElement>("chat-profile").value).toBe("profile-local"));
    controller.newChat();
    expect(chatAnswerer(controller.store.get())).toMatchObject({ profile: { id: "profile-local" }, model: "llama-3.1-8b-instruct" });
  });

  it("switches the model for one chat only, keeping its place in the list", async () => {
    const { api, controller, sent } = await mount();
    const before = (await api.listChats()).map((c) => c.id);
    chatItem("Regex for ISO dates").click();
    await vi.waitFor(() => expect(controller.store.get().loadingChat).toBe(false));
    const chatId = controller.store.get().chatId!;
    typeModel("llama-3.3-70b");
    await vi.waitFor(() => expect(api.calls).toContain(`setChatTarget:${chatId}:profile-local:llama-3.3-70b`));
    expect((await api.listChats()).map((c) => c.id)).toEqual(before);
    // Another chat and a new chat keep theirs.
    chatItem("Explain SSE in one paragraph").click();
    await vi.waitFor(() => expect($<HTMLInputElement>("chat-model").value).toBe("llama-3.1-8b-instruct"));
    controller.newChat();
    expect($<HTMLInputElement>("chat-model").value).toBe("llama-3.1-8b-instruct");
    expect(controller.store.get().profiles[0]?.model).toBe("llama-3.1-8b-instruct");
    // The chat keeps the model picked, and its next message and new versions go to it.
    chatItem("Regex for ISO dates").click();
    await vi.waitFor(() => expect($<HTMLInputElement>("chat-model").value).toBe("llama-3.3-70b"));
    expect(await controller.send("Once more")).toBe(true);
    await replyEnded(controller);
    expect(sent.at(-1)).toMatchObject({ chatId, profileId: "profile-local", model: "llama-3.3-70b" });
    const regenerate = vi.spyOn(api, "regenerate");
    expect(await controller.regenerate()).toBe(true);
    await replyEnded(controller);
    expect(regenerate.mock.calls[0]?.[3]).toBe("llama-3.3-70b");
    // The reply says who wrote it.
    expect(controller.store.get().messages.at(-1)?.model).toBe("llama-3.3-70b");
  });

  it("holds a new chat's choice until its first message, and leaves the default alone", async () => {
    const { api, controller, sent } = await mount();
    const ollama = await addOllama(api, controller);
    controller.newChat();
    choose($<HTMLSelectElement>("chat-profile"), ollama);
    expect($<HTMLInputElement>("chat-model").value).toBe("qwen2.5-7b-instruct");
    expect(api.calls.filter((c) => c.startsWith("setChatTarget"))).toEqual([]);
    expect(await controller.send("Hello there")).toBe(true);
    await replyEnded(controller);
    expect(sent.at(-1)).toMatchObject({ chatId: null, profileId: ollama, model: "qwen2.5-7b-instruct" });
    const chatId = controller.store.get().chatId!;
    expect((await api.listChats()).find((c) => c.id === chatId)).toMatchObject({ profileId: ollama, model: "qwen2.5-7b-instruct" });
    controller.newChat();
    expect($<HTMLSelectElement>("chat-profile").value).toBe("profile-local");
    expect(controller.store.get().connection.profileId).toBe("profile-local");
  });

  it("makes the profile chosen with Connect the default for new chats, and the next launch's", async () => {
    const { api, controller } = await mount();
    const ollama = await addOllama(api, controller);
    await controller.selectProfile(ollama, { connect: true });
    await vi.waitFor(() => expect(controller.store.get().settings?.defaultProfile).toBe(ollama));
    expect(api.calls).toContain(`saveSettings:${JSON.stringify({ autoConnect: true, theme: "system", defaultProfile: ollama })}`);
    controller.newChat();
    expect($<HTMLSelectElement>("chat-profile").value).toBe(ollama);
    // Editing the first profile since (it becomes the newest) does not make it the default.
    await controller.selectProfile("profile-local");
    await controller.saveEdits({ draft: { ...draftOf(controller, "profile-local"), systemPrompt: "Be brief." }, key: "" });
    // The next launch: nothing connected yet; the default is the profile to reconnect to.
    api.appState = async () => ({ connection: { profileId: null, profileName: null, state: "idle", model: null, message: "" }, dataDir: "" });
    const relaunched = new Controller(api);
    await relaunched.start();
    expect(relaunched.store.get().selectedProfileId).toBe(ollama);
  });
});

describe("choosing to use a profile", () => {
  it("moves the chat on screen to it, and makes it the default; other chats keep theirs", async () => {
    const { api, controller, sent } = await mount();
    const ollama = await addOllama(api, controller);
    chatItem("Regex for ISO dates").click();
    await vi.waitFor(() => expect(controller.store.get().loadingChat).toBe(false));
    const chatId = controller.store.get().chatId!;
    await controller.selectProfile(ollama, { connect: true });
    await vi.waitFor(() => expect($<HTMLSelectElement>("chat-profile").value).toBe(ollama));
    expect(api.calls).toContain(`setChatTarget:${chatId}:${ollama}:`);
    expect($<HTMLInputElement>("chat-model").value).toBe("qwen2.5-7b-instruct");
    expect(await controller.send("Now you, Ollama")).toBe(true);
    await replyEnded(controller);
    expect(sent.at(-1)).toMatchObject({ chatId, profileId: ollama, model: "qwen2.5-7b-instruct" });
    // Another chat keeps its own profile.
    chatItem("Explain SSE in one paragraph").click();
    await vi.waitFor(() => expect($<HTMLSelectElement>("chat-profile").value).toBe("profile-local"));
  });

  it("choosing a model in the drawer moves the chat on screen to it", async () => {
    const { api, controller, sent } = await mount();
    chatItem("Regex for ISO dates").click();
    await vi.waitFor(() => expect(controller.store.get().loadingChat).toBe(false));
    const chatId = controller.store.get().chatId!;
    typeModel("picked-for-this-chat");
    await vi.waitFor(() => expect(api.calls).toContain(`setChatTarget:${chatId}:profile-local:picked-for-this-chat`));
    await controller.chooseModel("qwen2.5-7b-instruct");
    await vi.waitFor(() => expect($<HTMLInputElement>("chat-model").value).toBe("qwen2.5-7b-instruct"));
    expect(api.calls).toContain(`setChatTarget:${chatId}:profile-local:`);
    expect(await controller.send("With the drawer's model")).toBe(true);
    await replyEnded(controller);
    expect(sent.at(-1)).toMatchObject({ chatId, profileId: "profile-local", model: "qwen2.5-7b-instruct" });
  });
});

function draftOf(controller: Controller, id: string) {
  const p = controller.store.get().profiles.find((x) => x.id === id)!;
  return {
    id: p.id, name: p.name, source: p.source, url: p.url, model: p.model, systemPrompt: p.systemPrompt,
    prefill: p.prefill, placeholder: p.placeholder, params: p.params, postProcessing: p.postProcessing,
    api: p.api, instruct: p.instruct, bypassStatusCheck: p.bypassStatusCheck,
  };
}

describe("profiles that leave the chat alone", () => {
  it("duplicating and editing the live profile keep the chat connected, and its messages go where they went", async () => {
    const { api, controller, sent } = await mount();
    chatItem("Explain SSE in one paragraph").click();
    await vi.waitFor(() => expect(controller.store.get().loadingChat).toBe(false));
    controller.toggleDrawer(true);
    byTestId("duplicate-profile").click();
    await vi.waitFor(() => expect($<HTMLInputElement>("profile-name").value).toBe("Local llama.cpp copy"));
    const copy = controller.store.get().profiles.find((p) => p.name === "Local llama.cpp copy")!;
    // The copy is shown to edit; the chat stays with the live profile.
    expect($("status-light").dataset.state).toBe("connected");
    expect($("status-text").textContent).toBe("Connected · llama-3.1-8b-instruct (Local llama.cpp)");
    expect(document.querySelector("#drawer-toggle .status-dot")?.getAttribute("data-state")).toBe("connected");
    // Edit the copy: its name and model.
    const name = $<HTMLInputElement>("profile-name");
    name.value = "Experiments";
    name.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() => expect(controller.store.get().profiles.find((p) => p.id === copy.id)?.name).toBe("Experiments"));
    expect(controller.store.get().connection).toMatchObject({ profileId: "profile-local", state: "connected" });
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([]);
    expect(await controller.send("Still you?")).toBe(true);
    await replyEnded(controller);
    expect(sent.at(-1)).toMatchObject({ profileId: "profile-local", model: "llama-3.1-8b-instruct" });
    expect($<HTMLSelectElement>("chat-profile").value).toBe("profile-local");
  });

  it("arrow keys in the profile lists move the selection without connecting", async () => {
    const { api, controller } = await mount();
    const ollama = await addOllama(api, controller);
    api.calls.length = 0;
    // The left column: arrow keys pass over profiles, Enter uses the one reached.
    const sidebar = $<HTMLSelectElement>("sidebar-profile");
    sidebar.focus();
    sidebar.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    choose(sidebar, ollama);
    sidebar.dispatchEvent(new KeyboardEvent("keyup", { key: "ArrowDown", bubbles: true }));
    sidebar.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    choose(sidebar, "");
    sidebar.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    choose(sidebar, ollama);
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([]);
    expect(controller.store.get().drawerOpen).toBe(false);
    sidebar.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect(controller.store.get().connection).toMatchObject({ profileId: ollama, state: "connected" }));
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([`connect:${ollama}`]);
    // The drawer's list: arrow keys show each profile; leaving the list connects to the one shown.
    controller.toggleDrawer(true);
    api.calls.length = 0;
    const switcher = $<HTMLSelectElement>("profile-switcher");
    switcher.focus();
    switcher.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    choose(switcher, "profile-local");
    await vi.waitFor(() => expect($<HTMLInputElement>("profile-name").value).toBe("Local llama.cpp"));
    expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual([]);
    switcher.blur();
    await vi.waitFor(() => expect(api.calls.filter((c) => c.startsWith("connect"))).toEqual(["connect:profile-local"]));
    // A click (no key) connects at once.
    choose(switcher, ollama);
    await vi.waitFor(() => expect(api.calls.filter((c) => c.startsWith("connect"))).toContain(`connect:${ollama}`));
  });

  it("deleting the live profile moves to another that answers", async () => {
    const { api, controller } = await mount();
    const down = await addOllama(api, controller, "http://127.0.0.1:9/v1");
    const ollama = (await api.saveProfile({ ...draftOf(controller, down), id: null, name: "Ollama 2", url: "http://127.0.0.1:11434/v1" })).profile.id;
    await controller.refreshProfiles();
    await controller.selectProfile("profile-local");
    await controller.deleteSelectedProfile();
    await vi.waitFor(() => expect(controller.store.get().connection).toMatchObject({ profileId: ollama, state: "connected" }));
    expect(api.calls).toContain(`connect:${down}`);
    expect(controller.store.get().banner?.text).toBe("Deleted “Local llama.cpp”. Now using “Ollama 2”.");
    expect(controller.store.get().settings?.defaultProfile).toBe(ollama);
    expect($<HTMLSelectElement>("chat-profile").value).toBe(ollama);
  });

  it("deleting the live profile with no other that answers leaves it idle and says so", async () => {
    const { api, controller } = await mount();
    await addOllama(api, controller, "http://127.0.0.1:9/v1");
    await controller.selectProfile("profile-local");
    await controller.deleteSelectedProfile();
    await vi.waitFor(() => expect(controller.store.get().banner?.text).toBe("Deleted “Local llama.cpp”. No other profile answers: open the drawer to fix one."));
    expect(controller.store.get().connection).toMatchObject({ profileId: null, state: "idle", message: "Not connected: no other profile answers." });
  });
});
