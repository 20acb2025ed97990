/**
 * An in-memory backend for trying the window in a plain browser and for tests.
 *
 * It behaves like the Rust shell closely enough to exercise every state: profiles with
 * normalised URLs and unique names, keys that only report `hasKey`, a status check that emits
 * `connectionChanged`, model lists (empty for TabbyAPI, so the manual model field shows), and
 * streamed replies with reasoning, stops and failures. Magic inputs pick the failures:
 * - key `bad` → `auth` on Connect and on send;
 * - a URL on port 9 → `network`;
 * - a message containing `fail` → `failed` after some text; `429` → `rateLimited`;
 *   `think` → reasoning first; `slow` → a long reply.
 * Claude profiles start every reply with their prefill, and `previewRequest` builds the request
 * each source's API would get (Messages API for Claude, chat completions for the rest).
 * Scenarios (`?mock=NAME` in dev): "" first launch, `chat` a connected profile with chats.
 *
 * Never part of a production build: `main.ts` imports it only under `import.meta.env.DEV`.
 */

import type {
  Api,
  Chat,
  ChatEvent,
  ConnectionChanged,
  IpcError,
  ModelInfo,
  NormalizedUrl,
  ProfileSummary,
  ProviderKind,
  RequestPreview,
  SourceInfo,
  StoredMessage,
  TrayAction,
  Unsubscribe,
} from "../api";
import { AppError } from "../api";

export interface MockOptions {
  scenario?: string;
  /** Milliseconds between streamed chunks (0 in tests). */
  tick?: number;
  /** Delay of slow operations such as Connect. */
  latency?: number;
}

/** The mock plus hooks tests use to inspect it and fire app events. */
export interface MockApi extends Api {
  /** Every command called, in order, with its main argument. */
  readonly calls: string[];
  emitTrayAction(action: TrayAction): void;
  emitProfilesChanged(): void;
}

const chat = (streaming = true, prefill = false) => ({
  api: "chatCompletion" as const, streaming, modelList: true, serverAbort: false, prefill,
});
const text = (streaming: boolean, modelList: boolean, serverAbort: boolean) => ({
  api: "textCompletion" as const, streaming, modelList, serverAbort, prefill: false,
});

/** How the backend shows a key in a request preview. */
const REDACTED = "<redacted>";
/** The Messages API version the backend sends. */
const ANTHROPIC_VERSION = "2023-06-01";
/** `max_tokens` is required by the Messages API; sent when the profile sets none. */
const CLAUDE_MAX_TOKENS = 4096;

export const MOCK_SOURCES: SourceInfo[] = [
  { kind: "openai", id: "openai", label: "OpenAI", defaultUrl: "https://api.openai.com/v1", key: "required", capabilities: chat(), supported: true },
  { kind: "claude", id: "claude", label: "Anthropic Claude", defaultUrl: "https://api.anthropic.com/v1", key: "required", capabilities: chat(true, true), supported: true },
  { kind: "mistral", id: "mistral", label: "Mistral AI", defaultUrl: "https://api.mistral.ai/v1", key: "required", capabilities: chat(), supported: true },
  { kind: "openrouter", id: "openrouter", label: "OpenRouter", defaultUrl: "https://openrouter.ai/api/v1", key: "required", capabilities: chat(), supported: true },
  { kind: "custom", id: "custom", label: "Custom (OpenAI-compatible)", defaultUrl: "http://127.0.0.1:8080/v1", key: "optional", capabilities: chat(), supported: true },
  { kind: "ooba", id: "ooba", label: "Oobabooga text-generation-webui", defaultUrl: "http://127.0.0.1:5000/v1", key: "optional", capabilities: chat(), supported: true },
  { kind: "tabby", id: "tabby", label: "TabbyAPI", defaultUrl: "http://127.0.0.1:5000/v1", key: "optional", capabilities: chat(), supported: true },
  { kind: "mancer", id: "mancer", label: "Mancer", defaultUrl: "https://neuro.mancer.tech/oai/v1", key: "required", capabilities: chat(), supported: true },
  { kind: "kobold", id: "kobold", label: "KoboldAI United", defaultUrl: "http://127.0.0.1:5000/api", key: "optional", capabilities: text(false, true, false), supported: false },
  { kind: "koboldcpp", id: "koboldcpp", label: "KoboldCpp", defaultUrl: "http://127.0.0.1:5001", key: "optional", capabilities: text(true, true, true), supported: false },
  { kind: "horde", id: "horde", label: "AI Horde", defaultUrl: "https://aihorde.net/api/v2", key: "optional", capabilities: text(false, true, true), supported: false },
  { kind: "novelai", id: "novelai", label: "NovelAI", defaultUrl: "https://text.novelai.net", key: "required", capabilities: text(true, true, false), supported: false },
];

