// The whole window in jsdom against the in-memory backend: the ids end-to-end tests use, the
// connect drawer's behaviour, the composer and the keyboard.

import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError, type RequestPreview } from "../api";
import { createMockApi, MOCK_LOCAL_SERVERS, type MockApi, type MockOptions } from "../dev/mock-api";
import { selectedProfile } from "../state/app-state";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";
import { NO_LOCAL_SERVERS, SEARCHING_LOCAL_SERVERS, UNENCRYPTED_WARNING } from "./connect-panel";

const REQUIRED_IDS = [
  "source", "url", "url-preview", "api-key", "key-status", "key-error", "clear-key", "connect", "bypass",
  "model-select", "model-input", "test-message", "test-result", "status-light", "status-text", "profile-name",
  "save-profile", "profile-switcher", "composer", "send", "stop", "messages", "new-chat", "chat-list",
  "drawer-toggle", "banner", "prefill", "preview-request", "request-preview", "request-preview-close",
  "find-servers", "find-servers-status", "found-servers", "api-choice", "api-chat-completion", "api-text-completion",
  "instruct-template", "instruct-reset", "context-size", "model-multi",
];

let unmount: (() => void) | null = null;

async function mount(
  scenario = "", tick = 0, options: MockOptions = {},
): Promise<{ api: MockApi; controller: Controller; root: HTMLElement }> {
  const api = createMockApi({ scenario, tick, latency: 0, ...options });
  const controller = new Controller(api);
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  return { api, controller, root };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
};

