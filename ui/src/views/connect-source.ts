/**
 * Where the connection drawer's profile connects: the source (the grouped list, with "Search
 * sources" over it: typing filters the sources by id and name, grouped, the ones not supported
 * yet shown disabled; picking one chooses it in the list) (and, for sources that serve both,
 * the API), the URL with its live normalisation preview and the warning for a key sent
 * unencrypted, and the API key (never shown: after it is saved the field empties and "key
 * saved" appears with a Clear button).
 *
 * The note under the URL (in a box of fixed height, scrolled when the note and the warning
 * need more, so that typing never moves what is below) says, in this order: why the URL cannot be used (the controller's
 * `urlError`, or the live preview's refusal; the field is then marked invalid), what normalising
 * the URL being typed would change, or what normalising the shown profile's saved URL changed.
 *
 * Must not: save the profile itself (it asks the drawer through `saveEdits`), nor show or hide
 * the other sections' fields (the drawer does, on `onDetailsChanged`).
 */

import type { ApiType, ProfileSummary, ProviderKind, SourceInfo } from "../api";
import { type AppState, selectedProfile } from "../state/app-state";
import type { Controller } from "../state/controller";
import { SESSION_OFFER } from "../state/errors";
import { apiChoices, apiForSave, apiLabel, effectiveApi, groupSources, keyFieldText, urlAfterSourceChange } from "../state/profile-form";
import { searchSources } from "../state/model-picker";
import { field, type Find, setValue } from "./connect-fields";
import { h, setData, setText, show } from "./dom";
import { createFilterField, mountFilterField } from "./filter-list";

const PREVIEW_DELAY_MS = 250;

/** Under the URL when a key would go over plain http:// to another machine. */
export const UNENCRYPTED_WARNING =
  "⚠ Plain http:// to another machine: the API key crosses the network unencrypted, readable by anyone on it. Use https:// unless the network is yours alone.";

/** The source, API, URL and key fields, in the drawer's order. */
export function createSourceSection(): HTMLElement[] {
  return [
    field("source", "Source",
      createFilterField("source-search", { label: "Search sources", placeholder: "Search sources", listLabel: "Sources" }),
      h("select", { id: "source" }),
      h("p", { id: "source-note", class: "field-note" }),
    ),
    h("fieldset", { id: "api-choice", class: "field choice-group", hidden: true },
      h("legend", { class: "field-label", text: "API" }),
      h("div", { class: "choice-row" },
        h("label", { class: "check", for: "api-chat-completion" },
          h("input", { id: "api-chat-completion", type: "radio", name: "api", value: "chatCompletion" }),
          h("span", { id: "api-chat-completion-text", text: "Chat completion" }),
        ),
        h("label", { class: "check", for: "api-text-completion" },
          h("input", { id: "api-text-completion", type: "radio", name: "api", value: "textCompletion" }),
          h("span", { id: "api-text-completion-text", text: "Text completion" }),
        ),
      ),
    ),
    field("url", "URL",
      h("input", { id: "url", type: "text", inputmode: "url", spellcheck: false, autocomplete: "off", "aria-describedby": "url-preview" }),
      // A box of fixed height: what appears in it while the URL is typed never moves the
      // fields below (a click on Connect right after typing lands on Connect).
      h("div", { id: "url-notes", class: "url-notes" },
        h("p", { id: "url-preview", class: "field-note", "aria-live": "polite" }),
        h("p", { id: "url-warning", class: "field-warning", role: "note", hidden: true, text: UNENCRYPTED_WARNING }),
      ),
    ),
    field("api-key", h("span", { id: "api-key-label" }, h("span", { id: "api-key-text", text: "API key" }), " ", h("span", { id: "api-key-need", class: "label-note", text: "(optional)" })),
      h("div", { class: "field-row" },
        h("input", { id: "api-key", type: "password", autocomplete: "off", spellcheck: false, "aria-describedby": "key-status key-error api-key-note" }),
        h("span", { id: "key-status", class: "key-status", "aria-live": "polite" }),
        h("button", { id: "clear-key", type: "button", class: "button", text: "Clear", hidden: true, "aria-label": "Clear the saved API key" }),
      ),
      h("p", { id: "api-key-note", class: "field-note" }),
      h("p", { id: "key-error", class: "field-error", hidden: true }),
      h("div", { id: "session-key-offer", class: "field-note", hidden: true },
        h("p", { id: "session-key-note", text: SESSION_OFFER }),
        h("button", { id: "session-key", type: "button", class: "button", text: "Use this key for this session only" }),
      ),
    ),
  ];
}

