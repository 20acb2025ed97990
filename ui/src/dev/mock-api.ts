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
 * each source's API would get (Messages API for Claude, chat completions, or a text-completion
 * prompt built with the profile's instruct template). Text-completion sources behave like theirs:
 * KoboldAI United and the Horde answer all at once, the Horde after a few `queued` events, and
 * `historyTrimmed` says when the oldest messages did not fit the context (or the message says
 * `trim`). `detectServers` finds KoboldCpp and Ollama unless `localServers` says otherwise.
 * Scenarios (`?mock=NAME` in dev): "" first launch, `chat` a connected profile with chats,
 * `nolocal` a first launch with no local servers, `long` the chats plus one of 10,000 messages
 * (`LONG_CHAT_ID`), the newest, for paging and windowing.
 *
 * Chats work as the core's do: listed pinned first, then newest; opened on their latest page
 * (`PAGE_SIZE`) with older pages on request; replies regenerated as new versions (swipes) or
 * continued; messages edited and deleted; chats branched, renamed, pinned, deleted (undoable)
 * and searched by every word of the query, the snippet's runs marking each word. Sending in a chat records its
 * profile and model, as the core does.
 *
 * Files: `chooseImportFiles` answers the paths given to `willChoose` (none: the dialog was
 * cancelled); `importChatFile` reads them from `files` as SillyTavern JSONL (bad lines skipped
 * and named), Switchboard chat exports and backups (profiles restored without keys, names
 * already taken left out);
 * `exportChat` and `backupAll` "write" into `~/Downloads` (kept in `files`, never
 * overwriting: `Title (2).md`). Settings start with auto-connect on (`autoConnect: false` in
 * the options turns it off).
 *
 * Never part of a production build: `main.ts` imports it only under `import.meta.env.DEV`.
 */

import type {
  Api,
  AppSettings,
  BuiltInTemplate,
  Chat,
  ChatEvent,
  ConnectionChanged,
  ExportFormat,
  Found,
  HistoryTrimmed,
  ImportReport,
  InstructTemplate,
  IpcError,
  ModelInfo,
  NavigationRefused,
  NormalizedUrl,
  ProfileSummary,
  ProviderKind,
  RequestPreview,
  SearchHit,
  SnapshotInfo,
  SnippetPart,
  SourceInfo,
  StoredMessage,
  TrayAction,
  Unsubscribe,
} from "../api";
import { AppError } from "../api";
import { hasEveryWord, markWords, PAGE_SIZE, searchWords } from "../state/history";
import { builtInTemplate, DEFAULT_INSTRUCT, effectiveApi, parseModelList } from "../state/profile-form";

/** The id of the 10,000-message chat of the `long` scenario. */
export const LONG_CHAT_ID = "chat-long";
/** How many messages it has. */
export const LONG_CHAT_SIZE = 10_000;

/** One version (swipe) of a message, as kept apart from the one shown. */
type Version = Pick<StoredMessage, "content" | "reasoning" | "state" | "model" | "error">;

export interface MockOptions {
  scenario?: string;
  /** Milliseconds between streamed chunks (0 in tests). */
  tick?: number;
  /** Delay of slow operations such as Connect. */
  latency?: number;
  /** What `detectServers` finds (default: KoboldCpp and Ollama; none for the `nolocal` scenario). */
  localServers?: Found[];
  /** The saved "connect on launch" setting (default on, as in the core). */
  autoConnect?: boolean;
  /** Why the app "could not start" (the `damaged` scenario sets one). */
  startupProblem?: string;
  /** Why the snapshot of the day could not be taken, if it could not. */
  snapshotProblem?: string;
}

/** The mock's snapshots: the day's, and one damaged. */
const MOCK_SNAPSHOTS: SnapshotInfo[] = [
  { id: "2026-12-07-080000-daily", kind: "daily", takenAt: Date.UTC(2026, 11, 7, 8), size: 98_304, chats: 3, messages: 12, problem: null },
  {
    id: "2026-12-06-080000-daily", kind: "daily", takenAt: Date.UTC(2026, 11, 6, 8), size: 4096, chats: null, messages: null,
    problem: "The snapshot 2026-12-06-080000-daily cannot be used: it is damaged: SQLite's check says: database disk image is malformed.",
  },
];

/** The core's words for a damaged database, for the `damaged` scenario. */
const DAMAGED_DATABASE =
  "The database /home/you/.local/share/switchboard/switchboard.db is damaged and cannot be used (file is not a database). " +
  "Switchboard has left the file as it is. To start afresh, move it (with any switchboard.db-wal file beside it) to another " +
  "folder and start Switchboard again; to go back, put a backup in its place (Switchboard keeps one beside it, " +
  "switchboard.db.v<N>.bak, before each upgrade).";

/** Where the mock's exports "go". */
export const MOCK_DOWNLOADS = "/home/you/Downloads";

/** The mock plus hooks tests use to inspect it and fire app events. */
export interface MockApi extends Api {
  /** Every command called, in order, with its main argument. */
  readonly calls: string[];
  /** The "disk": files to import, and those `exportChat` and `backupAll` wrote, by path. */
  readonly files: Map<string, string>;
  /** What the next `chooseImportFiles` answers, as if the person chose these files. */
  willChoose(paths: string[]): void;
  emitTrayAction(action: TrayAction): void;
  emitProfilesChanged(): void;
  emitNavigationRefused(refused: NavigationRefused): void;
}

type Capabilities = SourceInfo["capabilities"];
type Sampler = SourceInfo["samplers"][number];

const chat = (prefill = false, otherApi: Capabilities["otherApi"] = null): Capabilities => ({
  api: "chatCompletion", otherApi, streaming: true, modelList: true, serverAbort: false, prefill, multiModel: false,
});
const text = (streaming: boolean, serverAbort: boolean, otherApi: Capabilities["otherApi"] = null): Capabilities => ({
  api: "textCompletion", otherApi, streaming, modelList: true, serverAbort, prefill: false, multiModel: false,
});