function type(input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

function press(target: EventTarget, key: string, init: KeyboardEventInit = {}): void {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
}

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

describe("the window", () => {
  it("has every id the end-to-end tests use, each once", async () => {
    await mount();
    for (const id of REQUIRED_IDS) expect(document.querySelectorAll(`#${id}`).length, id).toBe(1);
    const log = $("messages");
    expect(log.getAttribute("role")).toBe("log");
    // Not live itself: replies are read out a paragraph at a time by #reply-announcer.
    expect(log.getAttribute("aria-live")).toBe("off");
    expect($("reply-announcer").getAttribute("aria-live")).toBe("polite");
  });

  it("labels every form control", async () => {
    await mount();
    const controls = [...document.querySelectorAll<HTMLElement>("input, select, textarea")];
    for (const control of controls) {
      const labelled =
        control.getAttribute("aria-label") ||
        control.getAttribute("aria-labelledby") ||
        (control.id && document.querySelector(`label[for="${control.id}"]`)) ||
        control.closest("label");
      expect(labelled, `#${control.id} has no label`).toBeTruthy();
    }
  });

  it("opens the drawer on first launch with sources grouped and unsupported ones disabled", async () => {
    const { root } = await mount();
    expect(root.dataset.drawer).toBe("open");
    expect($("drawer").hidden).toBe(false);
    const groups = [...$<HTMLSelectElement>("source").querySelectorAll("optgroup")].map((g) => g.label);
    expect(groups).toEqual(["Cloud chat APIs", "Local servers", "Text-completion services"]);
    const kobold = $("source").querySelector<HTMLOptionElement>('option[value="kobold"]');
    expect(kobold?.disabled).toBe(false);
    expect(kobold?.textContent).toBe("KoboldAI United");
    expect(kobold?.parentElement?.getAttribute("label")).toBe("Local servers");
    const claude = $("source").querySelector<HTMLOptionElement>('option[value="claude"]');
    expect(claude?.disabled).toBe(false);
    expect(claude?.textContent).toBe("Anthropic Claude");
    expect($<HTMLInputElement>("url").value).toBe("https://api.openai.com/v1");
    expect($("api-key-need").textContent).toBe("(required)");
  });

  it("disables a source this version cannot talk to yet", async () => {
    const { controller } = await mount();
    controller.store.update((s) => ({ sources: s.sources.map((x) => (x.kind === "mistral" ? { ...x, supported: false } : x)) }));
    const mistral = $("source").querySelector<HTMLOptionElement>('option[value="mistral"]');
    expect(mistral?.disabled).toBe(true);
    expect(mistral?.textContent).toBe("Mistral AI (coming soon)");
  });

  it("prefills the URL from the source unless the person typed one", async () => {
    await mount();
    const source = $<HTMLSelectElement>("source");
    const url = $<HTMLInputElement>("url");
    choose(source, "custom");
    expect(url.value).toBe("http://127.0.0.1:8080/v1");
    expect($("api-key-need").textContent).toBe("(optional)");
    type(url, "http://gpu-box:8000");
    choose(source, "ooba");
    expect(url.value).toBe("http://gpu-box:8000");
  });

  it("previews the normalised URL", async () => {
    await mount();
    choose($<HTMLSelectElement>("source"), "custom");
    type($<HTMLInputElement>("url"), "localhost:8080/");
    await vi.waitFor(() => expect($("url-preview").textContent).toBe(
      "normalised → http://localhost:8080/v1 (added http://; removed the trailing /; added /v1)",
    ), { timeout: 2000 });
  });

  it("warns under the URL when a key would go over plain http:// to another machine", async () => {
    const { api } = await mount();
    choose($<HTMLSelectElement>("source"), "custom");
    const warning = $("url-warning");
    api.calls.length = 0;
    type($<HTMLInputElement>("url"), "http://192.168.1.20:5000/v1");
    await vi.waitFor(() => expect(api.calls).toContain("previewUrl"), { timeout: 2000 });
    await Promise.resolve();
    // No key typed or saved: nothing to leak.
    expect(warning.hidden).toBe(true);
    type($<HTMLInputElement>("api-key"), "sk-lan");
    expect(warning.hidden).toBe(false);
    expect(warning.textContent).toBe(UNENCRYPTED_WARNING);
    // Loopback and https:// are fine.
    for (const safe of ["http://127.0.0.1:5000/v1", "https://192.168.1.20/v1"]) {
      type($<HTMLInputElement>("url"), safe);
      await vi.waitFor(() => expect(warning.hidden).toBe(true), { timeout: 2000 });
    }
    type($<HTMLInputElement>("url"), "lan-box:5000");
    await vi.waitFor(() => expect(warning.hidden).toBe(false), { timeout: 2000 });
    type($<HTMLInputElement>("api-key"), "");
    expect(warning.hidden).toBe(true);
  });

  it("connects a new profile: key saved and cleared, light green, models listed", async () => {
    const { controller } = await mount();
    type($<HTMLInputElement>("api-key"), "sk-test");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
    expect($("status-text").textContent).toBe("Connected · gpt-4o-mini");
    expect($<HTMLInputElement>("api-key").value).toBe("");
    expect($("key-status").textContent).toBe("key saved");
    // While a keychain write waits (a locked keychain asks to be unlocked), the field says so.
    controller.store.update((s) => ({ busy: { ...s.busy, key: true } }));
    expect($("key-status").textContent).toBe("saving to the keychain…");
    controller.store.update((s) => ({ busy: { ...s.busy, key: false } }));
    expect($("key-status").textContent).toBe("key saved");
    expect($("clear-key").hidden).toBe(false);
    expect($("model-select").hidden).toBe(false);
    expect($("model-input").hidden).toBe(true);
    expect($<HTMLSelectElement>("model-select").value).toBe("gpt-4o-mini");
    expect($<HTMLInputElement>("profile-name").value).toBe("OpenAI");
    expect($<HTMLSelectElement>("profile-switcher").value).toBe(controller.store.get().selectedProfileId);
    expect($("connect").getAttribute("aria-busy")).toBe("false");

    $("clear-key").click();
    await vi.waitFor(() => expect($("key-status").textContent).toBe(""));
    expect($("clear-key").hidden).toBe(true);
  });

  it("shows a model id field when the server lists no models", async () => {
    await mount();
    choose($<HTMLSelectElement>("source"), "tabby");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
    expect($("model-select").hidden).toBe(true);
    expect($("model-input").hidden).toBe(false);
    expect($<HTMLLabelElement>("model-label").htmlFor).toBe("model-input");
  });

  it("puts a refused key's message at the key field and focuses it", async () => {
    await mount();
    type($<HTMLInputElement>("api-key"), "bad");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect($("key-error").hidden).toBe(false));
    // The new profile was not saved, and no connection was touched.
    expect($("status-light").dataset.state).toBe("idle");
    expect($("key-error").textContent).toMatch(/rejected the API key/);
    // One message: at the field, not in a banner too, and the status box says only the state.
    expect($("banner").hidden).toBe(true);
    expect($("status-text").textContent).toBe("Not connected");
    await vi.waitFor(() => expect(document.activeElement).toBe($("api-key")));
  });

  it("keeps a key the keychain cannot save, offers it for this session only, and connects with it", async () => {
    const { api } = await mount();
    api.setApiKey = async () => {
      throw new AppError({
        kind: "secretStore",
        message: "The system keychain did not answer within 10 s.",
        reason: { type: "keychainUnavailable", problem: "timeout" },
      });
    };
    type($<HTMLInputElement>("api-key"), "sk-typed");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect($("session-key-offer").hidden).toBe(false));
    expect($<HTMLInputElement>("api-key").value).toBe("sk-typed");
    expect($("key-error").textContent).toMatch(/cannot be saved.*not unlocked within 10 seconds.*GNOME Keyring.*KeePassXC/);
    expect($("banner").hidden).toBe(true);
    $("session-key").click();
    await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
    expect($("key-status").textContent).toBe("used for this session only");
    expect($<HTMLInputElement>("api-key").value).toBe("");
    expect($("key-error").hidden).toBe(true);
    expect($("session-key-offer").hidden).toBe(true);
  });

  it("runs a test message and shows the reply and the time it took", async () => {
    await mount();
    choose($<HTMLSelectElement>("source"), "custom");
    $("test-message").click();
    await vi.waitFor(() => expect($("test-result").textContent).toBe("“Hello! I can hear you.” — llama-3.1-8b-instruct, 840 ms"));
  });

  it("saves a copy as a new profile with a unique name", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "custom");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect(controller.store.get().profiles.length).toBe(1));
    $("save-profile").click();
    await vi.waitFor(() => expect(controller.store.get().profiles.length).toBe(2));
    expect(controller.store.get().profiles.map((p) => p.name)).toEqual([
      "Custom (OpenAI-compatible)",
      "Custom (OpenAI-compatible) 2",
    ]);
    expect($<HTMLSelectElement>("profile-switcher").options.length).toBe(3);
  });

  it("saves edits to an existing profile when a field is left", async () => {
    const { controller } = await mount("chat");
    $("drawer-toggle").click();
    const temperature = $<HTMLInputElement>("param-temperature");
    temperature.value = "0.2";
    temperature.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() => expect(controller.store.get().profiles[0]?.params.temperature).toBe(0.2));
  });

  it("sends with Enter, streams the reply and turns Send into Stop meanwhile", async () => {
    const { controller } = await mount("chat");
    const composer = $<HTMLTextAreaElement>("composer");
    type(composer, "Explain SSE");
    expect($<HTMLButtonElement>("send").disabled).toBe(false);
    press(composer, "Enter");
    expect(composer.value).toBe("");
    expect($("send").hidden).toBe(true);
    expect($("stop").hidden).toBe(false);
    await vi.waitFor(() => expect(controller.store.get().generation).toBeNull());
    await vi.waitFor(() => expect($("send").hidden).toBe(false));
    expect($("stop").hidden).toBe(true);
    const messages = [...$("messages").querySelectorAll<HTMLElement>(".message")];
    expect(messages.map((m) => `${m.dataset.role}:${m.dataset.state}`)).toEqual(["user:complete", "assistant:complete"]);
    expect(messages[1]?.querySelector(".message-content")?.textContent).toContain("Server-sent events");
    expect($("chat-title").textContent).toBe("Explain SSE");
  });

  it("adds a newline with Shift+Enter instead of sending", async () => {
    const { api } = await mount("chat");
    const composer = $<HTMLTextAreaElement>("composer");
    type(composer, "line one");
    press(composer, "Enter", { shiftKey: true });
    expect(api.calls.some((c) => c.startsWith("startGeneration"))).toBe(false);
  });

  it("stops a streaming reply with Esc", async () => {
    const { controller } = await mount("chat", 3);
    const composer = $<HTMLTextAreaElement>("composer");
    type(composer, "slow one");
    press(composer, "Enter");
    await vi.waitFor(() => expect(controller.store.get().generation?.content.length ?? 0).toBeGreaterThan(10));
    press(document.body, "Escape");
    await vi.waitFor(() => expect(controller.store.get().generation).toBeNull());
    const reply = $("messages").querySelector<HTMLElement>('.message[data-role="assistant"]');
    expect(reply?.dataset.state).toBe("stopped");
  });

  it("toggles the drawer with Ctrl+K and starts a new chat with Ctrl+N", async () => {
    const { controller, root } = await mount("chat");
    expect(root.dataset.drawer).toBe("closed");
    expect($("drawer").hidden).toBe(true);
    press(document.body, "k", { ctrlKey: true });
    expect(root.dataset.drawer).toBe("open");
    expect($("drawer-toggle").getAttribute("aria-expanded")).toBe("true");
    press(document.body, "K", { metaKey: true });
    expect(root.dataset.drawer).toBe("closed");

    await vi.waitFor(() => expect($("chat-list").querySelectorAll(".chat-item").length).toBe(5));
    $("chat-list").querySelector<HTMLButtonElement>(".chat-item")?.click();
    await vi.waitFor(() => expect($("messages").querySelectorAll(".message").length).toBe(4));
    press(document.body, "n", { ctrlKey: true });
    expect(controller.store.get().chatId).toBeNull();
    expect($("messages").querySelectorAll(".message").length).toBe(0);
    expect($("empty-hint").hidden).toBe(false);
  });

  it("opens links from replies in the system browser, never in the window, showing the host first when the text is not the address", async () => {
    const { api, controller } = await mount("chat");
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    await controller.openChat(controller.store.get().chats[0]!.id);
    const link = $("messages").querySelector<HTMLAnchorElement>(".message-content a[href]");
    expect(link?.textContent).toBe("HTML standard");
    link!.focus();
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    link!.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    // "HTML standard" is not an address: where it goes is shown, and nothing opens yet.
    await vi.waitFor(() => expect($("link-prompt").hidden).toBe(false));
    expect($("link-prompt-destination").textContent).toBe("html.spec.whatwg.org");
    expect($("link-prompt-url").textContent).toBe(link!.href);
    expect(document.activeElement).toBe($("link-prompt-cancel"));
    expect(api.calls.filter((c) => c.startsWith("openExternal"))).toEqual([]);
    $("link-prompt-open").click();
    await vi.waitFor(() => expect(api.calls).toContain(`openExternal:${link!.href}`));
    expect($("link-prompt").hidden).toBe(true);
    expect(document.activeElement).toBe(link);

    // Esc (or Cancel) drops it.
    link!.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect($("link-prompt").hidden).toBe(false));
    press($("link-prompt-cancel"), "Escape");
    expect($("link-prompt").hidden).toBe(true);
    expect(controller.store.get().linkPrompt).toBeNull();
    expect(api.calls.filter((c) => c.startsWith("openExternal"))).toHaveLength(1);

    // A link whose text is its address opens at once; a middle click too.
    const plain = document.createElement("a");
    plain.href = "https://example.com/docs";
    plain.textContent = "https://example.com/docs";
    $("messages").append(plain);
    const middle = new MouseEvent("auxclick", { bubbles: true, cancelable: true, button: 1 });
    plain.dispatchEvent(middle);
    expect(middle.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(api.calls).toContain("openExternal:https://example.com/docs"));
    expect($("link-prompt").hidden).toBe(true);
  });

  it("lists a reply's sources under it, numbered, and opens them as links from replies open", async () => {
    const { api, controller } = await mount("chat");
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    await controller.openChat(controller.store.get().chats[0]!.id);
    const sources = await vi.waitFor(() => {
      const found = $("messages").querySelector<HTMLElement>("[data-testid='message-sources']");
      expect(found).not.toBeNull();
      return found!;
    });
    expect(sources.closest("article.message")?.getAttribute("data-role")).toBe("assistant");
    expect([...sources.querySelectorAll("li")].map((li) => li.textContent)).toEqual([
      "HTML Standard: Server-sent events (html.spec.whatwg.org)",
      "https://developer.mozilla.org/en-US/docs/Web/API/EventSource (developer.mozilla.org)",
    ]);
    const [titled, bare] = [...sources.querySelectorAll<HTMLAnchorElement>("a.source-link")];
    // A title is not the address: the host is shown first, then it opens in the browser.
    titled!.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect($("link-prompt").hidden).toBe(false));
    expect($("link-prompt-destination").textContent).toBe("html.spec.whatwg.org");
    $("link-prompt-open").click();
    await vi.waitFor(() => expect(api.calls).toContain(`openExternal:${titled!.href}`));
    // An entry named by its address opens at once.
    bare!.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect(api.calls).toContain(`openExternal:${bare!.href}`));
  });

  it("never opens other kinds of link, and says so", async () => {
    const { api } = await mount("chat");
    for (const href of ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "tauri://localhost/"]) {
      const link = document.createElement("a");
      link.setAttribute("href", href);
      link.textContent = href;
      $("messages").append(link);
      const click = new MouseEvent("click", { bubbles: true, cancelable: true });
      link.dispatchEvent(click);
      expect(click.defaultPrevented).toBe(true);
      await vi.waitFor(() => expect($("banner").textContent).toContain("are not opened"));
    }
    expect($("link-prompt").hidden).toBe(true);
    expect(api.calls.filter((c) => c.startsWith("openExternal"))).toEqual([]);
  });

  it("says what the backend kept the window from opening", async () => {
    const { api } = await mount("chat");
    api.emitNavigationRefused({ url: "https://example.com/away", newWindow: false });
    await vi.waitFor(() => expect($("banner").textContent).toContain("shows only its own pages: https://example.com/away was not opened"));
    api.emitNavigationRefused({ url: "https://example.com/popup", newWindow: true });
    await vi.waitFor(() => expect($("banner").textContent).toContain("opens no other windows: https://example.com/popup was not opened"));
  });

  it("switches profile from the left column and connects", async () => {
    const { api, controller } = await mount("chat");
    await api.saveProfile({
      id: null, name: "Cloud", source: "openrouter", url: "https://openrouter.ai/api/v1", model: null,
      systemPrompt: null, params: {}, postProcessing: "none", bypassStatusCheck: true,
    });
    await controller.refreshProfiles();
    const switcher = $<HTMLSelectElement>("sidebar-profile");
    const cloud = [...switcher.options].find((o) => o.textContent === "Cloud");
    choose(switcher, cloud!.value);
    await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
    expect(controller.store.get().selectedProfileId).toBe(cloud!.value);
    expect($<HTMLInputElement>("profile-name").value).toBe("Cloud");
  });
});