const MODELS: Partial<Record<ProviderKind, ModelInfo[]>> = {
  openai: [{ id: "gpt-4o-mini" }, { id: "gpt-4o" }, { id: "o3-mini" }],
  claude: [
    { id: "claude-sonnet-4-5", name: "Claude Sonnet 4.5", contextLength: 200000 },
    { id: "claude-haiku-4-5", name: "Claude Haiku 4.5", contextLength: 200000 },
  ],
  mistral: [{ id: "mistral-small-latest" }, { id: "mistral-large-latest" }],
  openrouter: [{ id: "openrouter/auto", name: "Auto router" }, { id: "meta-llama/llama-3.1-70b-instruct", contextLength: 131072 }],
  custom: [{ id: "llama-3.1-8b-instruct", contextLength: 8192 }, { id: "qwen2.5-7b-instruct", contextLength: 32768 }],
  ooba: [{ id: "Mistral-7B-Instruct-v0.3" }],
  mancer: [{ id: "mytholite" }, { id: "goliath-120b" }],
  tabby: [],
};

const REPLY = [
  "Server-sent events (SSE) keep one HTTP response open and let the server **push** lines of text as they are ready.",
  "",
  "Each event is a few `field: value` lines followed by a blank line:",
  "",
  "```js",
  "const source = new EventSource(\"/stream\");",
  "source.onmessage = (event) => console.log(event.data);",
  "```",
  "",
  "Why chat APIs like it:",
  "",
  "1. It works over plain HTTP, through proxies.",
  "2. The browser reconnects on its own.",
  "3. Tokens can be shown the moment they arrive.",
  "",
  "| | SSE | WebSocket |",
  "|---|---|---|",
  "| Direction | server → client | both |",
  "| Protocol | HTTP | its own |",
  "",
  "More in the [HTML standard](https://html.spec.whatwg.org/multipage/server-sent-events.html).",
].join("\n");

/** Drops null fields: the backend omits unset optional fields rather than sending null. */
function withoutNulls<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as { [K in keyof T]: Exclude<T[K], null> };
}

/** The prefill a reply starts with: only for sources that continue one, without trailing space. */
function prefillOf(profile: ProfileSummary): string | null {
  const source = MOCK_SOURCES.find((s) => s.kind === profile.source);
  const prefill = profile.prefill?.trimEnd() ?? "";
  return source?.capabilities.prefill && prefill !== "" ? prefill : null;
}

type Turn = { role: string; content: string };

/**
 * The request a message would send, as the backend previews it: the system prompt, the chat so
 * far (empty replies left out), the new message (if any) and, for Claude, the prefill.
 */
