/**
 * The connection drawer's prompt and generation fields, in three places: the "System prompt"
 * section (right after the model); the "Generation" section (presets, the sampler fields the
 * source accepts — each with a slider beside its number where it has one —, stop strings and
 * the assistant prefill for sources that continue one); and, under "Advanced", prompt
 * post-processing (with the placeholder user message for strict mode). Empty fields are not
 * sent, but for the reply length: a new profile starts with the default in the field, and an
 * empty one shows the default that is sent instead.
 *
 * Must not: save anything or call the controller (it asks the drawer through `saveEdits`),
 * nor decide which source is shown; it is told the source and the API.
 */

import type { PostProcessing, ProfileDraft, ProfileSummary, SourceInfo } from "../api";
import {
  DEFAULT_REPLY_TOKENS,
  formatNumber,
  formatStopStrings,
  NUMERIC_PARAMS,
  type NumericParam,
  PARAM_SPECS,
  parseNumber,
  readParams,
  samplersOf,
} from "../state/profile-form";
import { drawerSection, field, type Find, paramId, setValue } from "./connect-fields";
import { GENERATION_PRESETS, matchingPreset, presetValues } from "./connect-presets";
import { createSlider, pairSlider, SLIDER_RANGES, type SliderPair, sliderId } from "./connect-slider";
import { h, show } from "./dom";

const POST_PROCESSING: { value: PostProcessing; label: string }[] = [
  { value: "none", label: "None" },
  { value: "merge", label: "Merge consecutive roles" },
  { value: "semi-strict", label: "Semi-strict (one system message, alternating roles)" },
  { value: "strict", label: "Strict (user first, alternating roles)" },
  { value: "single", label: "Single (the whole conversation as one user message)" },
];

/** "System prompt", its own section right after the model. */
export function createSystemPromptSection(): HTMLElement {
  return drawerSection("system-prompt-section", h("label", { for: "system-prompt", text: "System prompt" }),
    h("textarea", { id: "system-prompt", rows: 3, placeholder: "How the model should answer (optional)" }),
  );
}

/** The "Generation" section. */
export function createGenerationSettings(): HTMLElement {
  const params = NUMERIC_PARAMS.map((name) => {
    const spec = PARAM_SPECS[name];
    const range = SLIDER_RANGES[name];
    const number = h("input", {
      id: paramId(name), type: "number", step: String(spec.step), min: spec.min === undefined ? undefined : String(spec.min),
      max: spec.max === undefined ? undefined : String(spec.max), inputmode: spec.integer ? "numeric" : "decimal",
      // A profile without a reply length is sent the default, so that is what it shows.
      placeholder: name === "maxTokens" ? `${DEFAULT_REPLY_TOKENS} (default)` : "not sent", title: spec.hint,
      class: range ? "param-number" : undefined,
    });
    const wrapper = field(paramId(name), spec.label,
      range ? h("div", { class: "slider-row" }, createSlider(paramId(name), spec, range), number) : number,
    );
    wrapper.id = `${paramId(name)}-field`;
    if (range) wrapper.classList.add("has-slider");
    return wrapper;
  });
  const stopField = field("param-stop", h("span", {}, "Stop strings ", h("span", { class: "label-note", text: "(one per line; \\n for a newline)" })),
    h("textarea", { id: "param-stop", rows: 2, spellcheck: false }),
  );
  stopField.id = "param-stop-field";
  const presets = h("div", { id: "generation-presets", class: "preset-row", role: "group", "aria-label": "Presets" },
    ...GENERATION_PRESETS.map((preset) =>
      h("button", {
        id: `preset-${preset.id}`, type: "button", class: "button preset", text: preset.label, title: preset.hint,
        "aria-pressed": "false", dataset: { preset: preset.id },
      }),
    ),
  );

  return drawerSection("generation-settings", "Generation",
    presets,
    h("p", { class: "field-note settings-note", text: "Empty fields are not sent: the server uses its own default." }),
    h("div", { class: "param-grid" }, ...params),
    stopField,
    h("div", { id: "prefill-field", class: "field", hidden: true },
      h("label", { for: "prefill", class: "field-label", text: "Assistant prefill" }),
      h("textarea", { id: "prefill", rows: 2, "aria-describedby": "prefill-hint" }),
      h("p", { id: "prefill-hint", class: "field-note", text: "The reply starts with this text; the model continues it." }),
    ),
  );
}

/** Prompt post-processing and the strict mode's placeholder, for "Advanced". */
export function createPostProcessingFields(): HTMLElement[] {
  const postProcessingField = field("post-processing", "Prompt post-processing",
    h("select", { id: "post-processing" }, ...POST_PROCESSING.map((p) => h("option", { value: p.value, text: p.label }))),
  );
  postProcessingField.id = "post-processing-field";
  const placeholder = h("input", { id: "placeholder", type: "text", placeholder: "[Start a new chat]", "aria-describedby": "placeholder-hint" });
  // Outside the form's element, still part of it: Enter in it connects, as in the fields above.
  placeholder.setAttribute("form", "connect-form");
  return [
    postProcessingField,
    h("div", { id: "placeholder-field", class: "field", hidden: true },
      h("label", { for: "placeholder", class: "field-label", text: "Placeholder user message" }),
      placeholder,
      h("p", { id: "placeholder-hint", class: "field-note", text: "Strict mode puts this first when the chat does not start with you." }),
    ),
  ];
}

/** The part of a profile draft these settings hold. */
export type GenerationFields = Pick<ProfileDraft, "systemPrompt" | "prefill" | "placeholder" | "params" | "postProcessing">;

