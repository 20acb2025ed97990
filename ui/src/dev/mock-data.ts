/**
 * The dev mock's fixed data: the sources and built-in templates (generated from the core into
 * ../generated/catalogue.ts), local servers, model lists, replies, snapshots and other constants.
 *
 * Data only: no state and no behaviour. Never part of a production build.
 */

import type {
  BuiltInTemplate,
  Found,
  ModelInfo,
  ProviderKind,
  SnapshotInfo,
  SourceInfo,
} from "../api";
import { DEFAULT_CONTEXT_SIZE, DEFAULT_REPLY_TOKENS, REDACTED, SOURCES, TEMPLATES } from "../generated/catalogue";

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

/** How the backend shows a key in a request preview (generated from the core). */
export { REDACTED, DEFAULT_CONTEXT_SIZE, DEFAULT_REPLY_TOKENS };
/** The Messages API version the backend sends. */
export const ANTHROPIC_VERSION = "2023-06-01";
/** `max_tokens` is required by the Messages API; sent when the profile sets none. */
export const CLAUDE_MAX_TOKENS = 4096;
/** The Horde's anonymous key. */
export const HORDE_ANONYMOUS_KEY = "0000000000";

/** The sources and built-in templates, generated from the Rust core (never copied by hand). */
export const MOCK_SOURCES: SourceInfo[] = SOURCES;
export const MOCK_TEMPLATES: BuiltInTemplate[] = TEMPLATES;

/** What `detectServers` finds by default. */
export const MOCK_LOCAL_SERVERS: Found[] = [
  {
    source: "koboldcpp", url: "http://127.0.0.1:5001", server: "KoboldCpp", version: "1.102",
    models: ["koboldcpp/Mistral-7B-Instruct-v0.3.Q4_K_M"],
    summary: "KoboldCpp 1.102 with model koboldcpp/Mistral-7B-Instruct-v0.3.Q4_K_M", profileName: "KoboldCpp (5001)", needsKey: false,
  },
  {
    source: "ollama", url: "http://127.0.0.1:11434", server: "Ollama", version: "0.5.7",
    models: ["llama3.2:3b", "qwen2.5:7b"], summary: "Ollama 0.5.7 with models llama3.2:3b, qwen2.5:7b", profileName: "Ollama (11434)",
    needsKey: false,
  },
];

export const MODELS: Partial<Record<ProviderKind, ModelInfo[]>> = {
  openai: [{ id: "gpt-4o-mini" }, { id: "gpt-4o" }, { id: "o3-mini" }],
  claude: [
    { id: "claude-sonnet-4-5", name: "Claude Sonnet 4.5", contextLength: 200000 },
    { id: "claude-haiku-4-5", name: "Claude Haiku 4.5", contextLength: 200000 },
  ],
  mistral: [{ id: "mistral-small-latest" }, { id: "mistral-large-latest" }],
  openrouter: [
    { id: "openrouter/auto", name: "Auto router", contextLength: 2000000 },
    { id: "meta-llama/llama-3.1-70b-instruct", name: "Meta: Llama 3.1 70B Instruct", contextLength: 131072, price: { input: 0.4, output: 0.4 } },
    { id: "openai/gpt-4o-mini", name: "OpenAI: GPT-4o-mini", contextLength: 128000, price: { input: 0.15, output: 0.6 } },
    { id: "mistralai/mistral-nemo:free", name: "Mistral: Mistral Nemo (free)", contextLength: 131072, price: { input: 0, output: 0 } },
  ],
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