export interface SourceSection {
  readonly source: HTMLSelectElement;
  readonly url: HTMLInputElement;
  readonly key: HTMLInputElement;
  /** The API the form's source and choice add up to. */
  formApi(): ApiType;
  /** The API to save with the profile (null: the source's default). */
  apiToSave(info: SourceInfo | undefined): ApiType | null;
  renderSources(sources: readonly SourceInfo[]): void;
  /** Fills source, URL and API from `profile` (null: the defaults of the source shown). */
  fill(profile: ProfileSummary | null, s: AppState): void;
  /** The API choice, key texts and notes for source `info` with API `api`. */
  showDetails(info: SourceInfo | undefined, api: ApiType): void;
  /** The key and URL notes (the sources are drawn by `renderSources`, before the form is filled). */
  render(s: AppState, previous: AppState | null): void;
}

/**
 * `onDetailsChanged`: the source or the API changed (what the form shows depends on them);
 * `saveEdits`: saves an existing profile after a change.
 */
export function mountSourceSection(
  $: Find,
  controller: Controller,
  hooks: { state: () => AppState; sourceInfo: (kind: string | null) => SourceInfo | undefined; onDetailsChanged: () => void; saveEdits: () => void },
): SourceSection {
  const { state, sourceInfo } = hooks;
  const source = $<HTMLSelectElement>("source");
  const sourceNote = $("source-note");
  const apiChoice = $<HTMLFieldSetElement>("api-choice");
  const apiRadios: Record<ApiType, HTMLInputElement> = {
    chatCompletion: $<HTMLInputElement>("api-chat-completion"),
    textCompletion: $<HTMLInputElement>("api-text-completion"),
  };
  const apiTexts: Record<ApiType, HTMLElement> = {
    chatCompletion: $("api-chat-completion-text"),
    textCompletion: $("api-text-completion-text"),
  };
  const url = $<HTMLInputElement>("url");
  const preview = $("url-preview");
  const urlWarning = $("url-warning");
  const key = $<HTMLInputElement>("api-key");
  const keyText = $("api-key-text");
  const keyNeed = $("api-key-need");
  const keyNote = $("api-key-note");
  const keyStatus = $("key-status");
  const clearKey = $<HTMLButtonElement>("clear-key");
  const keyError = $("key-error");
  const sessionOffer = $("session-key-offer");
  const sessionKey = $<HTMLButtonElement>("session-key");
  const name = $<HTMLInputElement>("profile-name");

  mountFilterField($<HTMLInputElement>("source-search"), {
    rows: (query) =>
      searchSources(state().sources, query).map((group) => ({
        label: group.label,
        rows: group.sources.map((s) => ({ value: s.kind, label: s.supported ? s.label : `${s.label} (coming soon)`, disabled: !s.supported })),
      })),
    onPick: (kind) => {
      if (source.value === kind) return;
      source.value = kind;
      source.dispatchEvent(new Event("change"));
    },
  });

  /** The URL was typed by the person (so a source change must not replace it). */
  let urlTyped = false;
  /** The source shown before the latest change, for swapping default URLs. */
  let currentSource: ProviderKind | null = null;
  /** The API the person (or the profile) chose; null for the source's default. */
  let apiChosen: ApiType | null = null;
  let previewTimer: number | null = null;
  let previewSeq = 0;
  /** What the live preview found in the URL as typed; null when it has nothing to add. */
  let livePreview: { tone: "note" | "error"; text: string } | null = null;
  /** The URL in the field sends plain http:// to another machine (the core's preview says). */
  let unencrypted = false;

  const formApi = (): ApiType => effectiveApi(sourceInfo(source.value), apiChosen);

  const renderSources = (sources: readonly SourceInfo[]): void => {
    const groups = groupSources(sources).map((group) =>
      h("optgroup", { label: group.label },
        ...group.sources.map((s) =>
          h("option", { value: s.kind, disabled: !s.supported, text: s.supported ? s.label : `${s.label} (coming soon)` }),
        ),
      ),
    );
    const value = source.value;
    source.replaceChildren(...groups);
    if (value) source.value = value;
  };

  const renderKey = (s: AppState): void => {
    const profile = selectedProfile(s);
    const saved = profile?.hasKey ?? false;
    const session = !saved && profile !== null && s.sessionKeys.includes(profile.id);
    // The keychain may be locked and wait for the person to unlock it: say so.
    setText(keyStatus, s.busy.key ? "saving to the keychain…" : saved ? "key saved" : session ? "used for this session only" : "");
    setData(keyStatus, "busy", String(s.busy.key));
    setData(keyStatus, "saved", String(saved));
    setData(keyStatus, "session", String(session));
    show(clearKey, saved || session);
    key.placeholder = saved ? "saved — type to replace" : session ? "used for this session only — type to replace" : "";
    show(sessionOffer, s.keychainProblem !== null);
    setText(keyError, s.keyError ?? "");
    show(keyError, s.keyError !== null);
    key.setAttribute("aria-invalid", s.keyError ? "true" : "false");
  };

  /** The note under the URL field, and whether the field is marked invalid. */
  const renderUrlNote = (s: AppState): void => {
    const error = s.urlError ?? (livePreview?.tone === "error" ? livePreview.text : null);
    preview.dataset.tone = error === null ? "note" : "error";
    setText(preview, error ?? livePreview?.text ?? s.urlNotice ?? "");
    url.setAttribute("aria-invalid", String(error !== null));
    renderUrlWarning(s);
  };

  /** The warning under the URL: a key (typed or saved) would cross the network unencrypted. */
  const renderUrlWarning = (s: AppState): void => {
    const withKey = key.value !== "" || (selectedProfile(s)?.hasKey ?? false);
    show(urlWarning, unencrypted && withKey);
  };

  const schedulePreview = (): void => {
    if (previewTimer !== null) window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(() => void runPreview(), PREVIEW_DELAY_MS);
  };

  const runPreview = async (): Promise<void> => {
    previewTimer = null;
    const seq = ++previewSeq;
    const kind = source.value as ProviderKind;
    const text = url.value.trim();
    if (!kind || text === "") {
      livePreview = null;
      unencrypted = false;
      renderUrlNote(state());
      return;
    }
    try {
      const normalized = await controller.previewUrl(kind, text);
      if (seq !== previewSeq) return;
      unencrypted = normalized.unencrypted;
      if (normalized.changes.length > 0 || normalized.url !== text) {
        const why = normalized.changes.length > 0 ? ` (${normalized.changes.join("; ")})` : "";
        livePreview = { tone: "note", text: `normalised → ${normalized.url}${why}` };
      } else {
        livePreview = null;
      }
    } catch (error) {
      if (seq !== previewSeq) return;
      unencrypted = false;
      livePreview = { tone: "error", text: error instanceof Error ? error.message : "This URL cannot be used." };
    }
    renderUrlNote(state());
  };

  url.addEventListener("input", () => {
    urlTyped = true;
    // The error of the last save was about the URL before this edit; the preview rechecks.
    controller.clearUrlError();
    schedulePreview();
  });

  source.addEventListener("change", () => {
    const next = sourceInfo(source.value);
    if (!next) return;
    url.value = urlAfterSourceChange(url.value, sourceInfo(currentSource), next, urlTyped);
    if (url.value === next.defaultUrl) urlTyped = false;
    currentSource = next.kind;
    hooks.onDetailsChanged();
    schedulePreview();
    hooks.saveEdits();
  });

  for (const radio of Object.values(apiRadios)) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      apiChosen = radio.value as ApiType;
      hooks.onDetailsChanged();
      hooks.saveEdits();
    });
  }

  key.addEventListener("input", () => renderUrlWarning(state()));

  key.addEventListener("change", () => {
    if (key.value !== "" && selectedProfile(state())) void controller.saveKey(key.value);
  });

  sessionKey.addEventListener("click", () => {
    void controller.useSessionKey(key.value);
  });

  clearKey.addEventListener("click", () => {
    void controller.clearKey();
    key.focus();
  });

  return {
    source,
    url,
    key,
    formApi,
    apiToSave: (info) => apiForSave(info, apiChosen),
    renderSources,

    fill(profile, s) {
      const urlBefore = url.value;
      const sourceBefore = source.value;
      if (profile) {
        setValue(source, profile.source);
        setValue(url, profile.url);
        urlTyped = true;
        apiChosen = profile.api;
      } else {
        const first = s.sources.find((x) => x.supported);
        const keep = sourceInfo(source.value)?.supported ? source.value : (first?.kind ?? "");
        source.value = keep;
        url.value = sourceInfo(keep)?.defaultUrl ?? "";
        urlTyped = false;
        apiChosen = null;
      }
      currentSource = source.value as ProviderKind;
      // What the preview said about another URL (or source) no longer holds.
      if (url.value !== urlBefore || source.value !== sourceBefore) {
        previewSeq++;
        livePreview = null;
      }
      renderUrlNote(s);
      schedulePreview();
    },

    showDetails(info, api) {
      const choices = apiChoices(info);
      show(apiChoice, choices.length > 0);
      for (const choice of ["chatCompletion", "textCompletion"] as const) {
        apiRadios[choice].checked = choice === api;
        setText(apiTexts[choice], choice === info?.capabilities.api ? `${apiLabel(choice)} (default)` : apiLabel(choice));
      }
      const keyTexts = keyFieldText(info);
      setText(keyText, keyTexts.label);
      setText(keyNeed, keyTexts.need);
      setText(keyNote, keyTexts.note);
      if (!info) {
        setText(sourceNote, "");
        return;
      }
      key.required = info.key === "required";
      const traits = [apiLabel(api), info.capabilities.streaming ? "streams replies" : "whole replies", info.capabilities.modelList ? "lists models" : "no model list"];
      setText(sourceNote, traits.join(" · "));
      url.placeholder = info.defaultUrl;
      name.placeholder = info.label;
    },

    render(s, previous) {
      const first = previous === null;
      const profile = selectedProfile(s);
      const selectionChanged =
        first ||
        s.selectedProfileId !== previous.selectedProfileId ||
        s.sources !== previous.sources ||
        s.templates !== previous.templates;
      // The key field empties when another profile is shown and once a key was kept; a profile
      // just created from the form keeps the key typed for it until then.
      const keptHere = s.keptKeyFor !== null && s.keptKeyFor === s.selectedProfileId;
      if (first || (selectionChanged && !keptHere) || s.keySaves !== previous.keySaves) key.value = "";
      if (
        first ||
        s.keyError !== previous.keyError ||
        s.keychainProblem !== previous.keychainProblem ||
        s.sessionKeys !== previous.sessionKeys ||
        s.busy.key !== previous.busy.key ||
        profile !== selectedProfile(previous)
      ) {
        renderKey(s);
        renderUrlWarning(s);
      }
      if (!first && (s.urlNotice !== previous.urlNotice || s.urlError !== previous.urlError)) renderUrlNote(s);
    },
  };
}
