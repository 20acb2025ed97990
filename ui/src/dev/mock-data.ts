/**
 * The dev mock's fixed data: the sources as the core describes them (catalogue.rs), the
 * built-in templates, local servers, model lists, replies, snapshots and other constants.
 *
 * Data only: no state and no behaviour. Never part of a production build.
 */

import type {
  BuiltInTemplate,
  Found,
  InstructTemplate,
  ModelInfo,
  ProviderKind,
  SnapshotInfo,
  SourceInfo,
} from "../api";

/** The id of the 10,000-message chat of the `long` scenario. */
export const LONG_CHAT_ID = "chat-long";
/** How many messages it has. */
export const LONG_CHAT_SIZE = 10_000;

/** The mock's snapshots: the day's, and one damaged. */
export const MOCK_SNAPSHOTS: SnapshotInfo[] = [
  { id: "2026-12-07-080000-daily", kind: "daily", takenAt: Date.UTC(2026, 11, 7, 8), size: 98_304, chats: 3, messages: 12, problem: null },
  {
    id: "2026-12-06-080000-daily", kind: "daily", takenAt: Date.UTC(2026, 11, 6, 8), size: 4096, chats: null, messages: null,
    problem: "The snapshot 2026-12-06-080000-daily cannot be used: it is damaged: SQLite's check says: database disk image is malformed.",
  },
];

/** The core's words for a damaged database, for the `damaged` scenario. */
export const DAMAGED_DATABASE =
  "The database /home/you/.local/share/switchboard/switchboard.db is damaged and cannot be used (file is not a database). " +
  "Switchboard has left the file as it is. To start afresh, move it (with any switchboard.db-wal file beside it) to another " +
  "folder and start Switchboard again; to go back, put a backup in its place (Switchboard keeps one beside it, " +
  "switchboard.db.v<N>.bak, before each upgrade).";

/** Where the mock's exports "go". */
export const MOCK_DOWNLOADS = "/home/you/Downloads";

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
export const REDACTED = "<redacted>";
/** The Messages API version the backend sends. */
export const ANTHROPIC_VERSION = "2023-06-01";
/** `max_tokens` is required by the Messages API; sent when the profile sets none. */
export const CLAUDE_MAX_TOKENS = 4096;
/** The context size when neither the profile nor the model says one. */
export const DEFAULT_CONTEXT_SIZE = 4096;
/** The reply length reserved in the context when the profile sets none. */
export const DEFAULT_REPLY_TOKENS = 512;
/** The Horde's anonymous key. */
export const HORDE_ANONYMOUS_KEY = "0000000000";

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

export const MODELS: Partial<Record<ProviderKind, ModelInfo[]>> = {
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

export const REPLY = [
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