function previewOf(
  profile: ProfileSummary, model: string, hasKey: boolean, history: readonly StoredMessage[], input: string,
): RequestPreview {
  const system = profile.systemPrompt?.trim() ? profile.systemPrompt : null;
  const turns: Turn[] = history
    .filter((m) => !(m.role === "assistant" && m.content === ""))
    .map((m) => ({ role: m.role === "tool" ? "user" : m.role, content: m.content }));
  if (input !== "") turns.push({ role: "user", content: input });
  const params = profile.params;
  const headers: [string, string][] = [["content-type", "application/json"]];
  const put = (body: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined && value !== null) body[key] = value;
  };

  if (profile.source === "claude") {
    headers.push(["anthropic-version", ANTHROPIC_VERSION], ...profile.headers);
    if (hasKey) headers.push(["x-api-key", REDACTED]);
    // The Messages API wants alternating turns that start with the user.
    const merged: Turn[] = [];
    for (const turn of turns) {
      const last = merged.at(-1);
      if (last && last.role === turn.role) last.content = `${last.content}\n\n${turn.content}`;
      else merged.push({ ...turn });
    }
    if (merged[0]?.role !== "user") merged.unshift({ role: "user", content: "[Start a new chat]" });
    const prefill = prefillOf(profile);
    if (prefill) merged.push({ role: "assistant", content: prefill });
    const body: Record<string, unknown> = { model, max_tokens: params.maxTokens ?? CLAUDE_MAX_TOKENS };
    put(body, "system", system);
    body.messages = merged;
    put(body, "temperature", params.temperature);
    put(body, "top_p", params.topP);
    put(body, "top_k", params.topK);
    if (params.stop?.length) body.stop_sequences = params.stop;
    body.stream = true;
    return { method: "POST", url: `${profile.url}/messages`, headers, body: JSON.stringify(body, null, 2) };
  }

  headers.push(...profile.headers);
  if (hasKey) headers.push(["authorization", `Bearer ${REDACTED}`]);
  const messages: Turn[] = system ? [{ role: "system", content: system }, ...turns] : turns;
  const body: Record<string, unknown> = { model, messages };
  put(body, "max_tokens", params.maxTokens);
  put(body, "temperature", params.temperature);
  put(body, "top_p", params.topP);
  put(body, "frequency_penalty", params.frequencyPenalty);
  put(body, "presence_penalty", params.presencePenalty);
  put(body, "seed", params.seed);
  if (params.stop?.length) body.stop = params.stop;
  body.stream = true;
  return { method: "POST", url: `${profile.url}/chat/completions`, headers, body: JSON.stringify(body, null, 2) };
}

function ipcError(kind: IpcError["kind"], message: string, extra: Partial<IpcError> = {}): AppError {
  return new AppError({ kind, message, ...extra });
}

function normalize(source: ProviderKind, raw: string): NormalizedUrl {
  let url = raw.trim();
  const changes: string[] = [];
  if (!/^https?:\/\//i.test(url)) {
    url = `http://${url}`;
    changes.push("added http://");
  }
  try {
    new URL(url);
  } catch {
    throw ipcError("invalidRequest", `“${raw}” is not a URL.`);
  }
  const suffixes = source === "claude" ? ["/messages", "/models"] : ["/chat/completions", "/completions", "/models"];
  for (const suffix of suffixes) {
    if (url.endsWith(suffix)) {
      url = url.slice(0, -suffix.length);
      changes.push(`removed ${suffix}`);
    }
  }
  if (url.endsWith("/")) {
    url = url.replace(/\/+$/, "");
    changes.push("removed the trailing /");
  }
  const chatSource = MOCK_SOURCES.find((s) => s.kind === source)?.capabilities.api === "chatCompletion";
  if (chatSource && !/\/v\d+$/.test(url) && !url.includes("/api")) {
    url = `${url}/v1`;
    changes.push("added /v1");
  }
  return { url, changes };
}