// The sampler lists of the Rust core's sources (catalogue.rs).
const OPENAI_SAMPLERS: Sampler[] = ["maxTokens", "temperature", "topP", "frequencyPenalty", "presencePenalty", "seed", "stop"];
const LOCAL_SAMPLERS: Sampler[] = ["maxTokens", "temperature", "topP", "topK", "minP", "frequencyPenalty", "presencePenalty", "repetitionPenalty", "seed", "stop"];
const OOBA_SAMPLERS: Sampler[] = [
  "maxTokens", "temperature", "topP", "topK", "minP", "frequencyPenalty", "presencePenalty", "repetitionPenalty",
  "repetitionPenaltyRange", "typicalP", "tfs", "topA", "seed", "stop",
];
const CLAUDE_SAMPLERS: Sampler[] = ["maxTokens", "temperature", "topP", "topK", "stop"];
const KOBOLD_SAMPLERS: Sampler[] = ["maxTokens", "temperature", "topP", "topK", "repetitionPenalty", "repetitionPenaltyRange", "typicalP", "tfs", "topA", "seed", "stop"];
const KOBOLDCPP_SAMPLERS: Sampler[] = [
  "maxTokens", "temperature", "topP", "topK", "minP", "repetitionPenalty", "repetitionPenaltyRange", "typicalP", "tfs", "topA", "seed", "stop",
];
const HORDE_SAMPLERS: Sampler[] = ["maxTokens", "temperature", "topP", "topK", "minP", "repetitionPenalty", "repetitionPenaltyRange", "typicalP", "tfs", "topA", "stop"];
const NOVELAI_SAMPLERS = HORDE_SAMPLERS;

/** How the backend shows a key in a request preview. */
const REDACTED = "<redacted>";
/** The Messages API version the backend sends. */
const ANTHROPIC_VERSION = "2023-06-01";
/** `max_tokens` is required by the Messages API; sent when the profile sets none. */
const CLAUDE_MAX_TOKENS = 4096;
/** The context size when neither the profile nor the model says one. */
const DEFAULT_CONTEXT_SIZE = 4096;
/** The reply length reserved in the context when the profile sets none. */
const DEFAULT_REPLY_TOKENS = 512;
/** The Horde's anonymous key. */
const HORDE_ANONYMOUS_KEY = "0000000000";

export const MOCK_SOURCES: SourceInfo[] = [
  { kind: "openai", id: "openai", label: "OpenAI", defaultUrl: "https://api.openai.com/v1", key: "required", keyLabel: "API key", keyNote: "", capabilities: chat(), supported: true, samplers: OPENAI_SAMPLERS },
  { kind: "claude", id: "claude", label: "Anthropic Claude", defaultUrl: "https://api.anthropic.com/v1", key: "required", keyLabel: "API key", keyNote: "", capabilities: chat(true), supported: true, samplers: CLAUDE_SAMPLERS },
  { kind: "mistral", id: "mistral", label: "Mistral AI", defaultUrl: "https://api.mistral.ai/v1", key: "required", keyLabel: "API key", keyNote: "", capabilities: chat(), supported: true, samplers: OPENAI_SAMPLERS },
  { kind: "openrouter", id: "openrouter", label: "OpenRouter", defaultUrl: "https://openrouter.ai/api/v1", key: "required", keyLabel: "API key", keyNote: "", capabilities: chat(), supported: true, samplers: LOCAL_SAMPLERS },
  { kind: "custom", id: "custom", label: "Custom (OpenAI-compatible)", defaultUrl: "http://127.0.0.1:8080/v1", key: "optional", keyLabel: "API key", keyNote: "", capabilities: chat(false, "textCompletion"), supported: true, samplers: LOCAL_SAMPLERS },
  { kind: "ooba", id: "ooba", label: "Oobabooga text-generation-webui", defaultUrl: "http://127.0.0.1:5000/v1", key: "optional", keyLabel: "API key", keyNote: "", capabilities: text(true, false, "chatCompletion"), supported: true, samplers: OOBA_SAMPLERS },
  { kind: "tabby", id: "tabby", label: "TabbyAPI", defaultUrl: "http://127.0.0.1:5000/v1", key: "optional", keyLabel: "API key", keyNote: "", capabilities: chat(false, "textCompletion"), supported: true, samplers: LOCAL_SAMPLERS },
  { kind: "mancer", id: "mancer", label: "Mancer", defaultUrl: "https://neuro.mancer.tech/oai/v1", key: "required", keyLabel: "API key", keyNote: "", capabilities: text(true, false, "chatCompletion"), supported: true, samplers: OOBA_SAMPLERS },
  { kind: "kobold", id: "kobold", label: "KoboldAI United", defaultUrl: "http://127.0.0.1:5000/api", key: "optional", keyLabel: "API key", keyNote: "", capabilities: text(false, false), supported: true, samplers: KOBOLD_SAMPLERS },
  { kind: "koboldcpp", id: "koboldcpp", label: "KoboldCpp", defaultUrl: "http://127.0.0.1:5001", key: "optional", keyLabel: "API key", keyNote: "", capabilities: text(true, true), supported: true, samplers: KOBOLDCPP_SAMPLERS },
  { kind: "horde", id: "horde", label: "AI Horde", defaultUrl: "https://aihorde.net/api/v2", key: "optional", keyLabel: "API key", keyNote: "Optional: without a key the Horde is used anonymously, at the back of the queue.", capabilities: { ...text(false, true), multiModel: true }, supported: true, samplers: HORDE_SAMPLERS },
  { kind: "novelai", id: "novelai", label: "NovelAI", defaultUrl: "https://text.novelai.net", key: "required", keyLabel: "Persistent API token", keyNote: "From NovelAI's Account settings: “Get Persistent API Token”.", capabilities: text(true, false), supported: true, samplers: NOVELAI_SAMPLERS },
];

/** The core's built-in instruct templates (prompt/instruct.rs). */
const template = (
  bos: string, system: [string, string], user: [string, string], assistant: [string, string], stop: string[],
): InstructTemplate => ({
  bos, systemPrefix: system[0], systemSuffix: system[1], userPrefix: user[0], userSuffix: user[1],
  assistantPrefix: assistant[0], assistantSuffix: assistant[1], stop,
});

export const MOCK_TEMPLATES: BuiltInTemplate[] = [
  { kind: "chat-ml", label: "ChatML", template: template("", ["<|im_start|>system\n", "<|im_end|>\n"], ["<|im_start|>user\n", "<|im_end|>\n"], ["<|im_start|>assistant\n", "<|im_end|>\n"], ["<|im_end|>", "<|im_start|>"]) },
  { kind: "alpaca", label: "Alpaca", template: template("", ["", "\n\n"], ["### Instruction:\n", "\n\n"], ["### Response:\n", "\n\n"], ["### Instruction:", "### Response:"]) },
  { kind: "llama3", label: "Llama 3", template: template("<|begin_of_text|>", ["<|start_header_id|>system<|end_header_id|>\n\n", "<|eot_id|>"], ["<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|>"], ["<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"], ["<|eot_id|>", "<|start_header_id|>"]) },
  { kind: "mistral", label: "Mistral", template: template("", ["[INST] ", " [/INST]</s>"], ["[INST] ", " [/INST]"], ["", "</s>"], ["</s>", "[INST]"]) },
  { kind: "vicuna", label: "Vicuna", template: template("", ["", "\n\n"], ["USER: ", "\n"], ["ASSISTANT: ", "</s>\n"], ["</s>", "\nUSER:"]) },
  { kind: "none", label: "None (plain “Name: text”)", template: template("", ["", "\n"], ["User: ", "\n"], ["Assistant: ", "\n"], ["\nUser:"]) },
];

