/**
 * Pure helpers behind the connection drawer's form: grouping sources, naming new profiles,
 * swapping the URL when the source changes, reading generation settings from text fields (only
 * those the source accepts), the API choice, instruct templates, AI Horde's several models and
 * profiles for servers found on this computer.
 */

import type {
  ApiType,
  ConnectionOptions,
  BuiltInTemplate,
  Found,
  GenParams,
  InstructSettings,
  InstructTemplate,
  ModelInfo,
  ProfileDraft,
  ProfileSummary,
  Sampler,
  SourceInfo,
  TemplateKind,
} from "../api";

/** A labelled group of sources for an `<optgroup>`. */
export interface SourceGroup {
  label: string;
  sources: SourceInfo[];
}

/** "Chat completion" sources first, then "Text completion"; supported before "coming soon". */
export function groupSources(sources: readonly SourceInfo[]): SourceGroup[] {
  const groups: SourceGroup[] = SOURCE_GROUPS.map(([, label]) => ({ label, sources: [] }));
  for (const source of sources) {
    groups[SOURCE_GROUPS.findIndex(([group]) => group === source.group)]?.sources.push(source);
  }
  for (const group of groups) {
    // Stable sort: keeps the backend's order within supported and unsupported.
    group.sources.sort((a, b) => Number(b.supported) - Number(a.supported));
  }
  return groups.filter((group) => group.sources.length > 0);
}

/** The catalogue's groups in the order they are listed, with their headings. */
const SOURCE_GROUPS: [SourceInfo["group"], string][] = [
  ["cloudChat", "Cloud chat APIs"],
  ["localServer", "Local servers"],
  ["textService", "Text-completion services"],
];

/** `base`, or `base 2`, `base 3`… whichever is not taken (names compare case-insensitively). */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const root = base.trim() || "Profile";
  const used = new Set([...taken].map((name) => name.trim().toLowerCase()));
  if (!used.has(root.toLowerCase())) return root;
  for (let n = 2; ; n++) {
    const candidate = `${root} ${n}`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

/**
 * The URL to show after the source changes: the new source's default, unless the person typed
 * their own URL (one that is neither empty nor the previous source's default).
 */
export function urlAfterSourceChange(
  currentUrl: string,
  previous: SourceInfo | undefined,
  next: SourceInfo,
  typedByUser: boolean,
): string {
  const url = currentUrl.trim();
  const untouched = url === "" || url === previous?.defaultUrl || !typedByUser;
  return untouched ? next.defaultUrl : currentUrl;
}

/** A number field's value: null when empty or not a finite number. */
export function parseNumber(text: string, integer = false): number | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return null;
  return integer ? Math.trunc(value) : value;
}

/** A number for a field: empty for null. */
export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/**
 * Stop strings, one per line. `\n`, `\t` and `\\` are escapes, so a newline can itself be a
 * stop string; blank lines are skipped.
 */
