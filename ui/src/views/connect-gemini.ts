/**
 * Gemini's thinking choice in the drawer's Connection section, shown for Google AI Studio and
 * Vertex AI only: the model's own default (its thoughts shown as reasoning), as little thinking
 * as the model allows, or as much; the core sends it as `thinkingLevel` or `thinkingBudget`,
 * whichever the model takes.
 *
 * Must not: save the profile itself (it asks the drawer through `saveEdits`), nor know any other
 * source's fields.
 */

import type { ConnectionOptions, ProfileSummary, SourceInfo } from "../api";
import { field, type Find, setValue } from "./connect-fields";
import { h, show } from "./dom";

/** The source options these fields set. */
type SourceOptions = Pick<ConnectionOptions["source"], "geminiThinking">;

/** The thinking field (hidden until the source is Gemini or Vertex AI). */
export function createGeminiFields(): HTMLElement {
  return h("div", { id: "gemini-fields", hidden: true },
    field("gemini-thinking", "Thinking",
      h("select", { id: "gemini-thinking", "aria-describedby": "gemini-thinking-note" },
        h("option", { value: "auto", text: "The model's default" }),
        h("option", { value: "low", text: "Low (none where the model allows)" }),
        h("option", { value: "high", text: "High" }),
      ),
      h("p", {
        id: "gemini-thinking-note",
        class: "field-note",
        text: "Sent as thinkingLevel (Gemini 3) or thinkingBudget (Gemini 2.5); the model's thoughts show as reasoning.",
      }),
    ),
  );
}

export interface GeminiFields {
  /** The Gemini choices in the form. */
  read(): SourceOptions;
  fill(profile: ProfileSummary | null): void;
  /** Shows the fields when the form's source is Gemini or Vertex AI. */
  showFor(info: SourceInfo | undefined): void;
}

export function mountGeminiFields($: Find, saveEdits: () => void): GeminiFields {
  const fields = $("gemini-fields");
  const thinking = $<HTMLSelectElement>("gemini-thinking");
  thinking.addEventListener("change", saveEdits);
  return {
    read: () => ({
      geminiThinking: thinking.value === "low" ? "low" : thinking.value === "high" ? "high" : "auto",
    }),
    fill(profile) {
      setValue(thinking, profile?.options.source.geminiThinking ?? "auto");
    },
    showFor(info) {
      show(fields, info?.settings.includes("geminiThinking") ?? false);
    },
  };
}