describe("the strict-mode placeholder", () => {
  it("shows with strict post-processing and is saved with the profile", async () => {
    const { controller } = await mount();
    const field = $("placeholder-field");
    expect(field.hidden).toBe(true);
    choose($<HTMLSelectElement>("source"), "custom");
    choose($<HTMLSelectElement>("post-processing"), "strict");
    expect(field.hidden).toBe(false);
    expect(document.querySelector('label[for="placeholder"]')?.textContent).toBe("Placeholder user message");
    type($<HTMLInputElement>("placeholder"), "Begin.");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
    const id = controller.store.get().selectedProfileId!;
    const saved = controller.store.get().profiles.find((p) => p.id === id);
    expect(saved?.placeholder).toBe("Begin.");
    expect(saved?.postProcessing).toBe("strict");
    choose($<HTMLSelectElement>("post-processing"), "merge");
    expect(field.hidden).toBe(true);
  });
});

describe("single post-processing", () => {
  it("is offered and saved with the profile", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "custom");
    const select = $<HTMLSelectElement>("post-processing");
    const single = [...select.options].find((o) => o.value === "single");
    expect(single?.textContent).toBe("Single (the whole conversation as one user message)");
    choose(select, "single");
    expect($("placeholder-field").hidden).toBe(true);
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
    const id = controller.store.get().selectedProfileId!;
    expect(controller.store.get().profiles.find((p) => p.id === id)?.postProcessing).toBe("single");
  });
});