export interface GenerationSettings {
  /** The fields that save the form when they change. */
  readonly inputs: readonly (HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement)[];
  /** Fills the fields from `profile` (null: empties them for a new profile). */
  fill(profile: ProfileSummary | null): void;
  /** The settings as the form has them; only what source `info` accepts. */
  read(info: SourceInfo | undefined): GenerationFields;
  /** Shows the fields that apply to source `info` with the chat (`chat`) or text API. */
  showFor(info: SourceInfo | undefined, chat: boolean): void;
}

/**
 * `onPostProcessing`: the post-processing choice changed (the fields shown depend on it);
 * `saveEdits`: saves an existing profile (after a preset); `sourceInfo`: the source the form shows.
 */
export function mountGenerationSettings(
  $: Find,
  hooks: { onPostProcessing: () => void; saveEdits: () => void; sourceInfo: () => SourceInfo | undefined },
): GenerationSettings {
  const stop = $<HTMLTextAreaElement>("param-stop");
  const stopField = $("param-stop-field");
  const postProcessingField = $("post-processing-field");
  const postProcessing = $<HTMLSelectElement>("post-processing");
  const systemPrompt = $<HTMLTextAreaElement>("system-prompt");
  const placeholderField = $("placeholder-field");
  const placeholder = $<HTMLInputElement>("placeholder");
  const prefillField = $("prefill-field");
  const prefill = $<HTMLTextAreaElement>("prefill");
  const paramInputs = new Map(NUMERIC_PARAMS.map((n) => [n, $<HTMLInputElement>(paramId(n))] as const));
  const paramFields = new Map(NUMERIC_PARAMS.map((n) => [n, $(`${paramId(n)}-field`)] as const));
  const sliders = new Map<NumericParam, SliderPair>();
  for (const [param, input] of paramInputs) {
    if (!SLIDER_RANGES[param]) continue;
    // An empty reply length sends the default: the slider rests there.
    const resting = param === "maxTokens" ? DEFAULT_REPLY_TOKENS : undefined;
    sliders.set(param, pairSlider(input, $<HTMLInputElement>(sliderId(paramId(param))), PARAM_SPECS[param].step, resting));
  }
  const presetButtons = GENERATION_PRESETS.map((preset) => [preset, $<HTMLButtonElement>(`preset-${preset.id}`)] as const);
  const presetRow = $("generation-presets");

  const readNumber = (param: NumericParam): number | null => parseNumber(paramInputs.get(param)!.value, PARAM_SPECS[param].integer);

  /** Marks the preset the fields hold now. */
  const renderPresets = (): void => {
    const samplers = samplersOf(hooks.sourceInfo());
    const current = matchingPreset(readNumber, samplers);
    for (const [preset, button] of presetButtons) {
      button.setAttribute("aria-pressed", String(preset === current));
    }
    // Hidden for a source that takes none of the presets' settings.
    show(presetRow, presetButtons.some(([preset]) => presetValues(preset, samplers).length > 0));
  };

  for (const [preset, button] of presetButtons) {
    button.addEventListener("click", () => {
      for (const [param, value] of presetValues(preset, samplersOf(hooks.sourceInfo()))) {
        paramInputs.get(param)!.value = String(value);
        sliders.get(param)?.sync();
      }
      renderPresets();
      hooks.saveEdits();
    });
  }
  for (const input of paramInputs.values()) input.addEventListener("input", renderPresets);

  postProcessing.addEventListener("change", () => hooks.onPostProcessing());

  return {
    inputs: [stop, postProcessing, systemPrompt, prefill, placeholder, ...paramInputs.values()],

    fill(profile) {
      if (profile) {
        for (const [param, input] of paramInputs) setValue(input, formatNumber(profile.params[param]));
        setValue(stop, formatStopStrings(profile.params.stop));
        setValue(postProcessing, profile.postProcessing);
        setValue(systemPrompt, profile.systemPrompt ?? "");
        setValue(prefill, profile.prefill ?? "");
        setValue(placeholder, profile.placeholder ?? "");
      } else {
        for (const input of paramInputs.values()) input.value = "";
        // A new profile starts with the reply length it will be sent, in view.
        paramInputs.get("maxTokens")!.value = String(DEFAULT_REPLY_TOKENS);
        stop.value = "";
        postProcessing.value = "none";
        systemPrompt.value = "";
        prefill.value = "";
        placeholder.value = "";
      }
      for (const slider of sliders.values()) slider.sync();
      renderPresets();
    },

    read(info) {
      const fields: Partial<Record<NumericParam, string>> = {};
      for (const [param, input] of paramInputs) fields[param] = input.value;
      return {
        systemPrompt: systemPrompt.value.trim() === "" ? null : systemPrompt.value,
        // Kept while another source is picked, so switching back does not lose it.
        prefill: prefill.value.trim() === "" ? null : prefill.value,
        placeholder: placeholder.value.trim() === "" ? null : placeholder.value,
        // Only what this source accepts: a value for another source's field is not sent.
        params: readParams(fields, stop.value, samplersOf(info)),
        postProcessing: postProcessing.value as PostProcessing,
      };
    },

    showFor(info, chat) {
      show(postProcessingField, chat);
      show(placeholderField, chat && postProcessing.value === "strict");
      show(prefillField, chat && (info?.capabilities.prefill ?? false));
      const samplers = samplersOf(info);
      for (const [param, wrapper] of paramFields) show(wrapper, samplers.includes(param));
      show(stopField, samplers.includes("stop"));
      renderPresets();
    },
  };
}
