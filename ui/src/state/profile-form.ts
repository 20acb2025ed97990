/**
 * Pure helpers behind the connection drawer's form: grouping sources, naming new profiles,
 * swapping the URL when the source changes, and reading generation settings from text fields.
 */

import type { GenParams, ProfileDraft, ProfileSummary, SourceInfo } from "../api";

/** A labelled group of sources for an `<optgroup>`. */
export interface SourceGroup {
  label: string;
  sources: SourceInfo[];
}

/** "Chat completion" sources first, then "Text completion"; supported before "coming soon". */
export function groupSources(sources: readonly SourceInfo[]): SourceGroup[] {
  const groups: SourceGroup[] = [
    { label: "Chat completion", sources: [] },
    { label: "Text completion", sources: [] },
  ];
  for (const source of sources) {
    const group = source.capabilities.api === "chatCompletion" ? groups[0] : groups[1];
    group?.sources.push(source);
  }
  for (const group of groups) {
    // Stable sort: keeps the backend's order within supported and unsupported.
    group.sources.sort((a, b) => Number(b.supported) - Number(a.supported));
  }
  return groups.filter((group) => group.sources.length > 0);
}

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
    !paramsEqual(draft.params, current.params)
  );
}

const PARAM_KEYS = [
  "maxTokens",
  "temperature",
  "topP",
  "topK",
  "minP",
  "frequencyPenalty",
  "presencePenalty",
  "repetitionPenalty",
  "seed",
] as const;

/** Which generation settings are numbers. */
export type NumericParam = (typeof PARAM_KEYS)[number];

/** Every numeric generation setting, in form order. */
export const NUMERIC_PARAMS: readonly NumericParam[] = PARAM_KEYS;

function paramsEqual(a: GenParams, b: GenParams): boolean {
  for (const key of PARAM_KEYS) {
    if ((a[key] ?? null) !== (b[key] ?? null)) return false;
  }
  const stopA = a.stop ?? [];
  const stopB = b.stop ?? [];
  return stopA.length === stopB.length && stopA.every((s, i) => s === stopB[i]);
}