describe("the assistant prefill", () => {
  it("shows only for sources whose replies can start with a prefill", async () => {
    await mount();
    const field = $("prefill-field");
    const prefill = $<HTMLTextAreaElement>("prefill");
    expect(field.closest("#generation-settings")).not.toBeNull();
    expect(field.hidden).toBe(true);
    choose($<HTMLSelectElement>("source"), "claude");
    expect(field.hidden).toBe(false);
    expect(document.querySelector('label[for="prefill"]')?.textContent).toBe("Assistant prefill");
    expect(prefill.getAttribute("aria-describedby")).toBe("prefill-hint");
    expect($("prefill-hint").textContent).toBe("The reply starts with this text; the model continues it.");
    for (const kind of ["openai", "custom", "koboldcpp"]) {
      choose($<HTMLSelectElement>("source"), kind);
      expect(field.hidden, kind).toBe(true);
    }
  });

  it("is saved with the profile and filled back in", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "claude");
    type($<HTMLInputElement>("api-key"), "sk-ant-test");
    type($<HTMLTextAreaElement>("prefill"), "Certainly! Here is");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
    const id = controller.store.get().selectedProfileId!;
    expect(controller.store.get().profiles.find((p) => p.id === id)?.prefill).toBe("Certainly! Here is");

    const prefill = $<HTMLTextAreaElement>("prefill");
    prefill.value = "Sure:";
    prefill.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() => expect(controller.store.get().profiles.find((p) => p.id === id)?.prefill).toBe("Sure:"));

    prefill.blur();
    await controller.selectProfile(null);
    expect(prefill.value).toBe("");
    await controller.selectProfile(id);
    expect(prefill.value).toBe("Sure:");
    expect($("prefill-field").hidden).toBe(false);
  });
});

describe("what will be sent", () => {
  const PREVIEW: RequestPreview = {
    method: "POST",
    url: "https://api.anthropic.com/v1/messages",
    headers: [["content-type", "application/json"], ["anthropic-version", "2023-06-01"], ["x-api-key", "<redacted>"]],
    body: '{\n  "system": "<script>alert(1)</script>",\n  "messages": [{ "role": "user", "content": "<b>hi</b>" }]\n}',
  };

  it("asks with the composer's text and the current chat, and leaves the text in the box", async () => {
    const { api, controller } = await mount("chat");
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const chat = controller.store.get().chats[0]!;
    await controller.openChat(chat.id);
    const preview = vi.spyOn(api, "previewRequest");
    const composer = $<HTMLTextAreaElement>("composer");
    type(composer, "And now?");
    $("preview-request").click();
    await vi.waitFor(() => expect($("request-preview").hidden).toBe(false));
    expect(preview).toHaveBeenCalledExactlyOnceWith({
      profileId: "profile-local", chatId: chat.id, input: "And now?", model: "llama-3.1-8b-instruct", attachments: [],
    });
    expect(composer.value).toBe("And now?");
    expect($("request-preview-line").textContent).toBe("POST http://127.0.0.1:8080/v1/chat/completions");
    expect($("request-preview-body").textContent).toContain('"content": "And now?"');
    expect($("preview-request").getAttribute("aria-expanded")).toBe("true");
  });

  it("shows method, URL, headers and body as text, never as markup", async () => {
    const { api } = await mount("chat");
    vi.spyOn(api, "previewRequest").mockResolvedValue(PREVIEW);
    $("preview-request").click();
    await vi.waitFor(() => expect($("request-preview").hidden).toBe(false));
    const panel = $("request-preview");
    expect(panel.getAttribute("role")).toBe("dialog");
    expect(document.getElementById(panel.getAttribute("aria-labelledby")!)?.textContent).toBe("What will be sent");
    expect($("request-preview-line").textContent).toBe("POST https://api.anthropic.com/v1/messages");
    expect($("request-preview-headers").textContent).toBe(
      "content-type: application/json\nanthropic-version: 2023-06-01\nx-api-key: <redacted>",
    );
    const body = $("request-preview-body");
    expect(body.tagName).toBe("CODE");
    expect(body.parentElement?.tagName).toBe("PRE");
    expect(body.textContent).toBe(PREVIEW.body);
    expect(panel.querySelector("script, b")).toBeNull();
    expect(body.children.length).toBe(0);
  });

  it("closes with Esc and with Close, giving focus back to the button", async () => {
    const { api } = await mount("chat");
    vi.spyOn(api, "previewRequest").mockResolvedValue(PREVIEW);
    const button = $<HTMLButtonElement>("preview-request");
    button.focus();
    button.click();
    await vi.waitFor(() => expect($("request-preview").hidden).toBe(false));
    expect(document.activeElement).toBe($("request-preview-close"));
    press($("request-preview-close"), "Escape");
    expect($("request-preview").hidden).toBe(true);
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute("aria-expanded")).toBe("false");

    button.click();
    await vi.waitFor(() => expect($("request-preview").hidden).toBe(false));
    $("request-preview-close").click();
    expect($("request-preview").hidden).toBe(true);
    expect(document.activeElement).toBe(button);

    // Esc elsewhere in the window closes it too.
    button.click();
    await vi.waitFor(() => expect($("request-preview").hidden).toBe(false));
    $<HTMLTextAreaElement>("composer").focus();
    press($("composer"), "Escape");
    expect($("request-preview").hidden).toBe(true);
    expect(document.activeElement).toBe(button);
  });

  it("reports a failure in the banner and keeps the panel shut", async () => {
    const { api } = await mount("chat");
    vi.spyOn(api, "previewRequest").mockRejectedValue(
      new AppError({ kind: "modelNotFound", message: "Profile “Local llama.cpp”: the server has no model “x”." }),
    );
    $("preview-request").click();
    await vi.waitFor(() => expect($("banner").hidden).toBe(false));
    expect($("banner").dataset.kind).toBe("modelNotFound");
    expect($("request-preview").hidden).toBe(true);
    expect($("preview-request").getAttribute("aria-busy")).toBe("false");
  });
});

