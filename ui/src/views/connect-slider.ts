/**
 * A generation setting's slider paired with its number field: moving the slider writes the
 * number, typing the number moves the slider, and either way the number field stays the one
 * the form reads and saves (the slider's release is passed on as the number field's `change`).
 * An empty number field (the setting is not sent) leaves the slider marked unset, resting at
 * the middle of its range (or at the value sent instead); a number beyond the slider's ends
 * pins it at that end.
 *
 * Must not: know about profiles or sources, nor save anything itself.
 */

import type { NumericParam, ParamSpec } from "../state/profile-form";
import { h } from "./dom";

/** Where a slider's ends are, for the settings that have one (the number may go further). */
export const SLIDER_RANGES: Readonly<Partial<Record<NumericParam, { readonly min: number; readonly max: number }>>> = {
  maxTokens: { min: 16, max: 4096 },
  temperature: { min: 0, max: 2 },
  topP: { min: 0, max: 1 },
  topK: { min: 0, max: 200 },
  minP: { min: 0, max: 1 },
  frequencyPenalty: { min: -2, max: 2 },
  presencePenalty: { min: -2, max: 2 },
  repetitionPenalty: { min: 1, max: 2 },
  typicalP: { min: 0, max: 1 },
  tfs: { min: 0, max: 1 },
  topA: { min: 0, max: 1 },
};

/** The slider element's id for the number field `numberId`. */
export function sliderId(numberId: string): string {
  return `${numberId}-slider`;
}

/** The slider for `spec`'s setting, labelled by the number field's label. */
export function createSlider(numberId: string, spec: ParamSpec, range: { min: number; max: number }): HTMLInputElement {
  return h("input", {
    id: sliderId(numberId), type: "range", class: "param-slider", min: String(range.min), max: String(range.max),
    step: String(spec.step), "aria-label": spec.label, tabIndex: -1, dataset: { unset: "true" },
  });
}

/** Decimal places of `step` (0.05 → 2). */
function decimals(step: number): number {
  const text = String(step);
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** `value` as the number field shows it: rounded to the step, no float noise (0.30000000000000004 → 0.3). */
export function formatStep(value: number, step: number): string {
  return String(Number(value.toFixed(decimals(step))));
}

export interface SliderPair {
  /** Moves the slider to the number field's value (after the field was set from code). */
  sync(): void;
}

/**
 * Keeps `slider` and `number` in step; see the module's doc. `resting`: where the slider rests
 * while the number is empty (what is sent then, when something is), else the middle.
 */
export function pairSlider(number: HTMLInputElement, slider: HTMLInputElement, step: number, resting?: number): SliderPair {
  const sync = (): void => {
    const text = number.value.trim();
    const value = text === "" ? NaN : Number(text);
    const unset = !Number.isFinite(value);
    slider.dataset.unset = String(unset);
    const min = Number(slider.min);
    const max = Number(slider.max);
    const shown = Math.min(max, Math.max(min, unset ? (resting ?? (min + max) / 2) : value));
    slider.value = formatStep(shown, step);
  };
  slider.addEventListener("input", () => {
    number.value = formatStep(Number(slider.value), step);
    slider.dataset.unset = "false";
    number.dispatchEvent(new Event("input", { bubbles: true }));
  });
  // Released: saved as if the number had been typed.
  slider.addEventListener("change", () => number.dispatchEvent(new Event("change", { bubbles: true })));
  number.addEventListener("input", sync);
  sync();
  return { sync };
}