/** What `detectServers` finds by default. */
export const MOCK_LOCAL_SERVERS: Found[] = [
  {
    source: "koboldcpp", url: "http://127.0.0.1:5001", server: "KoboldCpp", version: "1.102",
    models: ["koboldcpp/Mistral-7B-Instruct-v0.3.Q4_K_M"],
    summary: "KoboldCpp 1.102 with model koboldcpp/Mistral-7B-Instruct-v0.3.Q4_K_M", profileName: "KoboldCpp (5001)",
  },
  {
    source: "custom", url: "http://127.0.0.1:11434/v1", server: "Ollama", version: "0.5.7",
    models: ["llama3.2:3b", "qwen2.5:7b"], summary: "Ollama 0.5.7 with models llama3.2:3b, qwen2.5:7b", profileName: "Ollama (11434)",
  },
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
  kobold: [{ id: "KoboldAI/fairseq-dense-13B-Nerys-v2" }],
  koboldcpp: [{ id: "koboldcpp/Mistral-7B-Instruct-v0.3.Q4_K_M", contextLength: 8192 }],
  horde: [
    { id: "koboldcpp/L3-8B-Stheno-v3.2", name: "koboldcpp/L3-8B-Stheno-v3.2 (12 workers, about 4 s)" },
    { id: "aphrodite/Sao10K/L3-70B-Euryale-v2.1", name: "aphrodite/Sao10K/L3-70B-Euryale-v2.1 (5 workers, about 18 s)" },
    { id: "koboldcpp/Fimbulvetr-11B-v2", name: "koboldcpp/Fimbulvetr-11B-v2 (1 worker)" },
  ],
  novelai: [
    { id: "llama-3-erato-v1", name: "Llama 3 Erato", contextLength: 8192 },
    { id: "kayra-v1", name: "Kayra", contextLength: 8192 },
    { id: "clio-v1", name: "Clio", contextLength: 8192 },
  ],
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

/** The source's description. */
function sourceInfo(kind: ProviderKind): SourceInfo | undefined {
  return MOCK_SOURCES.find((s) => s.kind === kind);
}

/** Whether the profile talks text completion (its chosen API, else its source's default). */
function usesText(profile: ProfileSummary): boolean {
  return effectiveApi(sourceInfo(profile.source), profile.api) === "textCompletion";
}

/** A rough token count, like the core's estimate (about 3.5 characters a token). */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

/** A text-completion prompt: the chat wrapped in the profile's template, fitted to its context. */
interface TextPrompt {
  prompt: string;
  stop: string[];
  /** Set when the oldest messages were left out. */
  trimmed: HistoryTrimmed | null;
}

/**
 * The prompt a text-completion profile sends: the system prompt, as many of the latest turns as
 * fit in the context (less the reply's tokens), the new message, and the assistant prefix.
 */
function textPromptOf(profile: ProfileSummary, model: string, turns: readonly Turn[]): TextPrompt {
  const instruct = { ...DEFAULT_INSTRUCT, ...profile.instruct };
  const wrap = instruct.custom ?? builtInTemplate(MOCK_TEMPLATES, instruct.template) ?? MOCK_TEMPLATES[0]!.template;
  const contextLength = MODELS[profile.source]?.find((m) => m.id === model)?.contextLength ?? null;
  const contextSize = instruct.contextSize ?? contextLength ?? DEFAULT_CONTEXT_SIZE;
  const budget = contextSize - (profile.params.maxTokens ?? DEFAULT_REPLY_TOKENS);
  const render = (turn: Turn): string => {
    const [prefix, suffix] =
      turn.role === "system" ? [wrap.systemPrefix, wrap.systemSuffix]
        : turn.role === "assistant" ? [wrap.assistantPrefix, wrap.assistantSuffix]
          : [wrap.userPrefix, wrap.userSuffix];
    return `${prefix}${turn.content}${suffix}`;
  };
  const system = profile.systemPrompt?.trim() ? render({ role: "system", content: profile.systemPrompt }) : "";
  const end = wrap.assistantPrefix.replace(/ +$/, "");
  const rendered = turns.map(render);
  let total = estimateTokens(wrap.bos + system + end) + rendered.reduce((sum, text) => sum + estimateTokens(text), 0);
  let first = 0;
  while (total > budget && first < rendered.length - 1) {
    total -= estimateTokens(rendered[first]!);
    first += 1;
  }
  return {
    prompt: wrap.bos + system + rendered.slice(first).join("") + end,
    stop: [...wrap.stop, ...(profile.params.stop ?? [])],
    trimmed: first > 0 ? { dropped: first, contextSize } : null,
  };
}

/** The chat so far as turns (empty replies left out), with the new message (if any). */
function turnsOf(history: readonly StoredMessage[], input: string): Turn[] {
  const turns: Turn[] = history
    .filter((m) => !(m.role === "assistant" && m.content === ""))
    .map((m) => ({ role: m.role === "tool" ? "user" : m.role, content: m.content }));
  if (input !== "") turns.push({ role: "user", content: input });
  return turns;
}

/** The sampler fields of a KoboldAI-style body (KoboldAI, KoboldCpp, the Horde's `params`). */
function koboldParams(profile: ProfileSummary, prompt: TextPrompt): Record<string, unknown> {
  const p = profile.params;
  const body: Record<string, unknown> = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) body[key] = value;
  };
  put("max_length", p.maxTokens);
  put("max_context_length", prompt.trimmed?.contextSize);
  put("temperature", p.temperature);
  put("top_p", p.topP);
  put("top_k", p.topK);
  put("min_p", p.minP);
  put("rep_pen", p.repetitionPenalty);
  put("rep_pen_range", p.repetitionPenaltyRange);
  put("typical", p.typicalP);
  put("tfs", p.tfs);
  put("top_a", p.topA);
  put("sampler_seed", p.seed);
  if (prompt.stop.length) body.stop_sequence = prompt.stop;
  return body;
}

/** The request a text-completion profile's message would send. */
/** A profile's extra headers as the preview shows them: names, values redacted (they are secrets). */
function maskedHeaders(profile: ProfileSummary): [string, string][] {
  return profile.headers.map((name) => [name, REDACTED]);
}