/** The selected profile as saved. */
function saved(controller: Controller) {
  return selectedProfile(controller.store.get());
}

/** Sets a field's value and fires `change`, as leaving an edited field does. */
function edit(input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  type(input, value);
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

async function connected(): Promise<void> {
  await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
}

const visible = (id: string): boolean => !$(id).hidden;

describe("find local servers", () => {
  it("looks by itself on first launch and lists each server with its summary, URL and Add", async () => {
    await mount();
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="found-server"]').length).toBe(2));
    expect(document.querySelector('[data-testid="find-servers"]')).toBe($("find-servers"));
    expect($("find-servers-status").textContent).toBe("Found 2 servers: add one to connect to it.");
    const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="found-server"]')];
    expect(rows[0]?.textContent).toContain(MOCK_LOCAL_SERVERS[0]!.summary);
    expect(rows[0]?.textContent).toContain("http://127.0.0.1:5001");
    expect(rows[1]?.textContent).toContain("Ollama 0.5.7 with models llama3.2:3b, qwen2.5:7b");
    expect(rows.every((row) => row.querySelector('[data-testid="found-server-add"]')?.textContent === "Add")).toBe(true);
  });

  it("adds a found server as a profile, selects it and connects", async () => {
    const { controller } = await mount();
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="found-server-add"]').length).toBe(2));
    const add = document.querySelector<HTMLButtonElement>('[data-testid="found-server-add"]')!;
    add.focus();
    add.click();
    await connected();
    expect(saved(controller)).toMatchObject({ name: "KoboldCpp (5001)", source: "koboldcpp", url: "http://127.0.0.1:5001", model: "koboldcpp/Mistral-7B-Instruct-v0.3.Q4_K_M" });
    expect($<HTMLInputElement>("profile-name").value).toBe("KoboldCpp (5001)");
    expect($<HTMLSelectElement>("source").value).toBe("koboldcpp");
    expect($<HTMLSelectElement>("profile-switcher").value).toBe(saved(controller)?.id);
    const first = document.querySelector<HTMLButtonElement>('[data-testid="found-server-add"]')!;
    expect(first.textContent).toBe("Added");
    expect(first.getAttribute("aria-disabled")).toBe("true");
    expect(document.activeElement).toBe(first);
    first.click();
    expect(controller.store.get().profiles.length).toBe(1);
  });

  it("fills the added profile in even while the source list has focus", async () => {
    const { controller } = await mount();
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="found-server-add"]').length).toBe(2));
    $("source").focus();
    document.querySelectorAll<HTMLButtonElement>('[data-testid="found-server-add"]')[1]!.click();
    await connected();
    expect($<HTMLSelectElement>("source").value).toBe("ollama");
    expect($<HTMLInputElement>("url").value).toBe("http://127.0.0.1:11434");
    expect(saved(controller)).toMatchObject({ name: "Ollama (11434)", source: "ollama", model: "llama3.2:3b" });
  });

  it("probes the port typed beside the button (the backend remembers it)", async () => {
    const { api } = await mount("chat");
    const probe = vi.spyOn(api, "detectServers");
    $<HTMLInputElement>("detect-port").value = "11435";
    $("find-servers").click();
    await vi.waitFor(() => expect(probe).toHaveBeenCalledWith(11435));
    await vi.waitFor(() => expect($("find-servers").getAttribute("aria-busy")).toBe("false"));
    $<HTMLInputElement>("detect-port").value = "http";
    $<HTMLInputElement>("detect-port").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await vi.waitFor(() => expect(probe).toHaveBeenCalledTimes(2));
    expect(probe).toHaveBeenLastCalledWith(null);
  });

  it("adds a server that needs a key without connecting, its profile open for the key", async () => {
    const { api, controller } = await mount("chat");
    const keyed = {
      ...MOCK_LOCAL_SERVERS[1]!, source: "vllm" as const, url: "http://127.0.0.1:8000", server: "vLLM", version: "0.6.3",
      models: [], summary: "vLLM 0.6.3 (needs a key)", profileName: "vLLM (8000)", needsKey: true,
    };
    vi.spyOn(api, "detectServers").mockResolvedValue([keyed]);
    $("find-servers").click();
    await vi.waitFor(() => expect(document.querySelectorAll('[data-testid="found-server"]').length).toBe(1));
    const add = document.querySelector<HTMLButtonElement>('[data-testid="found-server-add"]')!;
    expect(add.getAttribute("aria-label")).toBe("Add vLLM (8000), then enter its key");
    expect(document.querySelector('[data-testid="found-server"]')?.textContent).toContain("vLLM 0.6.3 (needs a key)");
    add.click();
    await vi.waitFor(() => expect(saved(controller)).toMatchObject({ name: "vLLM (8000)", source: "vllm" }));
    expect($<HTMLInputElement>("profile-name").value).toBe("vLLM (8000)");
    expect(api.calls.some((c) => c.startsWith("connect:"))).toBe(false);
  });

  it("shows that it is looking, then what it found, when asked", async () => {
    const { api } = await mount("chat");
    expect(visible("found-servers")).toBe(false);
    expect($("find-servers-status").textContent).toBe("");
    let answer: (found: typeof MOCK_LOCAL_SERVERS) => void = () => undefined;
    vi.spyOn(api, "detectServers").mockReturnValue(new Promise((resolve) => (answer = resolve)));
    $("find-servers").click();
    expect($("find-servers-status").textContent).toBe(SEARCHING_LOCAL_SERVERS);
    expect($("find-servers").getAttribute("aria-busy")).toBe("true");
    answer([MOCK_LOCAL_SERVERS[1]!]);
    await vi.waitFor(() => expect($("find-servers").getAttribute("aria-busy")).toBe("false"));
    expect($("find-servers-status").textContent).toBe("Found a server: add one to connect to it.");
    expect(document.querySelectorAll('[data-testid="found-server"]').length).toBe(1);
  });

  it("says which ports it tried when nothing answered", async () => {
    await mount("nolocal");
    await vi.waitFor(() => expect($("find-servers-status").textContent).toBe(NO_LOCAL_SERVERS));
    expect(NO_LOCAL_SERVERS).toBe(
      "No local servers found on the usual ports (KoboldCpp 5001, Oobabooga/TabbyAPI 5000, llama.cpp 8080, Ollama 11434, LM Studio 1234, vLLM 8000, Aphrodite 2242) or those you added.",
    );
    expect(visible("found-servers")).toBe(false);
    expect(document.querySelectorAll('[data-testid="found-server"]').length).toBe(0);
  });
});