export function parseStopStrings(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => line.replace(/\\(n|t|\\)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\")));
}

/** The inverse of `parseStopStrings`. */
export function formatStopStrings(stop: readonly string[] | undefined): string {
  return (stop ?? [])
    .map((s) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t"))
    .join("\n");
}

/** What a profile's instruct settings are when it never chose any (the backend's default). */
export const DEFAULT_INSTRUCT: InstructSettings = { template: "chat-ml", custom: null, contextSize: null };
/** A new profile's connection options: the environment's proxy, the system's certificates. */
export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  network: { proxy: { mode: "environment" }, caCertificates: [] },
  source: {
    azureRoute: "v1",
    azureApiVersion: null,
    ollamaKeepAlive: null,
    vertexAuth: "express",
    vertexProject: null,
    vertexRegion: null,
    openaiApi: "auto",
    geminiThinking: "auto",
  },
  streamReplies: true,
};

/** The draft that saving `profile` unchanged would send. */
export function draftFromProfile(profile: ProfileSummary): ProfileDraft {
  return {
    id: profile.id,
    name: profile.name,
    source: profile.source,
    url: profile.url,
    model: profile.model,
    systemPrompt: profile.systemPrompt,
    prefill: profile.prefill,
    placeholder: profile.placeholder,
    params: profile.params,
    postProcessing: profile.postProcessing,
    api: profile.api,
    instruct: profile.instruct,
    bypassStatusCheck: profile.bypassStatusCheck,
  };
}

/** Whether saving `draft` would change `profile`. */
export function draftDiffers(draft: ProfileDraft, profile: ProfileSummary): boolean {
  const current = draftFromProfile(profile);
  return (
    draft.name !== current.name ||
    draft.source !== current.source ||
    draft.url !== current.url ||
    (draft.model ?? null) !== (current.model ?? null) ||
    (draft.systemPrompt ?? null) !== (current.systemPrompt ?? null) ||
    (draft.prefill ?? null) !== (current.prefill ?? null) ||
    (draft.placeholder ?? null) !== (current.placeholder ?? null) ||
    draft.postProcessing !== current.postProcessing ||
    draft.bypassStatusCheck !== current.bypassStatusCheck ||
    (draft.api ?? null) !== (current.api ?? null) ||
    !instructEqual(draft.instruct, current.instruct) ||
    !paramsEqual(draft.params, current.params) ||
    (draft.options != null && !optionsEqual(draft.options, profile.options))
  );
}

/** Whether two profiles' connection options (proxy, CA files, the source's choices) are the same. */
function optionsEqual(a: NonNullable<ProfileDraft["options"]>, b: ConnectionOptions): boolean {
  const proxyUrl = (o: NonNullable<ProfileDraft["options"]>): string | null => (o.network?.proxy?.mode === "url" ? o.network.proxy.url : null);
  return (
    (a.network?.proxy?.mode ?? "environment") === (b.network?.proxy?.mode ?? "environment") &&
    proxyUrl(a) === proxyUrl(b) &&
    JSON.stringify(a.network?.caCertificates ?? []) === JSON.stringify(b.network?.caCertificates ?? []) &&
    JSON.stringify(a.source ?? null) === JSON.stringify(b.source ?? null) &&
    (a.streamReplies ?? true) === (b.streamReplies ?? true)
  );
}

// ---------------------------------------------------------------- generation settings

const PARAM_KEYS = [
  "maxTokens",
  "temperature",
  "topP",
  "topK",
  "minP",
  "frequencyPenalty",
  "presencePenalty",
  "repetitionPenalty",
  "repetitionPenaltyRange",
  "typicalP",
  "tfs",
  "topA",
  "seed",
] as const satisfies readonly Sampler[];

/** Which generation settings are numbers. */
export type NumericParam = (typeof PARAM_KEYS)[number];

/** Every numeric generation setting, in form order. */
export const NUMERIC_PARAMS: readonly NumericParam[] = PARAM_KEYS;

/** Every sampler setting, in form order (the numbers, then stop strings). */
export const ALL_SAMPLERS: readonly Sampler[] = [...PARAM_KEYS, "stop"];

/** How a number field for one setting looks and what it accepts. */
export interface ParamSpec {
  readonly label: string;
  /** One sentence for the tooltip. */
  readonly hint: string;
  readonly min?: number;
  readonly max?: number;
  readonly step: number;
  readonly integer: boolean;
}

/**
 * The reply length of a new profile, and what is sent for a profile that sets none (the core's
 * `DEFAULT_REPLY_TOKENS`, SillyTavern's default response length): shown, never a server's own
 * tiny default.
 */
export const DEFAULT_REPLY_TOKENS = 300;

export const PARAM_SPECS: Readonly<Record<NumericParam, ParamSpec>> = {
  maxTokens: { label: "Max reply length (tokens)", hint: "The longest reply, in tokens.", min: 1, max: 200000, step: 1, integer: true },
  temperature: { label: "Temperature", hint: "Higher is more varied, lower more predictable.", min: 0, max: 5, step: 0.05, integer: false },
  topP: { label: "Top P", hint: "Only the likeliest tokens that add up to this probability (1 = off).", min: 0, max: 1, step: 0.01, integer: false },
  topK: { label: "Top K", hint: "Only the K likeliest tokens (0 = off).", min: 0, max: 1000, step: 1, integer: true },
  minP: { label: "Min P", hint: "Drops tokens less likely than this share of the likeliest (0 = off).", min: 0, max: 1, step: 0.01, integer: false },
  frequencyPenalty: { label: "Frequency penalty", hint: "Discourages tokens by how often they appeared.", min: -2, max: 2, step: 0.05, integer: false },
  presencePenalty: { label: "Presence penalty", hint: "Discourages tokens that appeared at all.", min: -2, max: 2, step: 0.05, integer: false },
  repetitionPenalty: { label: "Repetition penalty", hint: "Above 1 discourages repeating recent text (1 = off).", min: 0, max: 3, step: 0.01, integer: false },
  repetitionPenaltyRange: { label: "Repetition range (tokens)", hint: "How many recent tokens the repetition penalty looks at (0 = all).", min: 0, max: 131072, step: 1, integer: true },
  typicalP: { label: "Typical P", hint: "Typical sampling (1 = off).", min: 0, max: 1, step: 0.01, integer: false },
  tfs: { label: "Tail-free sampling", hint: "Cuts the unlikely tail (1 = off).", min: 0, max: 1, step: 0.01, integer: false },
  topA: { label: "Top A", hint: "Drops tokens far less likely than the likeliest (0 = off).", min: 0, max: 1, step: 0.01, integer: false },
  seed: { label: "Seed", hint: "The same seed and settings repeat a reply, where the server supports it.", step: 1, integer: true },
};

/** The settings a source accepts; every one while the source is unknown. */
export function samplersOf(source: SourceInfo | undefined): readonly Sampler[] {
  return source?.samplers ?? ALL_SAMPLERS;
}

/**
 * Generation settings from the form's text fields, keeping only those `samplers` lists: an
 * empty field, or one the source does not accept, is left out (never sent).
 */
export function readParams(
  fields: Partial<Record<NumericParam, string>>,
  stopText: string,
  samplers: readonly Sampler[],
): GenParams {
  const params: GenParams = {};
  for (const key of PARAM_KEYS) {
    if (!samplers.includes(key)) continue;
    const value = parseNumber(fields[key] ?? "", PARAM_SPECS[key].integer);
    if (value !== null) params[key] = value;
  }
  params.stop = samplers.includes("stop") ? parseStopStrings(stopText) : [];
  return params;
}

function paramsEqual(a: GenParams, b: GenParams): boolean {
  for (const key of PARAM_KEYS) {
    if ((a[key] ?? null) !== (b[key] ?? null)) return false;
  }
  return listsEqual(a.stop ?? [], b.stop ?? []);
}

function listsEqual(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

// ---------------------------------------------------------------- the API

/** "Chat completion" or "Text completion". */
export function apiLabel(api: ApiType): string {
  return api === "chatCompletion" ? "Chat completion" : "Text completion";
}

/** The APIs a profile of `source` may choose, the default first; empty when there is no choice. */
export function apiChoices(source: SourceInfo | undefined): ApiType[] {
  const other = source?.capabilities.otherApi ?? null;
  return source && other && other !== source.capabilities.api ? [source.capabilities.api, other] : [];
}

/** The API a profile of `source` uses: `chosen` when the source serves it, else its default. */
export function effectiveApi(source: SourceInfo | undefined, chosen: ApiType | null | undefined): ApiType {
  if (!source) return chosen ?? "chatCompletion";
  return chosen && apiChoices(source).includes(chosen) ? chosen : source.capabilities.api;
}

/** What to save as the profile's `api`: null for the source's default (or a source with no choice). */
export function apiForSave(source: SourceInfo | undefined, chosen: ApiType | null | undefined): ApiType | null {
  if (!source || !chosen) return null;
  return effectiveApi(source, chosen) === source.capabilities.api ? null : chosen;
}

// ---------------------------------------------------------------- instruct templates

/** The select's value for a template edited by the person. */
export const CUSTOM_TEMPLATE = "custom";

/** The editable parts of a template, in form order. */
export const TEMPLATE_FIELDS: readonly { key: Exclude<keyof InstructTemplate, "stop">; label: string }[] = [
  { key: "bos", label: "Start of the prompt" },
  { key: "systemPrefix", label: "Before a system message" },
  { key: "systemSuffix", label: "After a system message" },
  { key: "userPrefix", label: "Before your message" },
  { key: "userSuffix", label: "After your message" },
  { key: "assistantPrefix", label: "Before a reply" },
  { key: "assistantSuffix", label: "After a reply" },
];

export function templatesEqual(a: InstructTemplate, b: InstructTemplate): boolean {
  return TEMPLATE_FIELDS.every(({ key }) => a[key] === b[key]) && listsEqual(a.stop, b.stop);
}

function instructEqual(a: Partial<InstructSettings> | undefined, b: Partial<InstructSettings> | undefined): boolean {
  const x = { ...DEFAULT_INSTRUCT, ...a };
  const y = { ...DEFAULT_INSTRUCT, ...b };
  if (x.template !== y.template || (x.contextSize ?? null) !== (y.contextSize ?? null)) return false;
  if (!x.custom || !y.custom) return !x.custom && !y.custom;
  return templatesEqual(x.custom, y.custom);
}

/** The built-in template of `kind`, if known. */
export function builtInTemplate(templates: readonly BuiltInTemplate[], kind: TemplateKind): InstructTemplate | undefined {
  return templates.find((t) => t.kind === kind)?.template;
}

/** The template the editor shows: the person's edited one, else the chosen built-in. */
export function shownTemplate(instruct: InstructSettings, templates: readonly BuiltInTemplate[]): InstructTemplate | undefined {
  return instruct.custom ?? builtInTemplate(templates, instruct.template);
}

/** The template select's value: `custom` for an edited template, else the built-in's kind. */
export function templateChoice(instruct: InstructSettings): string {
  return instruct.custom ? CUSTOM_TEMPLATE : instruct.template;
}

/** The instruct part of the form, as read from its fields. */
export interface InstructForm {
  /** The select's value: a template kind or `custom`. */
  choice: string;
  /** The built-in an edited template started from. */
  base: TemplateKind;
  /** The editor's fields. */
  edited: InstructTemplate;
  /** The context size field's text. */
  contextSize: string;
}

/**
 * The instruct settings to save. An edited template is saved as `custom` only while it differs
 * from the built-in it is based on; a context size of zero or less, or none, means "the server's".
 */
export function instructFromForm(form: InstructForm, templates: readonly BuiltInTemplate[]): InstructSettings {
  const known = templates.some((t) => t.kind === form.choice);
  const template = known ? (form.choice as TemplateKind) : form.base;
  const builtIn = builtInTemplate(templates, template);
  const custom = builtIn && templatesEqual(form.edited, builtIn) ? null : form.edited;
  const size = parseNumber(form.contextSize, true);
  return { template, custom, contextSize: size !== null && size > 0 ? size : null };
}

// ---------------------------------------------------------------- models and keys

/** Whether the source takes several models at once (AI Horde: any of them may answer). */
export function choosesManyModels(source: SourceInfo | undefined): boolean {
  return source?.capabilities.multiModel ?? false;
}

/** The model field of a source that takes several models: ids separated by commas. */
export function parseModelList(model: string | null | undefined): string[] {
  return (model ?? "").split(",").map((m) => m.trim()).filter((m) => m !== "");
}

/** The inverse of `parseModelList`; null for none. */
export function joinModelList(ids: readonly string[]): string | null {
  const unique = [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ""))];
  return unique.length > 0 ? unique.join(", ") : null;
}