function textPreviewOf(profile: ProfileSummary, model: string, hasKey: boolean, turns: readonly Turn[]): RequestPreview {
  const prompt = textPromptOf(profile, model, turns);
  const headers: [string, string][] = [["content-type", "application/json"], ...maskedHeaders(profile)];
  const json = (body: unknown) => JSON.stringify(body, null, 2);
  const p = profile.params;
  switch (profile.source) {
    case "koboldcpp":
    case "kobold": {
      if (hasKey) headers.push(["authorization", `Bearer ${REDACTED}`]);
      const url = profile.source === "koboldcpp" ? `${profile.url}/api/extra/generate/stream` : `${profile.url}/v1/generate`;
      return { method: "POST", url, headers, body: json({ prompt: prompt.prompt, ...koboldParams(profile, prompt) }) };
    }
    case "horde": {
      headers.push(["client-agent", "Switchboard:0.1.0:https://github.com/switchboard"], ["apikey", hasKey ? REDACTED : HORDE_ANONYMOUS_KEY]);
      const body = { prompt: prompt.prompt, params: { n: 1, ...koboldParams(profile, prompt) }, models: parseModelList(model) };
      return { method: "POST", url: `${profile.url}/generate/text/async`, headers, body: json(body) };
    }
    case "novelai": {
      headers.push(["authorization", `Bearer ${REDACTED}`]);
      const parameters: Record<string, unknown> = { max_length: p.maxTokens ?? 150, temperature: p.temperature, top_p: p.topP, top_k: p.topK, min_p: p.minP };
      return { method: "POST", url: `${profile.url}/ai/generate-stream`, headers, body: json(withoutNulls({ input: prompt.prompt, model, parameters: withoutNulls(parameters) })) };
    }
    default: {
      if (hasKey) headers.push(["authorization", `Bearer ${REDACTED}`]);
      const body: Record<string, unknown> = { model, prompt: prompt.prompt };
      const put = (key: string, value: unknown) => {
        if (value !== undefined && value !== null) body[key] = value;
      };
      put("max_tokens", p.maxTokens);
      put("temperature", p.temperature);
      put("top_p", p.topP);
      put("top_k", p.topK);
      put("min_p", p.minP);
      put("repetition_penalty", p.repetitionPenalty);
      put("seed", p.seed);
      if (prompt.stop.length) body.stop = prompt.stop;
      body.stream = true;
      return { method: "POST", url: `${profile.url}/completions`, headers, body: json(body) };
    }
  }
}

/**
 * The request a message would send, as the backend previews it: the system prompt, the chat so
 * far (empty replies left out), the new message (if any) and, for Claude, the prefill.
 */
function previewOf(
  profile: ProfileSummary, model: string, hasKey: boolean, history: readonly StoredMessage[], input: string,
): RequestPreview {
  const system = profile.systemPrompt?.trim() ? profile.systemPrompt : null;
  const turns = turnsOf(history, input);
  if (usesText(profile)) return textPreviewOf(profile, model, hasKey, turns);
  const params = profile.params;
  const headers: [string, string][] = [["content-type", "application/json"]];
  const put = (body: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined && value !== null) body[key] = value;
  };

  if (profile.source === "claude") {
    headers.push(["anthropic-version", ANTHROPIC_VERSION], ...maskedHeaders(profile));
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

  headers.push(...maskedHeaders(profile));
  if (hasKey) headers.push(["authorization", `Bearer ${REDACTED}`]);
  const messages: Turn[] = system ? [{ role: "system", content: system }, ...turns] : turns;
  const body: Record<string, unknown> = { model, messages };
  put(body, "max_tokens", params.maxTokens);
  put(body, "temperature", params.temperature);
  put(body, "top_p", params.topP);
  put(body, "top_k", params.topK);
  put(body, "min_p", params.minP);
  put(body, "frequency_penalty", params.frequencyPenalty);
  put(body, "presence_penalty", params.presencePenalty);
  put(body, "repetition_penalty", params.repetitionPenalty);
  put(body, "seed", params.seed);
  if (params.stop?.length) body.stop = params.stop;
  body.stream = true;
  return { method: "POST", url: `${profile.url}/chat/completions`, headers, body: JSON.stringify(body, null, 2) };
}

function ipcError(kind: IpcError["kind"], message: string, extra: Partial<IpcError> = {}): AppError {
  return new AppError({ kind, message, ...extra });
}

/** The path each source's base URL ends with (the core's `version_path`, with /v1 for servers). */
const VERSION_PATH: Record<ProviderKind, string> = {
  openai: "/v1", claude: "/v1", mistral: "/v1", openrouter: "/api/v1", custom: "/v1", ooba: "/v1", tabby: "/v1",
  mancer: "/oai/v1", kobold: "/api", koboldcpp: "", horde: "/api/v2", novelai: "",
};

/** Request paths people paste, removed from the base URL. */
const SUFFIXES: Partial<Record<ProviderKind, string[]>> = {
  claude: ["/messages", "/models"],
  kobold: ["/v1/generate", "/v1", "/latest"],
  koboldcpp: ["/api/v1/generate", "/api/extra/generate/stream", "/api/v1", "/api"],
  horde: ["/generate/text/async"],
  novelai: ["/ai/generate-stream", "/ai/generate"],
};

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
  if (url.endsWith("/")) {
    url = url.replace(/\/+$/, "");
    changes.push("removed the trailing /");
  }
  for (const suffix of SUFFIXES[source] ?? ["/chat/completions", "/completions", "/models"]) {
    if (url.endsWith(suffix)) {
      url = url.slice(0, -suffix.length);
      changes.push(`removed ${suffix}`);
    }
  }
  const version = VERSION_PATH[source];
  const hasVersion = version.endsWith("/v1") ? /\/v\d+$/.test(url) || url.includes("/api") : url.endsWith(version);
  if (version !== "" && !hasVersion) {
    url = `${url}${version}`;
    changes.push(`added ${version}`);
  }
  const host = new URL(url).hostname;
  const local = host === "localhost" || host.endsWith(".localhost") || host.startsWith("127.") || host === "[::1]";
  return { url, changes, unencrypted: url.toLowerCase().startsWith("http://") && !local };
}