describe("the API choice", () => {
  it("shows for sources that serve both APIs, the default marked and chosen", async () => {
    await mount();
    choose($<HTMLSelectElement>("source"), "openai");
    expect(visible("api-choice")).toBe(false);
    expect(visible("instruct-section")).toBe(false);
    choose($<HTMLSelectElement>("source"), "custom");
    expect(visible("api-choice")).toBe(true);
    expect($("api-choice").querySelector("legend")?.textContent).toBe("API");
    expect($("api-chat-completion-text").textContent).toBe("Chat completion (default)");
    expect($("api-text-completion-text").textContent).toBe("Text completion");
    expect($<HTMLInputElement>("api-chat-completion").checked).toBe(true);
    choose($<HTMLSelectElement>("source"), "ooba");
    expect($<HTMLInputElement>("api-text-completion").checked).toBe(true);
    expect($("api-text-completion-text").textContent).toBe("Text completion (default)");
    expect(visible("instruct-section")).toBe(true);
    expect($("source-note").textContent).toMatch(/^Text completion/);
  });

  it("switches the form between chat and text completion and saves the choice (null for the default)", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "custom");
    expect(visible("post-processing-field")).toBe(true);
    $<HTMLInputElement>("api-text-completion").click();
    expect(visible("instruct-section")).toBe(true);
    expect(visible("post-processing-field")).toBe(false);
    expect(visible("placeholder-field")).toBe(false);
    expect($("source-note").textContent).toMatch(/^Text completion/);
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    expect(saved(controller)?.api).toBe("textCompletion");
    $<HTMLInputElement>("api-chat-completion").click();
    await vi.waitFor(() => expect(saved(controller)?.api).toBeNull());
    expect(visible("instruct-section")).toBe(false);
    expect(visible("post-processing-field")).toBe(true);
  });

  it("keeps the radios reachable and labelled", async () => {
    await mount();
    choose($<HTMLSelectElement>("source"), "tabby");
    for (const id of ["api-chat-completion", "api-text-completion"]) {
      const radio = $<HTMLInputElement>(id);
      expect(radio.name).toBe("api");
      expect(radio.tabIndex).toBe(0);
      expect(radio.closest("label")?.htmlFor).toBe(id);
    }
  });
});

describe("the instruct template", () => {
  it("lists the built-in templates and shows the chosen one in the editor", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "koboldcpp");
    const select = $<HTMLSelectElement>("instruct-template");
    expect([...select.options].map((o) => o.textContent)).toEqual(["ChatML", "Alpaca", "Llama 3", "Mistral", "Vicuna", "None (plain “Name: text”)"]);
    expect(select.value).toBe("chat-ml");
    expect($<HTMLTextAreaElement>("instruct-user-prefix").value).toBe("<|im_start|>user\n");
    choose(select, "alpaca");
    expect($<HTMLTextAreaElement>("instruct-user-prefix").value).toBe("### Instruction:\n");
    expect($<HTMLTextAreaElement>("instruct-stop").value).toBe("### Instruction:\n### Response:");
    expect(visible("instruct-reset")).toBe(false);
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    expect(saved(controller)?.instruct).toEqual({ template: "alpaca", custom: null, contextSize: null });
  });

  it("saves an edited template as custom, and Reset goes back to the built-in", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "koboldcpp");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    expect($("instruct-editor").querySelector("summary")?.textContent).toBe("Edit template");
    edit($<HTMLTextAreaElement>("instruct-user-prefix"), "<|im_start|>human\n");
    const select = $<HTMLSelectElement>("instruct-template");
    expect(select.value).toBe("custom");
    expect(select.selectedOptions[0]?.textContent).toBe("Custom (edited)");
    expect(visible("instruct-reset")).toBe(true);
    await vi.waitFor(() => expect(saved(controller)?.instruct.custom?.userPrefix).toBe("<|im_start|>human\n"));
    expect(saved(controller)?.instruct.template).toBe("chat-ml");

    edit($<HTMLTextAreaElement>("instruct-stop"), "<|im_end|>\n\\nUser:");
    await vi.waitFor(() => expect(saved(controller)?.instruct.custom?.stop).toEqual(["<|im_end|>", "\nUser:"]));

    $("instruct-reset").click();
    expect(select.value).toBe("chat-ml");
    expect([...select.options].some((o) => o.value === "custom")).toBe(false);
    expect($<HTMLTextAreaElement>("instruct-user-prefix").value).toBe("<|im_start|>user\n");
    expect(visible("instruct-reset")).toBe(false);
    expect(document.activeElement).toBe(select);
    await vi.waitFor(() => expect(saved(controller)?.instruct.custom).toBeNull());
  });

  it("saves the context size, empty for the server's", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "koboldcpp");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    const size = $<HTMLInputElement>("context-size");
    expect(document.querySelector('label[for="context-size"]')?.textContent).toBe("Context size (tokens)");
    expect(size.placeholder).toBe("the server's (or 4096)");
    edit(size, "8192");
    await vi.waitFor(() => expect(saved(controller)?.instruct.contextSize).toBe(8192));
    edit(size, "");
    await vi.waitFor(() => expect(saved(controller)?.instruct.contextSize).toBeNull());
  });

  it("shows the context size for chat completion too, without the instruct template", async () => {
    await mount();
    choose($<HTMLSelectElement>("source"), "custom");
    expect($("instruct-section").hidden).toBe(true);
    expect($("context-size").closest("[hidden]")).toBeNull();
    choose($<HTMLSelectElement>("source"), "koboldcpp");
    expect($("instruct-section").hidden).toBe(false);
  });
});