/** A model as the picker lists it: its name (with the id when the name does not show it). */
export function modelOptionLabel(model: ModelInfo): string {
  const name = model.name && !model.name.includes(model.id) ? `${model.name} (${model.id})` : (model.name || model.id);
  return model.contextLength ? `${name} · ${Math.round(model.contextLength / 1024)}k context` : name;
}

/** The key field's label, its "(required)"/"(optional)" note and a sentence under it. */
export function keyFieldText(source: SourceInfo | undefined): { label: string; need: string; note: string } {
  const need = source?.key === "required" ? "(required)" : "(optional)";
  return { label: source?.keyLabel || "API key", need, note: source?.keyNote ?? "" };
}

// ---------------------------------------------------------------- servers found on this computer

/** The profile "Add" saves for a server found on this computer. */
export function draftForFound(found: Found, takenNames: Iterable<string>): ProfileDraft {
  return {
    id: null,
    name: uniqueName(found.profileName, takenNames),
    source: found.source,
    url: found.url,
    model: found.models[0] ?? null,
    systemPrompt: null,
    prefill: null,
    placeholder: null,
    params: { maxTokens: DEFAULT_REPLY_TOKENS },
    postProcessing: "none",
    api: null,
    instruct: DEFAULT_INSTRUCT,
    bypassStatusCheck: false,
  };
}

/** Whether a saved profile already points at the found server. */
export function foundIsSaved(found: Found, profiles: readonly ProfileSummary[]): boolean {
  const url = found.url.replace(/\/+$/, "");
  return profiles.some((p) => p.source === found.source && p.url.replace(/\/+$/, "") === url);
}
