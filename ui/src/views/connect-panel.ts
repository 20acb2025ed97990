/**
 * The connection drawer, in SillyTavern's shape: profile, source, URL (with a live
 * normalisation preview), API key, Connect with a status light, model picker, Test message, and
 * the generation settings (with an assistant prefill for sources that continue one).
 *
 * The form's fields are the source of truth while someone edits them; the drawer fills them from
 * the selected profile when the selection or the saved profile changes, skipping the field that
 * has focus. Leaving a field (or changing a select) saves an existing profile; a new profile is
 * saved by Connect or "Save as new profile". The API key is never shown: after it is saved the
 * field is emptied and "key saved" appears with a Clear button.
 */

import type { ModelInfo, PostProcessing, ProfileDraft, ProfileSummary, ProviderKind, SourceInfo } from "../api";
import {
  type AppState,
  connectionText,
  type FocusTarget,
  selectedProfile,
  shownConnection,
  sourceOf,
} from "../state/app-state";
import type { Controller, ProfileForm } from "../state/controller";
import {
  formatNumber,
  formatStopStrings,
  groupSources,
  NUMERIC_PARAMS,
  type NumericParam,
  parseNumber,
  parseStopStrings,
  urlAfterSourceChange,
} from "../state/profile-form";
import { h, setData, setText, show } from "./dom";
import { kbd, modKey } from "./keys";

const PREVIEW_DELAY_MS = 250;

const PARAM_FIELDS: Record<NumericParam, { label: string; step: string; min?: string; integer: boolean }> = {
  maxTokens: { label: "Max tokens", step: "1", min: "1", integer: true },
  temperature: { label: "Temperature", step: "0.05", min: "0", integer: false },
  topP: { label: "Top P", step: "0.01", min: "0", integer: false },
  topK: { label: "Top K", step: "1", min: "0", integer: true },
  minP: { label: "Min P", step: "0.01", min: "0", integer: false },
  frequencyPenalty: { label: "Frequency penalty", step: "0.05", integer: false },
  presencePenalty: { label: "Presence penalty", step: "0.05", integer: false },
  repetitionPenalty: { label: "Repetition penalty", step: "0.01", min: "0", integer: false },
  seed: { label: "Seed", step: "1", integer: true },
};

const POST_PROCESSING: { value: PostProcessing; label: string }[] = [
  { value: "none", label: "None" },
  { value: "merge", label: "Merge consecutive roles" },
  { value: "semi-strict", label: "Semi-strict (one system message, alternating roles)" },
  { value: "strict", label: "Strict (user first, alternating roles)" },
];