describe("sampler fields", () => {
  it("shows exactly the settings the source accepts", async () => {
    const { controller } = await mount();
    for (const kind of ["openai", "claude", "koboldcpp", "horde", "novelai", "ooba"]) {
      choose($<HTMLSelectElement>("source"), kind);
      const info = controller.store.get().sources.find((s) => s.kind === kind)!;
      const shown = [...document.querySelectorAll<HTMLElement>('.param-grid > .field, #param-stop-field')]
        .filter((f) => !f.hidden)
        .map((f) => f.id);
      const expected = info.samplers.map((s) => `param-${s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-field`);
      expect(shown.sort(), kind).toEqual(expected.sort());
    }
    choose($<HTMLSelectElement>("source"), "koboldcpp");
    expect(document.querySelector('label[for="param-typical-p"]')?.textContent).toBe("Typical P");
    expect(document.querySelector('label[for="param-repetition-penalty-range"]')?.textContent).toBe("Repetition range (tokens)");
    const topP = $<HTMLInputElement>("param-top-p");
    expect([topP.min, topP.max, topP.step]).toEqual(["0", "1", "0.01"]);
  });

  it("saves only what the new source supports after a source switch", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "custom");
    type($<HTMLInputElement>("param-presence-penalty"), "0.5");
    type($<HTMLInputElement>("param-temperature"), "0.9");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    expect(saved(controller)?.params).toMatchObject({ presencePenalty: 0.5, temperature: 0.9 });
    choose($<HTMLSelectElement>("source"), "koboldcpp");
    await vi.waitFor(() => expect(saved(controller)?.source).toBe("koboldcpp"));
    expect(saved(controller)?.params.presencePenalty).toBeUndefined();
    expect(saved(controller)?.params.temperature).toBe(0.9);
  });

  it("sends nothing for an empty field", async () => {
    const { controller } = await mount("chat");
    $("drawer-toggle").click();
    edit($<HTMLInputElement>("param-max-tokens"), "");
    await vi.waitFor(() => expect(saved(controller)?.params.maxTokens).toBeUndefined());
    expect(saved(controller)?.params.temperature).toBe(0.7);
  });
});

describe("AI Horde and NovelAI", () => {
  it("says the Horde's key is optional and picks several models with checkboxes", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "horde");
    expect($("api-key-label").textContent).toBe("API key (optional)");
    expect($("api-key-note").textContent).toMatch(/without a key the Horde is used anonymously/);
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    expect(visible("model-multi")).toBe(true);
    expect(visible("model-select")).toBe(false);
    expect(visible("model-input")).toBe(false);
    const boxes = [...$("model-multi").querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    expect(boxes.map((b) => b.closest("label")?.textContent)).toEqual([
      "koboldcpp/L3-8B-Stheno-v3.2 (12 workers, about 4 s)",
      "aphrodite/Sao10K/L3-70B-Euryale-v2.1 (5 workers, about 18 s)",
      "koboldcpp/Fimbulvetr-11B-v2 (1 worker)",
    ]);
    expect(boxes.map((b) => b.checked)).toEqual([true, false, false]);
    boxes[2]!.click();
    await vi.waitFor(() => expect(saved(controller)?.model).toBe("koboldcpp/L3-8B-Stheno-v3.2, koboldcpp/Fimbulvetr-11B-v2"));
    expect($("model-note").textContent).toBe("2 chosen: any worker serving one of them may answer.");
    expect($("status-text").textContent).toBe("Connected · koboldcpp/L3-8B-Stheno-v3.2, koboldcpp/Fimbulvetr-11B-v2");
  });

  it("moves through the Horde's models with the arrow keys, one tab stop for the list", async () => {
    await mount();
    choose($<HTMLSelectElement>("source"), "horde");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    const boxes = () => [...$("model-multi").querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    expect(boxes().map((b) => b.tabIndex)).toEqual([0, -1, -1]);
    boxes()[0]!.focus();
    press(boxes()[0]!, "ArrowDown");
    expect(document.activeElement).toBe(boxes()[1]);
    expect(boxes().map((b) => b.tabIndex)).toEqual([-1, 0, -1]);
    press(boxes()[1]!, "End");
    expect(document.activeElement).toBe(boxes()[2]);
    press(boxes()[2]!, "Home");
    expect(document.activeElement).toBe(boxes()[0]);
  });

  it("lists the Horde's models the profile chose that no worker serves now", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "horde");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    await controller.chooseModel("gone/model, koboldcpp/Fimbulvetr-11B-v2");
    const labels = [...$("model-multi").querySelectorAll("label")].map((l) => l.textContent);
    expect(labels[0]).toBe("gone/model (no workers now)");
    const checked = [...$("model-multi").querySelectorAll<HTMLInputElement>("input:checked")].map((b) => b.value);
    expect(checked).toEqual(["gone/model", "koboldcpp/Fimbulvetr-11B-v2"]);
  });

  it("asks NovelAI for a persistent API token and offers its fixed models", async () => {
    const { controller } = await mount();
    choose($<HTMLSelectElement>("source"), "novelai");
    expect($("api-key-label").textContent).toBe("Persistent API token (required)");
    expect(document.querySelector('label[for="api-key"]')?.textContent).toBe("Persistent API token (required)");
    type($<HTMLInputElement>("api-key"), "pst-secret");
    $<HTMLFormElement>("connect-form").requestSubmit();
    await connected();
    const options = [...$<HTMLSelectElement>("model-select").options].map((o) => o.textContent);
    expect(options).toEqual(["Llama 3 Erato (llama-3-erato-v1) · 8k context", "Kayra (kayra-v1) · 8k context", "Clio (clio-v1) · 8k context"]);
    expect(saved(controller)?.model).toBe("llama-3-erato-v1");
    expect(visible("model-multi")).toBe(false);
  });
});

