/**
 * The connection drawer, in SillyTavern's shape: profile, source, URL (with a live
 * normalisation preview), API key, Connect with a status light, model picker, Test message, and
 * the generation settings (with an assistant prefill for sources that continue one).
 *
 * What the form shows follows the source: an API choice for sources that serve both chat and
 * text completion; for text completion, the instruct template (pick, edit, reset) and the context
 * size, instead of chat post-processing; only the sampler fields the source accepts; several
 * models at once for AI Horde. Above the form, "Find local servers" lists the servers answering on
 * this computer (searched once by itself on first launch), each with an Add button.
 *
 * The form's fields are the source of truth while someone edits them; the drawer fills them from
 * the selected profile when the selection or the saved profile changes, skipping the field that
 * has focus. Leaving a field (or changing a select) saves an existing profile; a new profile is
 * saved by Connect or "Save as new profile". The API key is never shown: after it is saved the
 * field is emptied and "key saved" appears with a Clear button.
 *
 * Under the form: Duplicate (a copy of the shown profile, key included, which is then shown) and
 * Delete profile (two clicks: the first arms it); then the app-wide "Connect to the last profile
 * on launch" checkbox.
 *
 * The note under the URL says, in this order: why the URL cannot be used (the controller's
 * `urlError`, or the live preview's refusal; the field is then marked invalid), what normalising
 * the URL being typed would change, or what normalising the shown profile's saved URL changed.
 */

import type {
  ApiType,
  Found,
  InstructSettings,
  InstructTemplate,
  ModelInfo,
  PostProcessing,
  ProfileDraft,
  ProfileSummary,
  ProviderKind,
  SourceInfo,
  TemplateKind,
} from "../api";
import {
  type AppState,
  connectionText,
  DEFAULT_SETTINGS,
  type FocusTarget,
  selectedProfile,
  shownConnection,
  sourceOf,
} from "../state/app-state";
import type { Controller, ProfileForm } from "../state/controller";
import {
  apiChoices,
  apiForSave,
  apiLabel,
  builtInTemplate,
  choosesManyModels,
  CUSTOM_TEMPLATE,
  DEFAULT_INSTRUCT,
  effectiveApi,
  foundIsSaved,
  formatNumber,
  formatStopStrings,
  groupSources,
  instructFromForm,
  joinModelList,
  keyFieldText,
  modelOptionLabel,
  NUMERIC_PARAMS,
  type NumericParam,
  PARAM_SPECS,
  parseModelList,
  parseStopStrings,
  readParams,
  samplersOf,
  shownTemplate,
  TEMPLATE_FIELDS,
  templateChoice,
  urlAfterSourceChange,
} from "../state/profile-form";
import { h, setData, setText, show } from "./dom";
import { kbd, modKey } from "./keys";

const PREVIEW_DELAY_MS = 250;

/** Under the URL when a key would go over plain http:// to another machine. */
export const UNENCRYPTED_WARNING =
  "⚠ Plain http:// to another machine: the API key crosses the network unencrypted, readable by anyone on it. Use https:// unless the network is yours alone.";

/** Said when "Find local servers" found nothing. */
export const NO_LOCAL_SERVERS =
  "No local servers found on the usual ports (KoboldCpp 5001, Oobabooga/TabbyAPI 5000, llama.cpp 8080, Ollama 11434, LM Studio 1234, vLLM 8000).";

/** Said while the ports are probed. */
export const SEARCHING_LOCAL_SERVERS = "Looking for servers on this computer…";

const POST_PROCESSING: { value: PostProcessing; label: string }[] = [
  { value: "none", label: "None" },
  { value: "merge", label: "Merge consecutive roles" },
  { value: "semi-strict", label: "Semi-strict (one system message, alternating roles)" },
  { value: "strict", label: "Strict (user first, alternating roles)" },
];

/** `maxTokens` → `max-tokens`. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Converts a param name to its element id: `maxTokens` → `param-max-tokens`. */
function paramId(name: NumericParam): string {
  return `param-${kebab(name)}`;
}

