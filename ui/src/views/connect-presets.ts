/**
 * Generation presets as data ("Precise", "Balanced", "Creative"): sampler values a click puts
 * in the generation fields. Only the settings the source accepts are set; the others keep
 * their fields as they are (hidden, and never sent).
 *
 * Must not: touch the DOM or save anything; the generation section applies a preset.
 */

import type { Sampler } from "../api";
import type { NumericParam } from "../state/profile-form";

export interface GenerationPreset {
  readonly id: "precise" | "balanced" | "creative";
  readonly label: string;
  /** One sentence for the tooltip. */
  readonly hint: string;
  readonly values: Readonly<Partial<Record<NumericParam, number>>>;
}

export const GENERATION_PRESETS: readonly GenerationPreset[] = [
  {
    id: "precise",
    label: "Precise",
    hint: "Predictable, focused replies: facts, code, instructions.",
    values: { temperature: 0.3, topP: 0.9, topK: 40, minP: 0.1, repetitionPenalty: 1.05 },
  },
  {
    id: "balanced",
    label: "Balanced",
    hint: "Everyday chat: some variety, still on topic.",
    values: { temperature: 0.7, topP: 0.95, topK: 40, minP: 0.05, repetitionPenalty: 1.1 },
  },
  {
    id: "creative",
    label: "Creative",
    hint: "Varied, surprising replies: stories, brainstorming.",
    values: { temperature: 1.1, topP: 1, topK: 0, minP: 0.02, repetitionPenalty: 1.15 },
  },
];

/** The values of `preset` that a source accepting `samplers` takes. */
export function presetValues(preset: GenerationPreset, samplers: readonly Sampler[]): [NumericParam, number][] {
  return (Object.entries(preset.values) as [NumericParam, number][]).filter(([param]) => samplers.includes(param));
}

/**
 * The preset the fields hold now, if any: every value it sets for this source is in its field
 * (`read` gives a field's number, or null when empty). None when the source takes none of them.
 */
export function matchingPreset(
  read: (param: NumericParam) => number | null,
  samplers: readonly Sampler[],
): GenerationPreset | null {
  return (
    GENERATION_PRESETS.find((preset) => {
      const values = presetValues(preset, samplers);
      return values.length > 0 && values.every(([param, value]) => read(param) === value);
    }) ?? null
  );
}
