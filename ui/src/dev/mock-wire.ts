/**
 * What the dev mock builds as the core would: each source's request preview (chat
 * completions, the Messages API, text-completion prompts with instruct templates) and URL
 * normalisation.
 *
 * Pure functions of a profile and a chat: no state, nothing sent. Never part of a production build.
 */

import type {
  HistoryTrimmed,
  IpcError,
  NormalizedUrl,
  ProfileSummary,
  ProviderKind,
  RequestPreview,
  SourceInfo,
  StoredMessage,
} from "../api";
import { AppError } from "../api";
import { builtInTemplate, DEFAULT_INSTRUCT, effectiveApi, parseModelList } from "../state/profile-form";
import { REDACTED, ANTHROPIC_VERSION, CLAUDE_MAX_TOKENS, DEFAULT_CONTEXT_SIZE, DEFAULT_REPLY_TOKENS, HORDE_ANONYMOUS_KEY, MOCK_SOURCES, MOCK_TEMPLATES, MODELS } from "./mock-data";

/** Drops null fields: the backend omits unset optional fields rather than sending null. */
type WithoutNulls<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]: WithoutNulls<Exclude<T[K], null>> } : T;

export function withoutNulls<T extends object>(value: T): WithoutNulls<T> {
  const kept = Object.entries(value)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => [k, typeof v === "object" && !Array.isArray(v) ? withoutNulls(v as object) : v]);
  return Object.fromEntries(kept) as WithoutNulls<T>;
}

/** The prefill a reply starts with: only for sources that continue one, without trailing space. */
export function prefillOf(profile: ProfileSummary): string | null {
  const source = MOCK_SOURCES.find((s) => s.kind === profile.source);
  const prefill = profile.prefill?.trimEnd() ?? "";
  return source?.capabilities.prefill && prefill !== "" ? prefill : null;
}

export type Turn = { role: string; content: string };

/** The source's description. */
export function sourceInfo(kind: ProviderKind): SourceInfo | undefined {
  return MOCK_SOURCES.find((s) => s.kind === kind);
}

/** Whether the profile talks text completion (its chosen API, else its source's default). */
export function usesText(profile: ProfileSummary): boolean {
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
export function textPromptOf(profile: ProfileSummary, model: string, turns: readonly Turn[]): TextPrompt {
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
export function turnsOf(history: readonly StoredMessage[], input: string): Turn[] {
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
export function previewOf(
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
/** The path each source's base URL ends with (the core's `version_path`, with /v1 for servers). */
const VERSION_PATH: Partial<Record<ProviderKind, string>> = {
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

export function normalize(source: ProviderKind, raw: string): NormalizedUrl {
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
  const version = VERSION_PATH[source] ?? "";
  const hasVersion = version.endsWith("/v1") ? /\/v\d+$/.test(url) || url.includes("/api") : url.endsWith(version);
  if (version !== "" && !hasVersion) {
    url = `${url}${version}`;
    changes.push(`added ${version}`);
  }
  const host = new URL(url).hostname;
  const local = host === "localhost" || host.endsWith(".localhost") || host.startsWith("127.") || host === "[::1]";
  return { url, changes, unencrypted: url.toLowerCase().startsWith("http://") && !local };
}

/** An error as the backend's commands reject with it. */
export function ipcError(kind: IpcError["kind"], message: string, extra: Partial<IpcError> = {}): AppError {
  return new AppError({ kind, message, ...extra });
}

/**
 * The status check's failures, as the core words them: a URL on port 9 is refused, the key
 * `bad` is rejected, a source that needs a key has none.
 */
export function checkServerOf(profile: ProfileSummary, key: string | undefined): void {
  const source = MOCK_SOURCES.find((s) => s.kind === profile.source);
  if (/:9(\/|$)/.test(profile.url)) {
    throw ipcError("network", `Profile “${profile.name}”: could not connect to ${profile.url} (connection refused).`, { provider: profile.source });
  }
  if (key === "bad") {
    throw ipcError("auth", `Profile “${profile.name}”: the server rejected the API key (401).`, { provider: profile.source, status: 401, detail: '{"error":{"message":"Incorrect API key provided: bad.","type":"invalid_request_error"}}' });
  }
  if (source?.key === "required" && key === undefined) {
    throw ipcError("auth", `Profile “${profile.name}” needs an API key for ${source.label}.`, { provider: profile.source });
  }
}