/** An instruct template part's element id: `userPrefix` → `instruct-user-prefix`. */
function templateFieldId(key: string): string {
  return `instruct-${kebab(key)}`;
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
    const spec = PARAM_SPECS[name];
    const wrapper = field(paramId(name), spec.label,
      h("input", {
        id: paramId(name), type: "number", step: String(spec.step), min: spec.min === undefined ? undefined : String(spec.min),
        max: spec.max === undefined ? undefined : String(spec.max), inputmode: spec.integer ? "numeric" : "decimal",
        placeholder: "not sent", title: spec.hint,
      }),
    );
    wrapper.id = `${paramId(name)}-field`;
    return wrapper;
  });
  const stopField = field("param-stop", h("span", {}, "Stop strings ", h("span", { class: "label-note", text: "(one per line; \\n for a newline)" })),
    h("textarea", { id: "param-stop", rows: 2, spellcheck: false }),
  );
  stopField.id = "param-stop-field";
  const postProcessingField = field("post-processing", "Prompt post-processing",
    h("select", { id: "post-processing" }, ...POST_PROCESSING.map((p) => h("option", { value: p.value, text: p.label }))),
  );
  postProcessingField.id = "post-processing-field";
  const findServers = busyButton("find-servers", "Find local servers", "button");
  findServers.setAttribute("data-testid", "find-servers");

  return h("aside", { id: "drawer", class: "drawer", "aria-labelledby": "drawer-title", hidden: true },
    h("div", { class: "drawer-header" },
      h("h2", { id: "drawer-title", text: "Connection" }),
      kbd(modKey(), "K"),
      h("button", { id: "drawer-close", type: "button", class: "icon-button", "aria-label": "Close connection panel", text: "×" }),
    ),
    h("p", { id: "drawer-intro", class: "drawer-intro", hidden: true,
      text: "Connect to a model: add a server found on this computer, or pick a source, fill in what it needs, then Connect." }),
    h("section", { id: "local-servers", class: "local-servers", "aria-labelledby": "local-servers-title" },
      h("div", { class: "local-servers-head" },
        h("h3", { id: "local-servers-title", class: "section-title", text: "On this computer" }),
        findServers,
      ),
      h("p", { id: "find-servers-status", class: "field-note", role: "status", "data-testid": "find-servers-status" }),
      h("ul", { id: "found-servers", class: "found-servers", "data-testid": "found-servers", "aria-labelledby": "local-servers-title", hidden: true }),
    ),
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
        h("p", { id: "url-preview", class: "field-note", "aria-live": "polite" }),
        h("p", { id: "url-warning", class: "field-warning", role: "note", hidden: true, text: UNENCRYPTED_WARNING }),
      ),
      field("api-key", h("span", { id: "api-key-label" }, h("span", { id: "api-key-text", text: "API key" }), " ", h("span", { id: "api-key-need", class: "label-note", text: "(optional)" })),
        h("div", { class: "field-row" },
          h("input", { id: "api-key", type: "password", autocomplete: "off", spellcheck: false, "aria-describedby": "key-status key-error api-key-note" }),
          h("span", { id: "key-status", class: "key-status", "aria-live": "polite" }),
          h("button", { id: "clear-key", type: "button", class: "button", text: "Clear", hidden: true, "aria-label": "Clear the saved API key" }),
        ),
        h("p", { id: "api-key-note", class: "field-note" }),
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
          h("div", { id: "model-multi", class: "model-multi", role: "group", "aria-labelledby": "model-label", "aria-describedby": "model-note", "data-testid": "model-multi", hidden: true }),
          busyButton("refresh-models", "↻", "button", "icon-button"),
        ),
        h("p", { id: "model-note", class: "field-note" }),
      ),
      h("div", { class: "test-row" },
        busyButton("test-message", "Test message", "button"),
        h("output", { id: "test-result", class: "test-result", for: "test-message" }),
      ),
      h("div", { id: "instruct-section", class: "instruct-section", hidden: true },
        field("instruct-template", "Instruct template",
          h("select", { id: "instruct-template", "aria-describedby": "instruct-template-note" }),
          h("p", { id: "instruct-template-note", class: "field-note", text: "How the chat is written into one prompt for the model; pick the one the model was trained with." }),
        ),
        h("details", { id: "instruct-editor", class: "instruct-editor" },
          h("summary", { text: "Edit template" }),
          h("div", { class: "template-grid" },
            ...TEMPLATE_FIELDS.map(({ key, label }) =>
              field(templateFieldId(key), label, h("textarea", { id: templateFieldId(key), rows: 2, spellcheck: false, class: "mono" })),
            ),
          ),
          field("instruct-stop", h("span", {}, "Stop strings ", h("span", { class: "label-note", text: "(one per line; \\n for a newline)" })),
            h("textarea", { id: "instruct-stop", rows: 2, spellcheck: false, class: "mono" }),
          ),
          h("div", { class: "template-actions" },
            h("button", { id: "instruct-reset", type: "button", class: "button", text: "Reset to built-in", hidden: true }),
          ),
        ),
        field("context-size", "Context size (tokens)",
          h("input", { id: "context-size", type: "number", min: "256", max: "2000000", step: "1", inputmode: "numeric", placeholder: "the server's (or 4096)", "aria-describedby": "context-size-note" }),
          h("p", { id: "context-size-note", class: "field-note", text: "Empty: use the server's (or 4096). The oldest messages are left out when the chat is longer." }),
        ),
      ),
      h("details", { class: "generation-settings", id: "generation-settings" },
        h("summary", { text: "Generation settings" }),
        h("p", { class: "field-note settings-note", text: "Empty fields are not sent: the server uses its own default." }),
        h("div", { class: "param-grid" }, ...params),
        stopField,
        postProcessingField,
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
        h("button", {
          id: "duplicate-profile", type: "button", class: "button", "data-testid": "duplicate-profile", text: "Duplicate",
          title: "Save a copy of this profile, key included, and show it",
        }),
        h("button", { id: "delete-profile", type: "button", class: "button danger-quiet", "data-testid": "delete-profile", text: "Delete profile" }),
      ),
    ),
    h("section", { id: "app-settings", class: "app-settings", "aria-labelledby": "app-settings-title" },
      h("h3", { id: "app-settings-title", class: "section-title", text: "When Switchboard starts" }),
      h("label", { class: "check", for: "auto-connect" },
        h("input", { id: "auto-connect", type: "checkbox", "data-testid": "auto-connect", "aria-describedby": "auto-connect-note" }),
        " Connect to the last profile on launch",
      ),
      h("p", { id: "auto-connect-note", class: "field-note", text: "Off: the window opens unconnected; opening a chat or Connect connects." }),
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
  const findServers = $<HTMLButtonElement>("find-servers");
  const findStatus = $("find-servers-status");
  const foundList = $<HTMLUListElement>("found-servers");
  const switcher = $<HTMLSelectElement>("profile-switcher");
  const name = $<HTMLInputElement>("profile-name");
  const saveNew = $<HTMLButtonElement>("save-profile");
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
  const connect = $<HTMLButtonElement>("connect");
  const bypass = $<HTMLInputElement>("bypass");
  const light = $("status-light");
  const statusText = $("status-text");
  const modelLabel = $<HTMLLabelElement>("model-label");
  const modelSelect = $<HTMLSelectElement>("model-select");
  const modelInput = $<HTMLInputElement>("model-input");
  const modelMulti = $("model-multi");
  const modelNote = $("model-note");
  const refreshModels = $<HTMLButtonElement>("refresh-models");
  const test = $<HTMLButtonElement>("test-message");
  const testResult = $("test-result");
  const instructSection = $("instruct-section");
  const templateSelect = $<HTMLSelectElement>("instruct-template");
  const templateInputs = TEMPLATE_FIELDS.map(({ key: part }) => [part, $<HTMLTextAreaElement>(templateFieldId(part))] as const);
  const templateStop = $<HTMLTextAreaElement>("instruct-stop");
  const templateReset = $<HTMLButtonElement>("instruct-reset");
  const contextSize = $<HTMLInputElement>("context-size");
  const stop = $<HTMLTextAreaElement>("param-stop");
  const stopField = $("param-stop-field");
  const postProcessingField = $("post-processing-field");
  const postProcessing = $<HTMLSelectElement>("post-processing");
  const systemPrompt = $<HTMLTextAreaElement>("system-prompt");
  const placeholderField = $("placeholder-field");
  const placeholder = $<HTMLInputElement>("placeholder");
  const prefillField = $("prefill-field");
  const prefill = $<HTMLTextAreaElement>("prefill");
  const remove = $<HTMLButtonElement>("delete-profile");
  const duplicate = $<HTMLButtonElement>("duplicate-profile");
  const autoConnect = $<HTMLInputElement>("auto-connect");
  const paramInputs = new Map(NUMERIC_PARAMS.map((n) => [n, $<HTMLInputElement>(paramId(n))] as const));
  const paramFields = new Map(NUMERIC_PARAMS.map((n) => [n, $(`${paramId(n)}-field`)] as const));

  refreshModels.setAttribute("aria-label", "Refresh the model list");

  /** The URL was typed by the person (so a source change must not replace it). */
  let urlTyped = false;
  /** The source shown before the latest change, for swapping default URLs. */
  let currentSource: ProviderKind | null = null;
  /** The API the person (or the profile) chose; null for the source's default. */
  let apiChosen: ApiType | null = null;
  /** The built-in template the shown (possibly edited) template is based on. */
  let templateBase: TemplateKind = DEFAULT_INSTRUCT.template;
  let previewTimer: number | null = null;
  let previewSeq = 0;
  /** What the live preview found in the URL as typed; null when it has nothing to add. */
  let livePreview: { tone: "note" | "error"; text: string } | null = null;
  /** The URL in the field sends plain http:// to another machine (the core's preview says). */
  let unencrypted = false;
  let deleteArmed: number | null = null;

  const state = (): AppState => controller.store.get();
  const sourceInfo = (kind: string | null): SourceInfo | undefined => sourceOf(state(), kind);
  /** The API the form's source and choice add up to. */
  const formApi = (): ApiType => effectiveApi(sourceInfo(source.value), apiChosen);
  const multiShown = (): boolean => !modelMulti.hidden;
  const modelValue = (): string | null => {
    if (multiShown()) {
      return joinModelList([...modelMulti.querySelectorAll<HTMLInputElement>("input:checked")].map((box) => box.value));
    }
    return (modelSelect.hidden ? modelInput.value.trim() : modelSelect.value) || null;
  };

  /** The template editor's fields. */
  const readTemplate = (): InstructTemplate => {
    const template = { stop: parseStopStrings(templateStop.value) } as InstructTemplate;
    for (const [part, input] of templateInputs) template[part] = input.value;
    return template;
  };

  /** The instruct settings as the form has them (the profile's until the templates are known). */
  const readInstruct = (): InstructSettings => {
    const { templates } = state();
    const saved = selectedProfile(state())?.instruct ?? DEFAULT_INSTRUCT;
    if (templates.length === 0) return saved;
    return instructFromForm(
      { choice: templateSelect.value, base: templateBase, edited: readTemplate(), contextSize: contextSize.value },
      templates,
    );
  };

  /** The form as a profile draft plus the typed key. */
  const readForm = (): ProfileForm => {
    const profile = selectedProfile(state());
    const info = sourceInfo(source.value);
    const fields: Partial<Record<NumericParam, string>> = {};
    for (const [param, input] of paramInputs) fields[param] = input.value;
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
      // Only what this source accepts: a value for another source's field is not sent.
      params: readParams(fields, stop.value, samplersOf(info)),
      postProcessing: postProcessing.value as PostProcessing,
      api: apiForSave(info, apiChosen),
      instruct: readInstruct(),
      bypassStatusCheck: bypass.checked,
    };
    return { draft, key: key.value };
  };

  /** Sets a field unless the person is typing in it (a focused select is not being typed in). */
  const setValue = (element: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): void => {
    const typing = document.activeElement === element && !(element instanceof HTMLSelectElement);
    if (!typing && element.value !== value) element.value = value;
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

  /** The template select: the built-ins, and "Custom (edited)" while the template is edited. */
  const renderTemplateSelect = (instruct: InstructSettings): void => {
    const options = state().templates.map((t) => h("option", { value: t.kind, text: t.label }));
    if (instruct.custom) options.push(h("option", { value: CUSTOM_TEMPLATE, text: "Custom (edited)" }));
    const value = templateChoice(instruct);
    const same =
      templateSelect.options.length === options.length &&
      options.every((o, i) => templateSelect.options[i]?.value === o.value);
    if (!same) templateSelect.replaceChildren(...options);
    if (templateSelect.value !== value) templateSelect.value = value;
    show(templateReset, instruct.custom !== null);
  };

  /** Fills the editor with `template`; `force` also overwrites the field being typed in. */
  const fillTemplate = (template: InstructTemplate | undefined, force = false): void => {
    const put = (input: HTMLTextAreaElement, value: string) => {
      if (force) input.value = value;
      else setValue(input, value);
    };
    for (const [part, input] of templateInputs) put(input, template?.[part] ?? "");
    put(templateStop, formatStopStrings(template?.stop));
  };

  const fillInstruct = (instruct: InstructSettings): void => {
    templateBase = instruct.template;
    renderTemplateSelect(instruct);
    fillTemplate(shownTemplate(instruct, state().templates));
    setValue(contextSize, formatNumber(instruct.contextSize));
  };

  const fillFromProfile = (profile: ProfileSummary | null, s: AppState): void => {
    const urlBefore = url.value;
    const sourceBefore = source.value;
    if (profile) {
      setValue(name, profile.name);
      setValue(source, profile.source);
      setValue(url, profile.url);
      urlTyped = true;
      apiChosen = profile.api;
      if (document.activeElement !== bypass) bypass.checked = profile.bypassStatusCheck;
      for (const [param, input] of paramInputs) setValue(input, formatNumber(profile.params[param]));
      setValue(stop, formatStopStrings(profile.params.stop));
      setValue(postProcessing, profile.postProcessing);
      setValue(systemPrompt, profile.systemPrompt ?? "");
      setValue(prefill, profile.prefill ?? "");
      setValue(placeholder, profile.placeholder ?? "");
      fillInstruct(profile.instruct);
    } else {
      const first = s.sources.find((x) => x.supported);
      const keep = sourceInfo(source.value)?.supported ? source.value : (first?.kind ?? "");
      name.value = "";
      source.value = keep;
      url.value = sourceInfo(keep)?.defaultUrl ?? "";
      urlTyped = false;
      apiChosen = null;
      bypass.checked = false;
      for (const input of paramInputs.values()) input.value = "";
      stop.value = "";
      postProcessing.value = "none";
      systemPrompt.value = "";
      prefill.value = "";
      placeholder.value = "";
      modelInput.value = "";
      contextSize.value = "";
      fillInstruct(DEFAULT_INSTRUCT);
    }
    currentSource = source.value as ProviderKind;
    name.placeholder = sourceInfo(source.value)?.label ?? "Profile name";
    renderSourceDetails();
    // What the preview said about another URL (or source) no longer holds.
    if (url.value !== urlBefore || source.value !== sourceBefore) {
      previewSeq++;
      livePreview = null;
    }
    renderUrlNote(s);
    schedulePreview();
  };

  /** What depends on the source and the API: which fields show, and the notes. */
  const renderSourceDetails = (): void => {
    const info = sourceInfo(source.value);
    const api = formApi();
    const chat = api === "chatCompletion";
    const choices = apiChoices(info);
    show(apiChoice, choices.length > 0);
    for (const choice of ["chatCompletion", "textCompletion"] as const) {
      apiRadios[choice].checked = choice === api;
      setText(apiTexts[choice], choice === info?.capabilities.api ? `${apiLabel(choice)} (default)` : apiLabel(choice));
    }
    show(instructSection, !chat);
    show(postProcessingField, chat);
    show(placeholderField, chat && postProcessing.value === "strict");
    show(prefillField, chat && (info?.capabilities.prefill ?? false));
    const samplers = samplersOf(info);
    for (const [param, wrapper] of paramFields) show(wrapper, samplers.includes(param));
    show(stopField, samplers.includes("stop"));
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

  /** AI Horde's picker: one checkbox a model, arrow keys moving between them. */
  const renderModelMulti = (models: readonly ModelInfo[], chosen: readonly string[]): void => {
    const missing = chosen.filter((id) => !models.some((m) => m.id === id));
    const entries = [
      ...missing.map((id) => ({ id, label: `${id} (no workers now)` })),
      ...models.map((m) => ({ id: m.id, label: modelOptionLabel(m) })),
    ];
    const boxes = [...modelMulti.querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    const same = boxes.length === entries.length && entries.every((e, i) => boxes[i]?.value === e.id);
    if (!same) {
      const focused = boxes.find((box) => box === document.activeElement)?.value ?? null;
      modelMulti.replaceChildren(
        ...entries.map((entry, i) =>
          h("label", { class: "check model-option", for: `model-option-${i}`, "data-testid": "model-option" },
            h("input", { id: `model-option-${i}`, type: "checkbox", value: entry.id }),
            h("span", { text: entry.label }),
          ),
        ),
      );
      if (focused !== null) {
        [...modelMulti.querySelectorAll<HTMLInputElement>("input[type=checkbox]")].find((box) => box.value === focused)?.focus();
      }
    }
    const all = [...modelMulti.querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    for (const box of all) {
      if (document.activeElement !== box) box.checked = chosen.includes(box.value);
    }
    // One tab stop for the whole list: the focused box, else the first chosen, else the first.
    const current = all.find((box) => box === document.activeElement) ?? all.find((box) => box.checked) ?? all[0];
    for (const box of all) box.tabIndex = box === current ? 0 : -1;
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

  const renderModels = (s: AppState, modelsChanged: boolean): void => {
    const profile = selectedProfile(s);
    const info = sourceInfo(profile?.source ?? source.value);
    const models: readonly ModelInfo[] = s.models ?? [];
    const many = choosesManyModels(info) && models.length > 0;
    const useSelect = models.length > 0 && !many;
    show(modelMulti, many);
    show(modelSelect, useSelect);
    // A hidden list keeps no options: they would be another profile's (or an old) list.
    if (!useSelect && modelSelect.options.length > 0) modelSelect.replaceChildren();
    if (!many && modelMulti.childElementCount > 0) modelMulti.replaceChildren();
    show(modelInput, !useSelect && !many);
    if (many) modelLabel.removeAttribute("for");
    else modelLabel.htmlFor = useSelect ? "model-select" : "model-input";
    modelInput.placeholder = choosesManyModels(info) ? "model names, separated by commas" : "model id, as the server names it";
    const current = profile?.model ?? null;
    if (many) {
      renderModelMulti(models, parseModelList(current));
    } else if (useSelect) {
      const options = models.map((m) => h("option", { value: m.id, text: modelOptionLabel(m) }));
      if (current && !models.some((m) => m.id === current)) {
        options.unshift(h("option", { value: current, text: `${current} (not in the list)` }));
      }
      if (!current) options.unshift(h("option", { value: "", text: "Choose a model…" }));
      const same =
        modelSelect.options.length === options.length &&
        options.every((o, i) => modelSelect.options[i]?.value === o.value && modelSelect.options[i]?.text === o.text);
      if (modelsChanged || !same) modelSelect.replaceChildren(...options);
      setValue(modelSelect, current ?? "");
    } else if (profile) {
      setValue(modelInput, current ?? "");
    }
    let note: string;
    if (s.models === null) note = profile ? "Connect to list the server's models." : "";
    else if (models.length === 0) note = "The server lists no models: type the model id.";
    else if (many) {
      const count = parseModelList(current).length;
      note = count === 0
        ? "Choose one or more models: any worker serving one of them may answer."
        : `${count} chosen: any worker serving one of them may answer.`;
    } else note = `${models.length} model${models.length === 1 ? "" : "s"} on this server.`;
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

  /** "Find local servers": the button's spinner, what the search found, and an Add for each. */
  const renderLocalServers = (s: AppState, listChanged: boolean): void => {
    const { status, found } = s.localServers;
    const searching = status === "searching";
    setBusy(findServers, searching);
    setData(findStatus, "state", status);
    const text =
      searching ? SEARCHING_LOCAL_SERVERS
        : status === "failed" ? "Could not look for local servers."
          : status === "done" && found.length === 0 ? NO_LOCAL_SERVERS
            : status === "done" ? `Found ${found.length === 1 ? "a server" : `${found.length} servers`}: add one to connect to it.`
              : "";
    setText(findStatus, text);
    show(foundList, found.length > 0);
    if (!listChanged) return;
    // Keep focus on the same row's button when the list is drawn again (after an Add, say).
    const focusedRow = [...foundList.children].findIndex((row) => row.contains(document.activeElement));
    foundList.replaceChildren(...found.map((server) => foundRow(server, foundIsSaved(server, s.profiles))));
    if (focusedRow >= 0) foundList.children[focusedRow]?.querySelector("button")?.focus();
  };

  const foundRow = (server: Found, saved: boolean): HTMLLIElement => {
    const add = h("button", {
      type: "button",
      class: "button found-server-add",
      text: saved ? "Added" : "Add",
      "aria-label": saved ? `${server.profileName}: added` : `Add ${server.profileName} and connect`,
      "aria-disabled": saved ? "true" : "false",
      "data-testid": "found-server-add",
    });
    add.addEventListener("click", () => {
      if (add.getAttribute("aria-disabled") === "true") return;
      add.setAttribute("aria-disabled", "true");
      void controller.addFoundServer(server);
    });
    return h("li", { class: "found-server", "data-testid": "found-server", dataset: { source: server.source, url: server.url } },
      h("div", { class: "found-server-text" },
        h("span", { class: "found-server-summary", text: server.summary }),
        h("span", { class: "found-server-url", text: server.url }),
      ),
      add,
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

  // ------------------------------------------------------------------ events

  const saveEdits = (): void => {
    if (selectedProfile(state())) void controller.saveEdits({ ...readForm(), key: "" });
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void controller.connect(readForm());
  });

  findServers.addEventListener("click", () => void controller.findLocalServers());

  switcher.addEventListener("change", () => {
    const id = switcher.value || null;
    void controller.selectProfile(id, { connect: id !== null });
    if (id === null) name.focus();
  });

  for (const input of [name, url, bypass, stop, postProcessing, systemPrompt, prefill, placeholder, contextSize, ...paramInputs.values()]) {
    input.addEventListener("change", saveEdits);
  }

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
    renderSourceDetails();
    schedulePreview();
    saveEdits();
  });

  for (const radio of Object.values(apiRadios)) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      apiChosen = radio.value as ApiType;
      renderSourceDetails();
      saveEdits();
    });
  }

  postProcessing.addEventListener("change", () => renderSourceDetails());

  templateSelect.addEventListener("change", () => {
    const kind = templateSelect.value;
    if (kind === CUSTOM_TEMPLATE) return;
    // A built-in replaces an edited template.
    templateBase = kind as TemplateKind;
    fillTemplate(builtInTemplate(state().templates, templateBase), true);
    renderTemplateSelect({ ...readInstruct(), template: templateBase, custom: null });
    saveEdits();
  });

  const onTemplateEdited = (): void => {
    if (state().templates.length > 0) renderTemplateSelect(readInstruct());
  };
  for (const input of [...templateInputs.map(([, input]) => input), templateStop]) {
    input.addEventListener("input", onTemplateEdited);
    input.addEventListener("change", saveEdits);
  }

  templateReset.addEventListener("click", () => {
    fillTemplate(builtInTemplate(state().templates, templateBase), true);
    renderTemplateSelect({ ...readInstruct(), custom: null });
    templateSelect.focus(); // the Reset button hides
    saveEdits();
  });

  key.addEventListener("input", () => renderUrlWarning(state()));

  key.addEventListener("change", () => {
    if (key.value !== "" && selectedProfile(state())) void controller.saveKey(key.value);
  });

  clearKey.addEventListener("click", () => {
    void controller.clearKey();
    key.focus();
  });

  modelSelect.addEventListener("change", saveEdits);
  modelInput.addEventListener("change", saveEdits);
  modelMulti.addEventListener("change", saveEdits);
  modelMulti.addEventListener("keydown", (event) => {
    const boxes = [...modelMulti.querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    const at = boxes.indexOf(event.target as HTMLInputElement);
    if (at < 0) return;
    const next =
      event.key === "ArrowDown" || event.key === "ArrowRight" ? Math.min(at + 1, boxes.length - 1)
        : event.key === "ArrowUp" || event.key === "ArrowLeft" ? Math.max(at - 1, 0)
          : event.key === "Home" ? 0
            : event.key === "End" ? boxes.length - 1
              : null;
    if (next === null) return;
    event.preventDefault();
    for (const [i, box] of boxes.entries()) box.tabIndex = i === next ? 0 : -1;
    boxes[next]?.focus();
  });
  refreshModels.addEventListener("click", () => void controller.refreshModels());
  test.addEventListener("click", () => void controller.testMessage(readForm()));
  saveNew.addEventListener("click", () => void controller.saveAsNew(readForm()));
  drawer.querySelector("#drawer-close")?.addEventListener("click", () => controller.toggleDrawer(false));

  duplicate.addEventListener("click", () => {
    disarmDelete();
    void controller.duplicateSelectedProfile();
  });

  autoConnect.addEventListener("change", () => void controller.setAutoConnect(autoConnect.checked));

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
      first ||
      s.selectedProfileId !== previous.selectedProfileId ||
      s.sources !== previous.sources ||
      s.templates !== previous.templates;
    if (selectionChanged || profileChanged) {
      fillFromProfile(profile, s);
      show(remove, profile !== null);
      show(duplicate, profile !== null);
    }
    // Another profile shown: an armed Delete was meant for the one before.
    if (!first && s.selectedProfileId !== previous.selectedProfileId) disarmDelete();
    if (first || s.settings !== previous.settings) {
      autoConnect.checked = (s.settings ?? DEFAULT_SETTINGS).autoConnect;
      autoConnect.disabled = s.settings === null;
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
      renderUrlWarning(s);
    }
    if (first || s.models !== previous.models || profile !== selectedProfile(previous)) {
      renderModels(s, first || s.models !== previous.models);
    }
    if (first || s.busy !== previous.busy || s.selectedProfileId !== previous.selectedProfileId) renderBusy(s);
    if (first || s.localServers !== previous.localServers || s.profiles !== previous.profiles) {
      renderLocalServers(s, first || s.localServers.found !== previous.localServers.found || s.profiles !== previous.profiles);
    }
    renderStatus(s);
    if (first || s.testResult !== previous.testResult) renderTest(s);
    if (!first && (s.urlNotice !== previous.urlNotice || s.urlError !== previous.urlError)) renderUrlNote(s);
    if (!first && s.focus !== previous.focus && s.focus) focus(s.focus.target, s);
  };

  const focus = (target: FocusTarget, s: AppState): void => {
    // The drawer may have just been shown; focus after it is laid out.
    window.requestAnimationFrame(() => {
      switch (target) {
        case "key":
          key.focus();
          break;
        case "url":
          url.focus();
          break;
        case "model":
          if (multiShown()) modelMulti.querySelector<HTMLInputElement>('input[tabindex="0"]')?.focus();
          else (modelSelect.hidden ? modelInput : modelSelect).focus();
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

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