describe("the drawer shows only the shown profile's", () => {
  /** Adds a Mancer profile behind the window's back; returns its id. */
  async function addMancer(api: MockApi, controller: Controller): Promise<string> {
    const saved = await api.saveProfile({
      id: null, name: "Mancer", source: "mancer", url: "https://neuro.mancer.tech/oai/v1", model: null,
      systemPrompt: null, params: {}, postProcessing: "none", bypassStatusCheck: true,
    });
    await api.setApiKey(saved.profile.id, "mk-test");
    await controller.refreshProfiles();
    return saved.profile.id;
  }

  it("model list: none from the previous profile after New profile… or a switch", async () => {
    const { api, controller } = await mount("chat");
    $("drawer-toggle").click();
    const select = $<HTMLSelectElement>("model-select");
    await vi.waitFor(() => expect(select.options.length).toBe(2));
    const mancer = await addMancer(api, controller);

    choose($<HTMLSelectElement>("profile-switcher"), "");
    expect(select.options.length).toBe(0);
    expect($("model-input").hidden).toBe(false);

    // Another profile: nothing listed until its own connection answers, then its models.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const real = api.connect.bind(api);
    vi.spyOn(api, "connect").mockImplementationOnce(async (id) => {
      await gate;
      return real(id);
    });
    choose($<HTMLSelectElement>("profile-switcher"), mancer);
    await vi.waitFor(() => expect(api.connect).toHaveBeenCalledWith(mancer));
    expect(select.options.length).toBe(0);
    expect($("model-note").textContent).toBe("Connect to list the server's models.");
    release();
    await vi.waitFor(() => expect([...select.options].map((o) => o.value)).toEqual(["mytholite", "goliath-120b"]));
  });

  it("URL notice: not one left from a save of the profile shown before", async () => {
    const { api, controller } = await mount("chat");
    $("drawer-toggle").click();
    const mancer = await addMancer(api, controller);
    const url = $<HTMLInputElement>("url");
    // The URL is edited, then another profile picked: the save finishes after the switch.
    type(url, "localhost:8080/");
    url.dispatchEvent(new Event("change", { bubbles: true }));
    $("profile-switcher").focus();
    choose($<HTMLSelectElement>("profile-switcher"), mancer);
    await vi.waitFor(() => expect(api.calls.filter((c) => c === "saveProfile:profile-local:Local llama.cpp")).toHaveLength(1));
    await vi.waitFor(() => expect(controller.store.get().busy.connect).toBe(false));
    expect(url.value).toBe("https://neuro.mancer.tech/oai/v1");
    expect($("url-preview").textContent).toBe("");
    api.calls.length = 0;
    await vi.waitFor(() => expect(api.calls).toContain("previewUrl"), { timeout: 2000 });
    await Promise.resolve();
    expect($("url-preview").textContent).toBe("");
  });

  it("URL notice: emptied when a save changes the URL and nothing needed normalising", async () => {
    const { controller } = await mount("chat");
    $("drawer-toggle").click();
    const url = $<HTMLInputElement>("url");
    type(url, "localhost:8080/");
    url.dispatchEvent(new Event("change", { bubbles: true }));
    url.blur();
    await vi.waitFor(() => expect($("url-preview").textContent).toMatch(/^Normalised: .*added \/v1/));
    type(url, "http://127.0.0.1:8081/v1");
    url.dispatchEvent(new Event("change", { bubbles: true }));
    url.blur();
    await vi.waitFor(() => expect(selectedProfile(controller.store.get())?.url).toBe("http://127.0.0.1:8081/v1"));
    await vi.waitFor(() => expect($("url-preview").textContent).toBe(""));
  });

  it("URL problems: at the URL field, not in the banner, and an empty URL is not saved", async () => {
    const { api, controller } = await mount("chat");
    $("drawer-toggle").click();
    const url = $<HTMLInputElement>("url");
    const preview = $("url-preview");
    api.calls.length = 0;
    type(url, "");
    url.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() => expect(preview.textContent).toBe("The URL is empty."));
    expect(preview.dataset.tone).toBe("error");
    expect(url.getAttribute("aria-invalid")).toBe("true");
    expect(url.getAttribute("aria-describedby")).toContain("url-preview");
    expect($("banner").hidden).toBe(true);
    expect(api.calls.filter((c) => c.startsWith("saveProfile"))).toEqual([]);
    expect(selectedProfile(controller.store.get())?.url).toBe("http://127.0.0.1:8080/v1");

    // Typing again takes the error back; a good URL saves.
    type(url, "http://127.0.0.1:8081/v1");
    expect(url.getAttribute("aria-invalid")).toBe("false");
    expect(preview.dataset.tone).toBe("note");
    url.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() => expect(selectedProfile(controller.store.get())?.url).toBe("http://127.0.0.1:8081/v1"));

    type(url, "http://exa mple/v1");
    url.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() => expect(preview.textContent).toMatch(/not a URL/));
    expect(preview.dataset.tone).toBe("error");
    expect(url.getAttribute("aria-invalid")).toBe("true");
    expect($("banner").hidden).toBe(true);
    expect(selectedProfile(controller.store.get())?.url).toBe("http://127.0.0.1:8081/v1");
  });

  it("URL problems: Connect with an empty URL focuses the URL field", async () => {
    await mount();
    const url = $<HTMLInputElement>("url");
    type(url, "");
    $("connect").focus();
    $<HTMLFormElement>("connect-form").requestSubmit();
    await vi.waitFor(() => expect($("url-preview").textContent).toBe("The URL is empty."));
    await vi.waitFor(() => expect(document.activeElement).toBe(url));
    expect(url.getAttribute("aria-invalid")).toBe("true");
    expect($("banner").hidden).toBe(true);
    expect($("status-light").dataset.state).toBe("idle");
  });
});