export function createMockApi(options: MockOptions = {}): MockApi {
  const tick = options.tick ?? 30;
  const latency = options.latency ?? 450;
  const calls: string[] = [];
  const profiles = new Map<string, ProfileSummary>();
  const keys = new Map<string, string>();
  const chats = new Map<string, Chat>();
  const messages = new Map<string, StoredMessage[]>();
  const running = new Map<string, { cancelled: boolean }>();
  const listeners = {
    connection: new Set<(c: ConnectionChanged) => void>(),
    profiles: new Set<() => void>(),
    tray: new Set<(a: TrayAction) => void>(),
  };
  let activeProfileId: string | null = null;
  let connection: ConnectionChanged = { profileId: null, profileName: null, state: "idle", model: null, message: "Not connected" };
  let ids = 0;
  const nextId = (prefix: string) => `${prefix}-${++ids}`;
  const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const now = () => Date.now();

  const setConnection = (change: ConnectionChanged) => {
    connection = change;
    for (const listener of listeners.connection) listener(change);
  };
  const subscribe = <T>(set: Set<T>, listener: T): Promise<Unsubscribe> => {
    set.add(listener);
    return Promise.resolve(() => set.delete(listener));
  };
  const summary = (profile: ProfileSummary): ProfileSummary => ({ ...profile, hasKey: keys.has(profile.id) });
  const profileOf = (id: string): ProfileSummary => {
    const profile = profiles.get(id);
    if (!profile) throw ipcError("notConfigured", "That profile no longer exists.");
    return profile;
  };
  const checkServer = (profile: ProfileSummary) => {
    const source = MOCK_SOURCES.find((s) => s.kind === profile.source);
    if (/:9(\/|$)/.test(profile.url)) {
      throw ipcError("network", `Profile “${profile.name}”: could not connect to ${profile.url} (connection refused).`, { provider: profile.source });
    }
    if (keys.get(profile.id) === "bad") {
      throw ipcError("auth", `Profile “${profile.name}”: the server rejected the API key (401).`, { provider: profile.source, status: 401, detail: '{"error":{"message":"Incorrect API key provided: bad.","type":"invalid_request_error"}}' });
    }
    if (source?.key === "required" && !keys.has(profile.id)) {
      throw ipcError("auth", `Profile “${profile.name}” needs an API key for ${source.label}.`, { provider: profile.source });
    }
  };

  if (options.scenario === "chat" || options.scenario === "relaunch") seedChat();
  if (options.scenario === "relaunch") {
    // The app was restarted: profiles and chats are there, nothing is connected yet.
    activeProfileId = null;
    connection = { profileId: null, profileName: null, state: "idle", model: null, message: "Not connected" };
  }

  function seedChat(): void {
    const id = "profile-local";
    profiles.set(id, {
      id, name: "Local llama.cpp", source: "custom", url: "http://127.0.0.1:8080/v1", model: "llama-3.1-8b-instruct",
      params: { temperature: 0.7, maxTokens: 512, stop: [] }, systemPrompt: null, prefill: null, placeholder: null, postProcessing: "none",
      bypassStatusCheck: false, headers: [], createdAt: now() - 86_400_000 * 3, updatedAt: now() - 3_600_000, hasKey: false,
    });
    activeProfileId = id;
    connection = { profileId: id, profileName: "Local llama.cpp", state: "connected", model: "llama-3.1-8b-instruct", message: "llama.cpp server is up" };
    const titles: [string, number][] = [
      ["Explain SSE in one paragraph", 60_000],
      ["Regex for ISO dates", 3_600_000 * 5],
      ["Rust lifetimes, gently", 86_400_000 * 1.2],
      ["Packing list for a weekend hike", 86_400_000 * 4],
      ["Summarise the Tauri security model", 86_400_000 * 20],
    ];
    for (const [title, age] of titles) {
      const chatId = nextId("chat");
      chats.set(chatId, { id: chatId, title, profileId: id, model: "llama-3.1-8b-instruct", createdAt: now() - age, updatedAt: now() - age });
      messages.set(chatId, []);
    }
    const first = [...chats.values()][0];
    if (first) {
      const at = first.createdAt;
      messages.set(first.id, [
        stored(first.id, 0, "user", "Explain SSE in one paragraph, with a tiny example.", "complete", null, at),
        stored(first.id, 1, "assistant", REPLY, "complete", "llama-3.1-8b-instruct", at + 4000, "The user wants a short explanation plus a code sample; keep it tight."),
        stored(first.id, 2, "user", "And how do I stop a stream?", "complete", null, at + 9000),
        stored(first.id, 3, "assistant", "Call `source.close()` on the client. On the server side, stop writing and end the", "stopped", "llama-3.1-8b-instruct", at + 12000),
      ]);
    }
  }

  function stored(
    chatId: string, seq: number, role: StoredMessage["role"], content: string, state: StoredMessage["state"],
    model: string | null, at: number, reasoning: string | null = null, error: IpcError | null = null,
  ): StoredMessage {
    return {
      id: nextId("msg"), chatId, seq, role, content, reasoning, state, model,
      error: error && withoutNulls(error), createdAt: at, updatedAt: at,
    };
  }

  async function stream(
    generationId: string, chatId: string, messageId: string, model: string, input: string,
    profile: ProfileSummary, send: (event: ChatEvent) => void,
  ): Promise<void> {
    const control = running.get(generationId) ?? { cancelled: false };
    const reply = messages.get(chatId)?.find((m) => m.id === messageId);
    const save = (patch: Partial<StoredMessage>) => reply && Object.assign(reply, patch, { updatedAt: now() });
    send({ type: "started", generationId, chatId, messageId, model });
    const lower = input.toLowerCase();
    // Like the backend: the reply starts with the prefill the model continues.
    const prefill = prefillOf(profile);
    if (prefill) {
      send({ type: "delta", text: prefill });
      save({ content: prefill });
    }
    try {
      if (keys.get(profile.id) === "bad") {
        throw { kind: "auth", message: `Profile “${profile.name}”: the server rejected the API key (401).`, status: 401 } satisfies IpcError;
      }
      if (lower.includes("429")) {
        throw { kind: "rateLimited", message: `Profile “${profile.name}”: too many requests (429).`, status: 429, retryAfterMs: 12_000 } satisfies IpcError;
      }
      if (lower.includes("think")) {
        for (const piece of ["Let me think about this. ", "The question is short, ", "so the answer should be too."]) {
          if (control.cancelled) break;
          await wait(tick * 3);
          send({ type: "reasoning", text: piece });
          save({ reasoning: (reply?.reasoning ?? "") + piece });
        }
      }
      const body = lower.includes("slow") ? `${REPLY}\n\n${REPLY}\n\n${REPLY}` : lower.includes("fail") ? REPLY.slice(0, 160) : REPLY;
      const pieces = body.match(/[\s\S]{1,6}/g) ?? [];
      for (const piece of pieces) {
        if (control.cancelled) break;
        if (tick > 0) await wait(tick);
        send({ type: "delta", text: piece });
        save({ content: (reply?.content ?? "") + piece });
      }
      if (control.cancelled) {
        save({ state: "stopped" });
        send({ type: "cancelled", messageId });
        return;
      }
      if (lower.includes("fail")) {
        throw { kind: "network", message: `Profile “${profile.name}”: the connection to ${profile.url} was lost mid-reply.` } satisfies IpcError;
      }
      send({ type: "usage", usage: { promptTokens: 42, completionTokens: pieces.length, totalTokens: 42 + pieces.length } });
      save({ state: "complete" });
      send({ type: "finished", stopReason: "stop", messageId });
    } catch (thrown) {
      const error = thrown as IpcError;
      save({ state: "failed", error: withoutNulls(error) });
      send({ type: "failed", error, messageId });
    } finally {
      running.delete(generationId);
      const chat = chats.get(chatId);
      if (chat) chat.updatedAt = now();
    }
  }

  const api: MockApi = {
    calls,
    emitTrayAction: (action) => listeners.tray.forEach((l) => l(action)),
    emitProfilesChanged: () => listeners.profiles.forEach((l) => l()),

    async listSources() {
      calls.push("listSources");
      return MOCK_SOURCES;
    },
    async listProfiles() {
      calls.push("listProfiles");
      return [...profiles.values()].map(summary);
    },
    async saveProfile(draft) {
      calls.push(`saveProfile:${draft.id ?? "new"}:${draft.name}`);
      const clash = [...profiles.values()].find((p) => p.name.toLowerCase() === draft.name.toLowerCase() && p.id !== draft.id);
      if (clash) throw ipcError("invalidRequest", `A profile named “${draft.name}” already exists.`);
      if (!draft.name.trim()) throw ipcError("invalidRequest", "A profile needs a name.");
      const normalized = normalize(draft.source, draft.url);
      const id = draft.id ?? nextId("profile");
      const before = profiles.get(id);
      const profile: ProfileSummary = {
        id, name: draft.name, source: draft.source, url: normalized.url, model: draft.model || null,
        params: withoutNulls(draft.params), systemPrompt: draft.systemPrompt || null, prefill: draft.prefill || null, placeholder: draft.placeholder || null,
        postProcessing: draft.postProcessing, bypassStatusCheck: draft.bypassStatusCheck,
        headers: before?.headers ?? [], createdAt: before?.createdAt ?? now(), updatedAt: now(), hasKey: keys.has(id),
      };
      profiles.set(id, profile);
      return { profile: summary(profile), urlChanges: normalized.changes };
    },
    async deleteProfile(profileId) {
      calls.push(`deleteProfile:${profileId}`);
      profiles.delete(profileId);
      keys.delete(profileId);
    },
    async previewUrl(source, url) {
      calls.push("previewUrl");
      return normalize(source, url);
    },
    async setApiKey(profileId, key) {
      calls.push(`setApiKey:${profileId}`);
      const profile = profileOf(profileId);
      keys.set(profileId, key);
      return summary(profile);
    },
    async clearApiKey(profileId) {
      calls.push(`clearApiKey:${profileId}`);
      keys.delete(profileId);
      return summary(profileOf(profileId));
    },
    async connect(profileId) {
      calls.push(`connect:${profileId}`);
      const profile = profileOf(profileId);
      activeProfileId = profileId;
      const named = { profileId, profileName: profile.name };
      setConnection({ ...named, state: "checking", model: profile.model, message: "Checking…" });
      await wait(latency);
      try {
        if (!profile.bypassStatusCheck) checkServer(profile);
      } catch (error) {
        setConnection({ ...named, state: "failed", model: null, message: (error as AppError).message });
        throw error;
      }
      const models = MODELS[profile.source] ?? [];
      const model = profile.model ?? models[0]?.id ?? null;
      const message = profile.bypassStatusCheck ? "Status check skipped" : `${profile.url} is up`;
      setConnection({ ...named, state: "connected", model, message });
      return {
        profile: summary(profile),
        status: { baseUrl: profile.url, urlChanged: false, models, message },
        models,
      };
    },
    async listModels(profileId) {
      calls.push(`listModels:${profileId}`);
      const profile = profileOf(profileId);
      checkServer(profile);
      return MODELS[profile.source] ?? [];
    },
    async testMessage(profileId, model) {
      calls.push(`testMessage:${profileId}`);
      const profile = profileOf(profileId);
      await wait(latency);
      checkServer(profile);
      const chosen = model ?? profile.model ?? MODELS[profile.source]?.[0]?.id;
      if (!chosen) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      return { model: chosen, reply: "Hello! I can hear you.", stopReason: "stop", elapsedMs: 840 };
    },
    async appState() {
      calls.push("appState");
      return { connection: { ...connection, profileId: connection.profileId ?? activeProfileId }, dataDir: "(in memory)" };
    },
    async listChats() {
      calls.push("listChats");
      return [...chats.values()].map((c) => ({ ...c }));
    },
    async loadChat(chatId) {
      calls.push(`loadChat:${chatId}`);
      const chat = chats.get(chatId);
      if (!chat) throw ipcError("storage", "That chat no longer exists.");
      return { chat: { ...chat }, messages: (messages.get(chatId) ?? []).map((m) => ({ ...m })) };
    },
    async startGeneration(request, onEvent) {
      calls.push(`startGeneration:${request.chatId ?? "new"}`);
      const profile = profileOf(request.profileId);
      const model = request.model ?? profile.model;
      if (!model) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      let chatId = request.chatId;
      if (!chatId) {
        chatId = nextId("chat");
        const title = request.input.length > 48 ? `${request.input.slice(0, 47)}…` : request.input;
        chats.set(chatId, { id: chatId, title, profileId: profile.id, model, createdAt: now(), updatedAt: now() });
        messages.set(chatId, []);
      }
      const list = messages.get(chatId) ?? [];
      const user = stored(chatId, list.length, "user", request.input, "complete", null, now());
      const reply = stored(chatId, list.length + 1, "assistant", "", "streaming", model, now());
      list.push(user, reply);
      messages.set(chatId, list);
      const generationId = nextId("gen");
      running.set(generationId, { cancelled: false });
      const id = chatId;
      // Like the real channel: events start after the command has answered.
      setTimeout(() => void stream(generationId, id, reply.id, model, request.input, profile, onEvent), 0);
      return { generationId, chatId, userMessageId: user.id };
    },
    async previewRequest(request) {
      calls.push(`previewRequest:${request.chatId ?? "new"}:${request.input}`);
      const profile = profileOf(request.profileId);
      const source = MOCK_SOURCES.find((s) => s.kind === profile.source);
      if (source?.key === "required" && !keys.has(profile.id)) {
        throw ipcError("notConfigured", `Profile “${profile.name}” has no API key, and ${source.label} needs one.`, { provider: profile.source });
      }
      const model = request.model ?? profile.model;
      if (!model) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      const history = request.chatId ? (messages.get(request.chatId) ?? []) : [];
      return previewOf(profile, model, keys.has(profile.id), history, request.input);
    },
    async cancelGeneration(generationId) {
      calls.push(`cancelGeneration:${generationId}`);
      const control = running.get(generationId);
      if (!control) return false;
      control.cancelled = true;
      return true;
    },
    async openExternal(url) {
      calls.push(`openExternal:${url}`);
    },
    onConnectionChanged: (listener) => subscribe(listeners.connection, listener),
    onProfilesChanged: (listener) => subscribe(listeners.profiles, listener),
    onTrayAction: (listener) => subscribe(listeners.tray, listener),
  };
  return api;
}