export function createMockApi(options: MockOptions = {}): MockApi {
  const tick = options.tick ?? 30;
  const latency = options.latency ?? 450;
  const calls: string[] = [];
  const profiles = new Map<string, ProfileSummary>();
  const keys = new Map<string, string>();
  const chats = new Map<string, Chat>();
  const messages = new Map<string, StoredMessage[]>();
  /** Every version of each message that has more than one, by message id (the shown one stale). */
  const versions = new Map<string, Version[]>();
  const deleted = new Set<string>();
  const running = new Map<string, { cancelled: boolean }>();
  const listeners = {
    connection: new Set<(c: ConnectionChanged) => void>(),
    profiles: new Set<() => void>(),
    tray: new Set<(a: TrayAction) => void>(),
    navigation: new Set<(r: NavigationRefused) => void>(),
  };
  const files = new Map<string, string>();
  let settings: AppSettings = { autoConnect: options.autoConnect ?? true };
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

  if (options.scenario === "chat" || options.scenario === "relaunch" || options.scenario === "long") seedChat();
  if (options.scenario === "long") seedLongChat();
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
      api: null, instruct: DEFAULT_INSTRUCT, bypassStatusCheck: false, headers: [], createdAt: now() - 86_400_000 * 3, updatedAt: now() - 3_600_000, hasKey: false,
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
      chats.set(chatId, {
        id: chatId, title, profileId: id, model: "llama-3.1-8b-instruct", pinned: false, messageCount: 0,
        createdAt: now() - age, updatedAt: now() - age,
      });
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

  /** A chat of `LONG_CHAT_SIZE` messages, the newest, its last reply with three versions. */
  function seedLongChat(): void {
    const at = now() - LONG_CHAT_SIZE * 1000;
    chats.set(LONG_CHAT_ID, {
      id: LONG_CHAT_ID, title: "A very long story", profileId: activeProfileId, model: "llama-3.1-8b-instruct",
      pinned: false, messageCount: 0, createdAt: at, updatedAt: now(),
    });
    const list: StoredMessage[] = [];
    for (let seq = 0; seq < LONG_CHAT_SIZE; seq++) {
      const user = seq % 2 === 0;
      const turn = Math.floor(seq / 2) + 1;
      const text = user
        ? `Turn ${turn}: and then what happened?`
        : `Part ${turn} of the story.${seq % 10 === 1 ? " The night was long, the road longer, and the lantern kept flickering as if it knew something the travellers did not." : ""}${seq % 14 === 3 ? `\n\n\`\`\`text\nlog entry ${turn}\n\`\`\`` : ""}`;
      list.push(stored(LONG_CHAT_ID, seq, user ? "user" : "assistant", text, "complete", user ? null : "llama-3.1-8b-instruct", at + seq * 1000));
    }
    const last = list.at(-1)!;
    versions.set(last.id, [
      { ...versionOf(last), content: "An earlier ending: they turned back." },
      { ...versionOf(last), content: "Another ending: they waited for dawn." },
      versionOf(last),
    ]);
    Object.assign(last, { swipeIndex: 2, swipeCount: 3 });
    messages.set(LONG_CHAT_ID, list);
  }

  function stored(
    chatId: string, seq: number, role: StoredMessage["role"], content: string, state: StoredMessage["state"],
    model: string | null, at: number, reasoning: string | null = null, error: IpcError | null = null,
  ): StoredMessage {
    return {
      id: nextId("msg"), chatId, seq, role, name: null, content, swipeIndex: 0, swipeCount: 1, reasoning, state, model,
      error: error && withoutNulls(error), createdAt: at, updatedAt: at,
    };
  }

  function versionOf(message: StoredMessage): Version {
    return { content: message.content, reasoning: message.reasoning, state: message.state, model: message.model, error: message.error };
  }

  /** Every version of a message, the shown one up to date. */
  function versionsOf(message: StoredMessage): Version[] {
    const all = versions.get(message.id) ?? [versionOf(message)];
    all[message.swipeIndex] = versionOf(message);
    versions.set(message.id, all);
    return all;
  }

  /** A chat as listed: its message count up to date. */
  function listed(chat: Chat): Chat {
    return { ...chat, messageCount: messages.get(chat.id)?.length ?? 0 };
  }

  function liveChat(chatId: string): Chat {
    const chat = chats.get(chatId);
    if (!chat || deleted.has(chatId)) throw ipcError("invalidRequest", "That chat no longer exists.");
    return chat;
  }

  function findMessage(messageId: string): { list: StoredMessage[]; message: StoredMessage } {
    for (const [chatId, list] of messages) {
      if (deleted.has(chatId)) continue;
      const message = list.find((m) => m.id === messageId);
      if (message) return { list, message };
    }
    throw ipcError("invalidRequest", "There is no such message.");
  }

  /**
   * The snippet the core's search gives: the whole words around the first match (white space
   * made single spaces), every word of the query marked.
   */
  function snippetOf(content: string, query: string): SnippetPart[] {
    let text = content.replace(/\s+/gu, " ");
    if (text.length > 160) {
      const lower = text.toLowerCase();
      const found = searchWords(query).map((w) => lower.indexOf(w.toLowerCase())).filter((at) => at >= 0);
      const first = found.length ? Math.min(...found) : 0;
      let start = Math.max(0, first - 60);
      let end = Math.min(text.length, first + 100);
      const space = text.indexOf(" ", start);
      if (start > 0 && space !== -1 && space < first) start = space + 1;
      const last = text.lastIndexOf(" ", end);
      if (end < text.length && last > first) end = last;
      text = `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
    }
    return markWords(text, query);
  }


  /** Starts streaming into `reply` once the command has answered, like the real channel. */
  function streamLater(
    chatId: string, reply: StoredMessage, model: string, input: string, profile: ProfileSummary,
    trimmed: HistoryTrimmed | null, onEvent: (event: ChatEvent) => void, continuing = false,
  ): string {
    const generationId = nextId("gen");
    running.set(generationId, { cancelled: false });
    setTimeout(() => void stream(generationId, chatId, reply.id, model, input, profile, trimmed, onEvent, continuing), 0);
    return generationId;
  }

  /** The user message a reply answers: the last one before it. */
  function promptOf(list: readonly StoredMessage[], reply: StoredMessage): string {
    return [...list].reverse().find((m) => m.seq < reply.seq && m.role === "user")?.content ?? "";
  }

  async function stream(
    generationId: string, chatId: string, messageId: string, model: string, input: string,
    profile: ProfileSummary, trimmed: HistoryTrimmed | null, send: (event: ChatEvent) => void, continuing = false,
  ): Promise<void> {
    const control = running.get(generationId) ?? { cancelled: false };
    const reply = messages.get(chatId)?.find((m) => m.id === messageId);
    const save = (patch: Partial<StoredMessage>) => reply && Object.assign(reply, patch, { updatedAt: now() });
    send({
      type: "started", generationId, chatId, messageId, model,
      text: reply?.content ?? "", swipeIndex: reply?.swipeIndex ?? 0, swipeCount: reply?.swipeCount ?? 1,
    });
    const lower = input.toLowerCase();
    if (trimmed) send({ type: "historyTrimmed", ...trimmed });
    // Like the backend: the reply starts with the prefill the model continues (not when it is
    // continued: its text is there already).
    const prefill = continuing ? null : prefillOf(profile);
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
      if (profile.source === "horde") {
        // The Horde: a few polls in its queue, then a worker picks the request up.
        for (const [position, waitSecs] of [[3, 30], [2, 21], [1, 12], [0, 5]] as const) {
          if (control.cancelled) break;
          send({ type: "queued", position, waitSecs });
          await wait(tick * 20);
        }
      }
      const body = lower.includes("slow") ? `${REPLY}\n\n${REPLY}\n\n${REPLY}` : lower.includes("fail") ? REPLY.slice(0, 160) : REPLY;
      // Sources that do not stream answer all at once.
      const streams = sourceInfo(profile.source)?.capabilities.streaming ?? true;
      const pieces = streams ? (body.match(/[\s\S]{1,6}/g) ?? []) : [body];
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

  /** A new chat from imported messages. */
  function importedChat(title: string, turns: readonly { role: StoredMessage["role"]; content: string; model?: string | null }[]): Chat {
    const id = nextId("chat");
    const at = now();
    const model = [...turns].reverse().find((t) => t.model)?.model ?? null;
    const chat: Chat = { id, title, profileId: null, model, pinned: false, messageCount: 0, createdAt: at, updatedAt: at };
    chats.set(id, chat);
    messages.set(id, turns.map((t, seq) => stored(id, seq, t.role, t.content, "complete", t.role === "assistant" ? (t.model ?? null) : null, at)));
    return listed(chat);
  }

  /** A SillyTavern JSONL file: a header line, then one message a line (bad ones skipped). */
  function importTavern(fileName: string, text: string, report: ImportReport): void {
    const lines = text.replace(/^\uFEFF/, "").split("\n").map((line, i) => [i + 1, line] as const).filter(([, l]) => l.trim() !== "");
    const [first, ...rest] = lines;
    if (!first) throw new Error("The file is empty: a SillyTavern chat starts with a header line.");
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(first[1]) as Record<string, unknown>;
    } catch {
      throw new Error(`Line ${first[0]} is not a SillyTavern chat header: it is not valid JSON.`);
    }
    if (typeof header !== "object" || header === null || Array.isArray(header)) {
      throw new Error(`Line ${first[0]} is not a SillyTavern chat header: expected a JSON object.`);
    }
    const turns: { role: StoredMessage["role"]; content: string; model: string | null }[] = [];
    for (const [number, line] of rest) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        report.skipped.push({ line: number, reason: "not valid JSON" });
        continue;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        report.skipped.push({ line: number, reason: `not a JSON object (found ${Array.isArray(value) ? "an array" : typeof value})` });
        continue;
      }
      const message = value as { mes?: unknown; is_user?: unknown; is_system?: unknown; extra?: { model?: unknown } };
      if (typeof message.mes !== "string") {
        report.skipped.push({ line: number, reason: 'no "mes" field (the message text)' });
        continue;
      }
      const model = typeof message.extra?.model === "string" ? message.extra.model : null;
      turns.push({ role: message.is_system ? "system" : message.is_user ? "user" : "assistant", content: message.mes, model });
    }
    const title = typeof header.switchboard_title === "string" ? header.switchboard_title
      : typeof header.character_name === "string" ? `${header.character_name} (imported)`
        : fileName.replace(/\.[^.]*$/, "") || "Imported chat";
    report.chats.push(importedChat(title, turns));
  }

  /** A chat as Switchboard's own file carries it. */
  type ArchivedChat = { title?: string; messages?: { role?: StoredMessage["role"]; content?: string; model?: string | null }[] };

  function importArchived(archive: ArchivedChat, report: ImportReport): void {
    const turns = (archive.messages ?? []).map((m) => ({ role: m.role ?? "user", content: m.content ?? "", model: m.model ?? null }));
    report.chats.push(importedChat(archive.title || "Imported chat", turns));
  }

  function archiveOf(chat: Chat): ArchivedChat {
    return {
      title: chat.title,
      messages: (messages.get(chat.id) ?? []).map((m) => ({ role: m.role, content: m.content, model: m.model })),
    };
  }

  /** Keeps `text` at a new path in the Downloads folder: `stem.ext`, else `stem (2).ext`, … */
  function writeNew(stem: string, ext: string, text: string): string {
    const safe = stem.replace(/[\/\\:*?"<>|\u0000-\u001f]+/g, " ").replace(/\s+/g, " ").trim().replace(/^\.+|\.+$/g, "").slice(0, 80) || "chat";
    for (let n = 1; ; n++) {
      const path = `${MOCK_DOWNLOADS}/${n === 1 ? safe : `${safe} (${n})`}.${ext}`;
      if (!files.has(path)) {
        files.set(path, text);
        return path;
      }
    }
  }

  function exportText(chat: Chat, format: ExportFormat): string {
    const list = messages.get(chat.id) ?? [];
    switch (format) {
      case "sillytavern":
        return [
          JSON.stringify({ user_name: "User", character_name: "Assistant", chat_metadata: {}, switchboard_title: chat.title }),
          ...list.map((m) => JSON.stringify({ name: m.role === "user" ? "User" : "Assistant", is_user: m.role === "user", is_system: m.role === "system", mes: m.content, extra: m.model ? { model: m.model } : {} })),
        ].join("\n");
      case "markdown":
        return [`# ${chat.title}`, ...list.map((m) => `**${m.role === "user" ? "User" : "Assistant"}:** ${m.content}`)].join("\n\n");
      case "json":
        return JSON.stringify({ format: "switchboard-chat", version: 1, chat: archiveOf(chat) }, null, 2);
    }
  }

  let toChoose: string[] = [];
  const api: MockApi = {
    calls,
    files,
    willChoose: (paths) => {
      toChoose = [...paths];
    },
    emitTrayAction: (action) => listeners.tray.forEach((l) => l(action)),
    emitProfilesChanged: () => listeners.profiles.forEach((l) => l()),
    emitNavigationRefused: (refused) => listeners.navigation.forEach((l) => l(refused)),

    async listSources() {
      calls.push("listSources");
      return MOCK_SOURCES;
    },
    async listTemplates() {
      calls.push("listTemplates");
      return MOCK_TEMPLATES;
    },
    async detectServers() {
      calls.push("detectServers");
      // The real probe waits up to 1.5 s for the ports that do not answer.
      await wait(latency * 3);
      return (options.localServers ?? (options.scenario === "nolocal" ? [] : MOCK_LOCAL_SERVERS)).map((f) => ({ ...f }));
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
        postProcessing: draft.postProcessing, api: draft.api ?? null,
        instruct: {
          template: draft.instruct?.template ?? DEFAULT_INSTRUCT.template,
          custom: draft.instruct?.custom ?? null,
          contextSize: draft.instruct?.contextSize ?? null,
        },
        bypassStatusCheck: draft.bypassStatusCheck,
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
    async duplicateProfile(profileId) {
      calls.push(`duplicateProfile:${profileId}`);
      const original = profileOf(profileId);
      const taken = new Set([...profiles.values()].map((p) => p.name.toLowerCase()));
      const base = `${original.name} copy`;
      let name = base;
      for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} ${n}`;
      const id = nextId("profile");
      profiles.set(id, { ...original, id, name, createdAt: now(), updatedAt: now() });
      const key = keys.get(profileId);
      if (key !== undefined) keys.set(id, key);
      return summary(profileOf(id));
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
      // NovelAI's list is fixed: it needs no request (nor key).
      if (profile.source !== "novelai") checkServer(profile);
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
      return [...chats.values()]
        .filter((c) => !deleted.has(c.id))
        .map(listed)
        .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt);
    },
    async loadChat(chatId) {
      calls.push(`loadChat:${chatId}`);
      const chat = liveChat(chatId);
      const list = messages.get(chatId) ?? [];
      const page = list.slice(-PAGE_SIZE);
      return { chat: listed(chat), messages: page.map((m) => ({ ...m })), hasOlder: list.length > page.length };
    },
    async loadMessages(chatId, beforeSeq) {
      calls.push(`loadMessages:${chatId}:${beforeSeq}`);
      liveChat(chatId);
      const before = (messages.get(chatId) ?? []).filter((m) => m.seq < beforeSeq);
      return before.slice(-PAGE_SIZE).map((m) => ({ ...m }));
    },
    async regenerate(profileId, messageId, onEvent) {
      calls.push(`regenerate:${messageId}`);
      const profile = profileOf(profileId);
      const { list, message } = findMessage(messageId);
      if (message.role !== "assistant") throw ipcError("invalidRequest", "Only a reply can be regenerated or continued.");
      if (message.state === "streaming") throw ipcError("invalidRequest", "That reply is still being written.");
      const model = profile.model ?? (profile.source === "horde" ? "" : null);
      if (model === null) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      const all = versionsOf(message);
      all.push({ content: "", reasoning: null, state: "streaming", model, error: null });
      Object.assign(message, { content: "", reasoning: null, state: "streaming", model, error: null, swipeIndex: all.length - 1, swipeCount: all.length });
      const chat = liveChat(message.chatId);
      chat.updatedAt = now();
      const generationId = streamLater(chat.id, message, model, promptOf(list, message), profile, null, onEvent);
      return { generationId, chatId: chat.id, userMessageId: null };
    },
    async continueReply(profileId, messageId, onEvent) {
      calls.push(`continueReply:${messageId}`);
      const profile = profileOf(profileId);
      const { list, message } = findMessage(messageId);
      if (message.role !== "assistant") throw ipcError("invalidRequest", "Only a reply can be regenerated or continued.");
      if (message.state === "streaming") throw ipcError("invalidRequest", "Only a reply that is not being written can be continued.");
      const model = profile.model ?? message.model ?? "";
      Object.assign(message, { state: "streaming", error: null });
      const chat = liveChat(message.chatId);
      chat.updatedAt = now();
      const generationId = streamLater(chat.id, message, model, promptOf(list, message), profile, null, onEvent, true);
      return { generationId, chatId: chat.id, userMessageId: null };
    },
    async selectSwipe(messageId, index) {
      calls.push(`selectSwipe:${messageId}:${index}`);
      const { message } = findMessage(messageId);
      if (index < 0 || index >= message.swipeCount) {
        throw ipcError("invalidRequest", `This message has ${message.swipeCount} versions; there is no version ${index + 1}.`);
      }
      const all = versionsOf(message);
      Object.assign(message, all[index], { swipeIndex: index, updatedAt: now() });
      return { ...message };
    },
    async editMessage(messageId, content) {
      calls.push(`editMessage:${messageId}`);
      const { message } = findMessage(messageId);
      Object.assign(message, { content, updatedAt: now() });
      const chat = chats.get(message.chatId);
      if (chat) chat.updatedAt = now();
      return { ...message };
    },
    async deleteMessage(messageId) {
      calls.push(`deleteMessage:${messageId}`);
      for (const [chatId, list] of messages) {
        const index = list.findIndex((m) => m.id === messageId);
        if (index === -1 || deleted.has(chatId)) continue;
        list.splice(index, 1);
        versions.delete(messageId);
        return true;
      }
      return false;
    },
    async branchChat(chatId, messageId) {
      calls.push(`branchChat:${chatId}:${messageId}`);
      const source = liveChat(chatId);
      const list = messages.get(chatId) ?? [];
      const through = list.find((m) => m.id === messageId);
      if (!through) throw ipcError("invalidRequest", "There is no such message in this chat.");
      const id = nextId("chat");
      const branch: Chat = { ...source, id, title: `${source.title} (branch)`, pinned: false, createdAt: now(), updatedAt: now() };
      chats.set(id, branch);
      messages.set(id, list.filter((m) => m.seq <= through.seq).map((m) => {
        const copy: StoredMessage = { ...m, id: nextId("msg"), chatId: id, state: m.state === "streaming" ? "interrupted" : m.state };
        if (versions.has(m.id)) versions.set(copy.id, versionsOf(m).map((v) => ({ ...v })));
        return copy;
      }));
      return listed(branch);
    },
    async renameChat(chatId, title) {
      calls.push(`renameChat:${chatId}:${title}`);
      if (!title.trim()) throw ipcError("invalidRequest", "Give the chat a title.");
      const chat = liveChat(chatId);
      chat.title = title.trim();
      return listed(chat);
    },
    async pinChat(chatId, pinned) {
      calls.push(`pinChat:${chatId}:${pinned}`);
      const chat = liveChat(chatId);
      chat.pinned = pinned;
      return listed(chat);
    },
    async deleteChat(chatId) {
      calls.push(`deleteChat:${chatId}`);
      if (!chats.has(chatId) || deleted.has(chatId)) return false;
      deleted.add(chatId);
      return true;
    },
    async restoreChat(chatId) {
      calls.push(`restoreChat:${chatId}`);
      return deleted.delete(chatId);
    },
    async searchChats(query) {
      calls.push(`searchChats:${query}`);
      const needle = query.trim().toLowerCase();
      if (needle === "") return [];
      const live = [...chats.values()].filter((c) => !deleted.has(c.id)).sort((a, b) => b.updatedAt - a.updatedAt);
      const hits: SearchHit[] = live
        .filter((c) => hasEveryWord(c.title, query))
        .map((c) => ({ chatId: c.id, chatTitle: c.title, messageId: null, snippet: markWords(c.title, query) }));
      for (const chat of live) {
        const list = messages.get(chat.id) ?? [];
        for (let i = list.length - 1; i >= 0 && hits.length < 50; i--) {
          const message = list[i]!;
          if (hasEveryWord(message.content, query)) {
            hits.push({ chatId: chat.id, chatTitle: chat.title, messageId: message.id, snippet: snippetOf(message.content, query.trim()) });
          }
        }
      }
      return hits.slice(0, 50);
    },
    async startGeneration(request, onEvent) {
      calls.push(`startGeneration:${request.chatId ?? "new"}`);
      const profile = profileOf(request.profileId);
      // The Horde takes any worker's model when none is chosen.
      const model = request.model ?? profile.model ?? (profile.source === "horde" ? "" : null);
      if (model === null) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      let chatId = request.chatId;
      if (!chatId) {
        chatId = nextId("chat");
        const title = request.input.length > 48 ? `${request.input.slice(0, 47)}…` : request.input;
        chats.set(chatId, { id: chatId, title, profileId: profile.id, model, pinned: false, messageCount: 0, createdAt: now(), updatedAt: now() });
        messages.set(chatId, []);
      } else {
        // Like the core: a chat remembers the profile and model it used last.
        Object.assign(liveChat(chatId), { profileId: profile.id, model });
      }
      const list = messages.get(chatId) ?? [];
      let trimmed: HistoryTrimmed | null = null;
      if (usesText(profile)) {
        trimmed = textPromptOf(profile, model, turnsOf(list, request.input)).trimmed;
        // `trim` in the message shows the notice without a long chat.
        if (!trimmed && request.input.toLowerCase().includes("trim")) {
          trimmed = { dropped: 7, contextSize: profile.instruct.contextSize ?? DEFAULT_CONTEXT_SIZE };
        }
      }
      const seq = (list.at(-1)?.seq ?? -1) + 1;
      const user = stored(chatId, seq, "user", request.input, "complete", null, now());
      const reply = stored(chatId, seq + 1, "assistant", "", "streaming", model, now());
      list.push(user, reply);
      messages.set(chatId, list);
      // Like the real channel: events start after the command has answered.
      const generationId = streamLater(chatId, reply, model, request.input, profile, trimmed, onEvent);
      return { generationId, chatId, userMessageId: user.id };
    },
    async previewRequest(request) {
      calls.push(`previewRequest:${request.chatId ?? "new"}:${request.input}`);
      const profile = profileOf(request.profileId);
      const source = MOCK_SOURCES.find((s) => s.kind === profile.source);
      if (source?.key === "required" && !keys.has(profile.id)) {
        throw ipcError("notConfigured", `Profile “${profile.name}” has no API key, and ${source.label} needs one.`, { provider: profile.source });
      }
      const model = request.model ?? profile.model ?? (profile.source === "horde" ? "" : null);
      if (model === null) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      const history = request.chatId ? (messages.get(request.chatId) ?? []) : [];
      return previewOf(profile, model, keys.has(profile.id), history, request.input);
    },
    async startupProblem() {
      calls.push("startupProblem");
      return options.startupProblem ?? (options.scenario === "damaged" ? DAMAGED_DATABASE : null);
    },
    async getSettings() {
      calls.push("getSettings");
      return { ...settings };
    },
    async deleteAllData() {
      calls.push("deleteAllData");
      const keychainEntries = [...profiles.values()].flatMap((p) => (p.hasKey ? [`profile:${p.id}:api-key`] : []));
      profiles.clear();
      return { dataDir: "/home/me/.local/share/switchboard", files: ["switchboard.db", "switchboard.db-wal"], keychainEntries };
    },
    async quitApp() {
      calls.push("quitApp");
    },
    async listSnapshots() {
      calls.push("listSnapshots");
      const live = [...chats.keys()].filter((id) => !deleted.has(id));
      const count = live.reduce((n, id) => n + (messages.get(id)?.length ?? 0), 0);
      return { chats: live.length, messages: count, snapshots: MOCK_SNAPSHOTS.map((s) => ({ ...s })) };
    },
    async restoreSnapshot(id) {
      calls.push(`restoreSnapshot:${id}`);
      const restored = MOCK_SNAPSHOTS.find((s) => s.id === id);
      if (!restored) throw ipcError("invalidRequest", `There is no snapshot "${id}".`);
      if (restored.problem) throw ipcError("storage", `${restored.problem} Nothing was changed.`);
      const replaced: SnapshotInfo = { ...restored, id: "2026-12-07-090000-before-restore", kind: "beforeRestore", takenAt: now() };
      return { restored: { ...restored }, replaced };
    },
    async snapshotProblem() {
      calls.push("snapshotProblem");
      return options.snapshotProblem ?? null;
    },
    async saveSettings(next) {
      calls.push(`saveSettings:${JSON.stringify(next)}`);
      settings = { ...settings, ...next };
    },
    async chooseImportFiles() {
      calls.push("chooseImportFiles");
      const chosen = toChoose;
      toChoose = [];
      return chosen;
    },
    async importChatFile(path) {
      const fileName = path.split("/").pop() ?? path;
      calls.push(`importChatFile:${fileName}`);
      const report: ImportReport = { chats: [], skipped: [], profiles: [], skippedProfiles: [], error: null };
      const text = files.get(path);
      if (text === undefined) {
        report.error = "cannot read it: No such file or directory (os error 2)";
        return report;
      }
      try {
        const head = text.slice(0, 400);
        if (head.includes("switchboard-backup")) {
          const backup = JSON.parse(text) as { chats?: ArchivedChat[]; profiles?: Partial<ProfileSummary>[] };
          for (const archive of backup.chats ?? []) importArchived(archive, report);
          for (const profile of backup.profiles ?? []) {
            const name = profile.name ?? "(no name)";
            if ([...profiles.values()].some((p) => p.name.toLowerCase() === name.toLowerCase())) {
              report.skippedProfiles.push({ name, reason: "a profile with this name exists" });
              continue;
            }
            const id = nextId("profile");
            profiles.set(id, { ...(profile as ProfileSummary), id, name, hasKey: false, createdAt: now(), updatedAt: now() });
            report.profiles.push(name);
          }
        } else if (head.includes("switchboard-chat")) {
          importArchived((JSON.parse(text) as { chat: ArchivedChat }).chat, report);
        } else {
          importTavern(fileName, text, report);
        }
      } catch (error) {
        report.error = error instanceof SyntaxError ? `This file is not valid JSON: ${error.message}.` : (error as Error).message;
      }
      return report;
    },
    async exportChat(chatId, format) {
      calls.push(`exportChat:${chatId}:${format}`);
      const chat = liveChat(chatId);
      const ext = format === "sillytavern" ? "jsonl" : format === "markdown" ? "md" : "json";
      return { path: writeNew(chat.title, ext, exportText(chat, format)) };
    },
    async backupAll() {
      calls.push("backupAll");
      const live = [...chats.values()].filter((c) => !deleted.has(c.id));
      const body = {
        format: "switchboard-backup",
        version: 1,
        chats: live.map(archiveOf),
        profiles: [...profiles.values()].map(({ hasKey: _, ...profile }) => profile),
      };
      const day = new Date(now()).toISOString().slice(0, 10);
      return { path: writeNew(`switchboard-backup-${day}`, "json", JSON.stringify(body, null, 2)) };
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
    onNavigationRefused: (listener) => subscribe(listeners.navigation, listener),
  };
  return api;
}