/** Converts a param name to its element id: `maxTokens` → `param-max-tokens`. */
function paramId(name: NumericParam): string {
  return `param-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A labelled field wrapper. */
function field(labelFor: string, label: string | Node, ...controls: (Node | null)[]): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: labelFor, class: "field-label" }, label), ...controls);
}

/** A button with a spinner that shows while `aria-busy` is true. */
function busyButton(id: string, label: string, type: "button" | "submit", extraClass = ""): HTMLButtonElement {
  return h("button", { id, type, class: `button ${extraClass}`.trim() },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    h("span", { class: "button-label", text: label }),
  );
}

export function createConnectPanel(): HTMLElement {
  const params = NUMERIC_PARAMS.map((name) => {
    const spec = PARAM_FIELDS[name];
    return field(paramId(name), spec.label,
      h("input", { id: paramId(name), type: "number", step: spec.step, min: spec.min, inputmode: spec.integer ? "numeric" : "decimal", placeholder: "default" }),
    );
  });

  return h("aside", { id: "drawer", class: "drawer", "aria-labelledby": "drawer-title", hidden: true },
    h("div", { class: "drawer-header" },
      h("h2", { id: "drawer-title", text: "Connection" }),
      kbd(modKey(), "K"),
      h("button", { id: "drawer-close", type: "button", class: "icon-button", "aria-label": "Close connection panel", text: "×" }),
    ),
    h("p", { id: "drawer-intro", class: "drawer-intro", hidden: true,
      text: "Connect to a model: pick a source, fill in what it needs, then Connect." }),
    h("form", { id: "connect-form", class: "drawer-form", novalidate: true, autocomplete: "off" },
      field("profile-switcher", "Profile", h("select", { id: "profile-switcher" })),
      field("profile-name", "Profile name",
        h("div", { class: "field-row" },
          h("input", { id: "profile-name", type: "text", spellcheck: false, autocomplete: "off" }),
          h("button", { id: "save-profile", type: "button", class: "button", text: "Save as new profile" }),
        ),
      ),
      field("source", "Source",
        h("select", { id: "source" }),
        h("p", { id: "source-note", class: "field-note" }),
      ),
      field("url", "URL",
        h("input", { id: "url", type: "text", inputmode: "url", spellcheck: false, autocomplete: "off", "aria-describedby": "url-preview" }),
        h("p", { id: "url-preview", class: "field-note", "aria-live": "polite" }),
      ),
      field("api-key", h("span", { id: "api-key-label" }, "API key ", h("span", { id: "api-key-need", class: "label-note", text: "(optional)" })),
        h("div", { class: "field-row" },
          h("input", { id: "api-key", type: "password", autocomplete: "off", spellcheck: false, "aria-describedby": "key-status key-error" }),
          h("span", { id: "key-status", class: "key-status", "aria-live": "polite" }),
          h("button", { id: "clear-key", type: "button", class: "button", text: "Clear", hidden: true, "aria-label": "Clear the saved API key" }),
        ),
        h("p", { id: "key-error", class: "field-error", hidden: true }),
      ),
      h("div", { class: "connect-row" },
        busyButton("connect", "Connect", "submit", "primary"),
        h("label", { class: "check", for: "bypass" },
          h("input", { id: "bypass", type: "checkbox" }),
          " Bypass status check",
        ),
      ),
      h("div", { class: "status-row", "aria-live": "polite" },
        h("span", { id: "status-light", class: "status-light", role: "img", "aria-label": "Not connected", dataset: { state: "idle" } }),
        h("span", { id: "status-text", class: "status-text", text: "Not connected" }),
      ),
      h("div", { class: "field" },
        h("label", { id: "model-label", for: "model-input", class: "field-label", text: "Model" }),
        h("div", { class: "field-row" },
          h("select", { id: "model-select", hidden: true, "aria-labelledby": "model-label" }),
          h("input", { id: "model-input", type: "text", spellcheck: false, autocomplete: "off", placeholder: "model id, as the server names it", "aria-labelledby": "model-label" }),
          busyButton("refresh-models", "↻", "button", "icon-button"),
        ),
        h("p", { id: "model-note", class: "field-note" }),
      ),
      h("div", { class: "test-row" },
        busyButton("test-message", "Test message", "button"),
        h("output", { id: "test-result", class: "test-result", for: "test-message" }),
      ),
      h("details", { class: "generation-settings", id: "generation-settings" },
        h("summary", { text: "Generation settings" }),
        h("div", { class: "param-grid" }, ...params),
        field("param-stop", h("span", {}, "Stop strings ", h("span", { class: "label-note", text: "(one per line; \\n for a newline)" })),
          h("textarea", { id: "param-stop", rows: 2, spellcheck: false }),
        ),
        field("post-processing", "Prompt post-processing",
          h("select", { id: "post-processing" }, ...POST_PROCESSING.map((p) => h("option", { value: p.value, text: p.label }))),
        ),
        h("div", { id: "placeholder-field", class: "field", hidden: true },
          h("label", { for: "placeholder", class: "field-label", text: "Placeholder user message" }),
          h("input", { id: "placeholder", type: "text", placeholder: "[Start a new chat]", "aria-describedby": "placeholder-hint" }),
          h("p", { id: "placeholder-hint", class: "field-note", text: "Strict mode puts this first when the chat does not start with you." }),
        ),
        field("system-prompt", "System prompt",
          h("textarea", { id: "system-prompt", rows: 3 }),
        ),
        h("div", { id: "prefill-field", class: "field", hidden: true },
          h("label", { for: "prefill", class: "field-label", text: "Assistant prefill" }),
          h("textarea", { id: "prefill", rows: 2, "aria-describedby": "prefill-hint" }),
          h("p", { id: "prefill-hint", class: "field-note", text: "The reply starts with this text; the model continues it." }),
        ),
      ),
      h("div", { class: "drawer-footer" },
        h("button", { id: "delete-profile", type: "button", class: "button danger-quiet", text: "Delete profile" }),
      ),
    ),
  );
}

/** Wires the drawer to the controller. */
export function mountConnectPanel(drawer: HTMLElement, controller: Controller): void {
  const $ = <T extends HTMLElement>(id: string): T => {
    const element = drawer.querySelector<T>(`#${id}`);
    if (!element) throw new Error(`#${id} is missing from the drawer`);
    return element;
  };
  const form = $<HTMLFormElement>("connect-form");
  const intro = $("drawer-intro");
  const switcher = $<HTMLSelectElement>("profile-switcher");
  const name = $<HTMLInputElement>("profile-name");
  const saveNew = $<HTMLButtonElement>("save-profile");
  const source = $<HTMLSelectElement>("source");
  const sourceNote = $("source-note");
  const url = $<HTMLInputElement>("url");
  const preview = $("url-preview");
  const key = $<HTMLInputElement>("api-key");
  const keyNeed = $("api-key-need");
  const keyStatus = $("key-status");
  const clearKey = $<HTMLButtonElement>("clear-key");
  const keyError = $("key-error");
  const connect = $<HTMLButtonElement>("connect");
  const bypass = $<HTMLInputElement>("bypass");
  const light = $("status-light");
  const statusText = $("status-text");
  const modelLabel = $<HTMLLabelElement>("model-label");
  const modelSelect = $<HTMLSelectElement>("model-select");
  const modelInput = $<HTMLInputElement>("model-input");
  const modelNote = $("model-note");
  const refreshModels = $<HTMLButtonElement>("refresh-models");
  const test = $<HTMLButtonElement>("test-message");
  const testResult = $("test-result");
  const stop = $<HTMLTextAreaElement>("param-stop");
  const postProcessing = $<HTMLSelectElement>("post-processing");
  const systemPrompt = $<HTMLTextAreaElement>("system-prompt");
  const placeholderField = $("placeholder-field");
  const placeholder = $<HTMLInputElement>("placeholder");
  const prefillField = $("prefill-field");
  const prefill = $<HTMLTextAreaElement>("prefill");
  const remove = $<HTMLButtonElement>("delete-profile");
  const paramInputs = new Map(NUMERIC_PARAMS.map((n) => [n, $<HTMLInputElement>(paramId(n))] as const));

  refreshModels.setAttribute("aria-label", "Refresh the model list");

  /** The URL was typed by the person (so a source change must not replace it). */
  let urlTyped = false;
  /** The source shown before the latest change, for swapping default URLs. */
  let currentSource: ProviderKind | null = null;
  let previewTimer: number | null = null;
  let previewSeq = 0;
  let deleteArmed: number | null = null;

  const state = (): AppState => controller.store.get();
  const sourceInfo = (kind: string | null): SourceInfo | undefined => sourceOf(state(), kind);
  const modelValue = (): string | null =>
    (modelSelect.hidden ? modelInput.value.trim() : modelSelect.value) || null;

  /** The form as a profile draft plus the typed key. */
  const readForm = (): ProfileForm => {
    const profile = selectedProfile(state());
    const params: ProfileDraft["params"] = { stop: parseStopStrings(stop.value) };
    for (const [param, input] of paramInputs) params[param] = parseNumber(input.value, PARAM_FIELDS[param].integer);
    const draft: ProfileDraft = {
      id: profile?.id ?? null,
      name: name.value.trim() || profile?.name || "",
      source: source.value as ProviderKind,
      url: url.value.trim(),
      model: modelValue(),
      systemPrompt: systemPrompt.value.trim() === "" ? null : systemPrompt.value,
      // Kept while another source is picked, so switching back does not lose it.
      prefill: prefill.value.trim() === "" ? null : prefill.value,
      placeholder: placeholder.value.trim() === "" ? null : placeholder.value,
      params,
      postProcessing: postProcessing.value as PostProcessing,
      bypassStatusCheck: bypass.checked,
    };
    return { draft, key: key.value };
  };

  /** Sets a field unless the person is typing in it. */
  const setValue = (element: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): void => {
    if (document.activeElement !== element && element.value !== value) element.value = value;
  };

  // ------------------------------------------------------------------ filling the form

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

  const renderSwitcher = (s: AppState): void => {
    const options = s.profiles.map((p) => h("option", { value: p.id, text: p.name }));
    options.unshift(h("option", { value: "", text: "New profile…" }));
    switcher.replaceChildren(...options);
    switcher.value = s.selectedProfileId ?? "";
  };

  const fillFromProfile = (profile: ProfileSummary | null, s: AppState): void => {
    if (profile) {
      setValue(name, profile.name);
      setValue(source, profile.source);
      setValue(url, profile.url);
      urlTyped = true;
      if (document.activeElement !== bypass) bypass.checked = profile.bypassStatusCheck;
      for (const [param, input] of paramInputs) setValue(input, formatNumber(profile.params[param]));
      setValue(stop, formatStopStrings(profile.params.stop));
      setValue(postProcessing, profile.postProcessing);
      setValue(systemPrompt, profile.systemPrompt ?? "");
      setValue(prefill, profile.prefill ?? "");
      setValue(placeholder, profile.placeholder ?? "");
    } else {
      const first = s.sources.find((x) => x.supported);
      const keep = sourceInfo(source.value)?.supported ? source.value : (first?.kind ?? "");
      name.value = "";
      source.value = keep;
      url.value = sourceInfo(keep)?.defaultUrl ?? "";
      urlTyped = false;
      bypass.checked = false;
      for (const input of paramInputs.values()) input.value = "";
      stop.value = "";
      postProcessing.value = "none";
      systemPrompt.value = "";
      prefill.value = "";
      placeholder.value = "";
      modelInput.value = "";
    }
    currentSource = source.value as ProviderKind;
    name.placeholder = sourceInfo(source.value)?.label ?? "Profile name";
    renderSourceDetails();
    schedulePreview();
  };

  const renderSourceDetails = (): void => {
    const info = sourceInfo(source.value);
    show(prefillField, info?.capabilities.prefill ?? false);
    show(placeholderField, postProcessing.value === "strict");
    if (!info) {
      setText(sourceNote, "");
      return;
    }
    setText(keyNeed, info.key === "required" ? "(required)" : "(optional)");
    key.required = info.key === "required";
    const api = info.capabilities.api === "chatCompletion" ? "Chat completion" : "Text completion";
    const traits = [api, info.capabilities.streaming ? "streams replies" : "whole replies", info.capabilities.modelList ? "lists models" : "no model list"];
    setText(sourceNote, traits.join(" · "));
    url.placeholder = info.defaultUrl;
    name.placeholder = info.label;
  };

  const renderKey = (s: AppState): void => {
    const profile = selectedProfile(s);
    const saved = profile?.hasKey ?? false;
    // The keychain may be locked and wait for the person to unlock it: say so.
    setText(keyStatus, s.busy.key ? "saving to the keychain…" : saved ? "key saved" : "");
    setData(keyStatus, "busy", String(s.busy.key));
    setData(keyStatus, "saved", String(saved));
    show(clearKey, saved);
    key.placeholder = saved ? "saved — type to replace" : "";
    setText(keyError, s.keyError ?? "");
    show(keyError, s.keyError !== null);
    key.setAttribute("aria-invalid", s.keyError ? "true" : "false");
  };

  const renderModels = (s: AppState, modelsChanged: boolean): void => {
    const profile = selectedProfile(s);
    const models: readonly ModelInfo[] = s.models ?? [];
    const useSelect = models.length > 0;
    show(modelSelect, useSelect);
    show(modelInput, !useSelect);
    modelLabel.htmlFor = useSelect ? "model-select" : "model-input";
    const current = profile?.model ?? null;
    if (useSelect) {
      if (modelsChanged || ![...modelSelect.options].some((o) => o.value === (current ?? ""))) {
        const options = models.map((m) => h("option", { value: m.id, text: modelLabelText(m) }));
        if (current && !models.some((m) => m.id === current)) {
          options.unshift(h("option", { value: current, text: `${current} (not in the list)` }));
        }
        if (!current) options.unshift(h("option", { value: "", text: "Choose a model…" }));
        modelSelect.replaceChildren(...options);
      }
      setValue(modelSelect, current ?? "");
    } else if (profile) {
      setValue(modelInput, current ?? "");
    }
    const note =
      s.models === null
        ? profile ? "Connect to list the server's models." : ""
        : models.length === 0
          ? "The server lists no models: type the model id."
          : `${models.length} model${models.length === 1 ? "" : "s"} on this server.`;
    setText(modelNote, note);
  };

  const renderBusy = (s: AppState): void => {
    setBusy(connect, s.busy.connect);
    setBusy(test, s.busy.test);
    setBusy(refreshModels, s.busy.models);
    refreshModels.disabled = s.busy.models || s.selectedProfileId === null;
  };

  const renderStatus = (s: AppState): void => {
    const connection = shownConnection(s);
    const text = connectionText(connection);
    setData(light, "state", connection.state);
    light.setAttribute("aria-label", text);
    light.title = text;
    setText(statusText, text);
    statusText.title = text;
  };

  const renderTest = (s: AppState): void => {
    const result = s.testResult;
    if (!result) {
      setText(testResult, "");
      delete testResult.dataset.ok;
      return;
    }
    testResult.dataset.ok = String(result.ok);
    setText(
      testResult,
      result.ok
        ? `“${result.report.reply.trim() || "(empty reply)"}” — ${result.report.model}, ${formatSeconds(result.report.elapsedMs)}`
        : result.text,
    );
  };

  // ------------------------------------------------------------------ URL preview

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
      preview.dataset.tone = "note";
      setText(preview, state().urlNotice ?? "");
      return;
    }
    try {
      const normalized = await controller.previewUrl(kind, text);
      if (seq !== previewSeq) return;
      preview.dataset.tone = "note";
      if (normalized.changes.length > 0 || normalized.url !== text) {
        const why = normalized.changes.length > 0 ? ` (${normalized.changes.join("; ")})` : "";
        setText(preview, `normalised → ${normalized.url}${why}`);
      } else {
        setText(preview, state().urlNotice ?? "");
      }
    } catch (error) {
      if (seq !== previewSeq) return;
      preview.dataset.tone = "error";
      setText(preview, error instanceof Error ? error.message : "This URL cannot be used.");
    }
  };

  // ------------------------------------------------------------------ events

  const saveEdits = (): void => {
    if (selectedProfile(state())) void controller.saveEdits({ ...readForm(), key: "" });
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void controller.connect(readForm());
  });

  switcher.addEventListener("change", () => {
    const id = switcher.value || null;
    void controller.selectProfile(id, { connect: id !== null });
    if (id === null) name.focus();
  });

  for (const input of [name, url, bypass, stop, postProcessing, systemPrompt, prefill, placeholder, ...paramInputs.values()]) {
    input.addEventListener("change", saveEdits);
  }

  url.addEventListener("input", () => {
    urlTyped = true;
    schedulePreview();
  });

  source.addEventListener("change", () => {
    const next = sourceInfo(source.value);
    if (!next) return;
    url.value = urlAfterSourceChange(url.value, sourceInfo(currentSource), next, urlTyped);
    if (url.value === next.defaultUrl) urlTyped = false;
    currentSource = next.kind;
    renderSourceDetails();
    schedulePreview();
    saveEdits();
  });

  postProcessing.addEventListener("change", () => renderSourceDetails());

  key.addEventListener("change", () => {
    if (key.value !== "" && selectedProfile(state())) void controller.saveKey(key.value);
  });

  clearKey.addEventListener("click", () => {
    void controller.clearKey();
    key.focus();
  });

  modelSelect.addEventListener("change", saveEdits);
  modelInput.addEventListener("change", saveEdits);
  refreshModels.addEventListener("click", () => void controller.refreshModels());
  test.addEventListener("click", () => void controller.testMessage(readForm()));
  saveNew.addEventListener("click", () => void controller.saveAsNew(readForm()));
  drawer.querySelector("#drawer-close")?.addEventListener("click", () => controller.toggleDrawer(false));

  remove.addEventListener("click", () => {
    if (deleteArmed === null) {
      // Two clicks: no modal dialog, and no accidental deletes.
      remove.textContent = "Click again to delete";
      remove.dataset.armed = "true";
      deleteArmed = window.setTimeout(disarmDelete, 4000);
      return;
    }
    disarmDelete();
    void controller.deleteSelectedProfile();
  });
  const disarmDelete = (): void => {
    if (deleteArmed !== null) window.clearTimeout(deleteArmed);
    deleteArmed = null;
    remove.textContent = "Delete profile";
    delete remove.dataset.armed;
  };

  // ------------------------------------------------------------------ store → DOM

  const render = (s: AppState, previous: AppState | null): void => {
    const first = previous === null;
    show(drawer, s.drawerOpen);
    show(intro, s.ready && s.profiles.length === 0);
    if (first || s.sources !== previous.sources) renderSources(s.sources);
    if (first || s.profiles !== previous.profiles || s.selectedProfileId !== previous.selectedProfileId) {
      renderSwitcher(s);
    }
    const profile = selectedProfile(s);
    const profileChanged = first || profile !== selectedProfile(previous);
    const selectionChanged =
      first || s.selectedProfileId !== previous.selectedProfileId || s.sources !== previous.sources;
    if (selectionChanged || profileChanged) {
      fillFromProfile(profile, s);
      show(remove, profile !== null);
    }
    // The key field empties when another profile is shown and once a key was stored.
    if (selectionChanged || s.keySaves !== previous.keySaves) key.value = "";
    if (
      first ||
      s.keyError !== previous.keyError ||
      s.busy.key !== previous.busy.key ||
      profile !== selectedProfile(previous)
    ) {
      renderKey(s);
    }
    if (first || s.models !== previous.models || profile !== selectedProfile(previous)) {
      renderModels(s, first || s.models !== previous.models);
    }
    if (first || s.busy !== previous.busy || s.selectedProfileId !== previous.selectedProfileId) renderBusy(s);
    renderStatus(s);
    if (first || s.testResult !== previous.testResult) renderTest(s);
    if (!first && s.urlNotice !== previous.urlNotice && s.urlNotice) {
      preview.dataset.tone = "note";
      setText(preview, s.urlNotice);
    }
    if (!first && s.focus !== previous.focus && s.focus) focus(s.focus.target, s);
  };

  const focus = (target: FocusTarget, s: AppState): void => {
    // The drawer may have just been shown; focus after it is laid out.
    window.requestAnimationFrame(() => {
      switch (target) {
        case "key":
          key.focus();
          break;
        case "model":
          (modelSelect.hidden ? modelInput : modelSelect).focus();
          break;
        case "drawer":
          (s.profiles.length === 0 ? source : switcher).focus();
          break;
      }
    });
  };

  controller.store.subscribe(render);
  render(controller.store.get(), null);
}

function setBusy(button: HTMLButtonElement, busy: boolean): void {
  button.setAttribute("aria-busy", String(busy));
  button.disabled = busy;
}

function modelLabelText(model: ModelInfo): string {
  const name = model.name && model.name !== model.id ? `${model.name} (${model.id})` : model.id;
  return model.contextLength ? `${name} · ${Math.round(model.contextLength / 1024)}k context` : name;
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
