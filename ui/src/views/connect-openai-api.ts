/**
 * OpenAI's API choice in the drawer's Connection section, shown for the OpenAI source only:
 * Auto (Chat Completions, except for the models that serve only the Responses API: codex,
 * `-pro`), Chat Completions always, or the Responses API always.
 *
 * Must not: save the profile itself (it asks the drawer through `saveEdits`), decide which
 * models need the Responses API (the core does, per request), nor know any other source's fields.
 */

import type { ConnectionOptions, ProfileSummary, SourceInfo } from "../api";
import { field, type Find, setValue } from "./connect-fields";
import { h, show } from "./dom";

/** The source option this field sets. */
type SourceOptions = Pick<ConnectionOptions["source"], "openaiApi">;
/** Which of OpenAI's APIs the profile's chats go through. */
type OpenAiApi = NonNullable<SourceOptions["openaiApi"]>;

/** What the note under the select says for each choice. */
const NOTES: Record<OpenAiApi, string> = {
  auto: "Chat Completions, and the Responses API (…/v1/responses) for the models that serve only it (codex, -pro).",
  chatCompletions: "…/v1/chat/completions for every model (codex and -pro models refuse it).",
  responses: "…/v1/responses for every model.",
};

const CHOICES: readonly OpenAiApi[] = ["auto", "chatCompletions", "responses"];

function choice(value: string): OpenAiApi {
  return CHOICES.find((api) => api === value) ?? "auto";
}

/** The select (hidden until the source is OpenAI). */
export function createOpenAiApiField(): HTMLElement {
  return h("div", { id: "openai-api-field", hidden: true },
    field("openai-api", "API",
      h("select", { id: "openai-api", "aria-describedby": "openai-api-note" },
        h("option", { value: "auto", text: "Auto" }),
        h("option", { value: "chatCompletions", text: "Chat Completions" }),
        h("option", { value: "responses", text: "Responses API" }),
      ),
      h("p", { id: "openai-api-note", class: "field-note" }),
    ),
  );
}

export interface OpenAiApiField {
  /** The choice in the form. */
  read(): SourceOptions;
  fill(profile: ProfileSummary | null): void;
  /** Shows the field when the form's source is OpenAI. */
  showFor(info: SourceInfo | undefined): void;
}

export function mountOpenAiApiField($: Find, saveEdits: () => void): OpenAiApiField {
  const wrapper = $("openai-api-field");
  const select = $<HTMLSelectElement>("openai-api");
  const note = $("openai-api-note");

  const render = (): void => {
    note.textContent = NOTES[choice(select.value)];
  };

  select.addEventListener("change", () => {
    render();
    saveEdits();
  });

  return {
    read: () => ({ openaiApi: choice(select.value) }),
    fill(profile) {
      setValue(select, profile?.options.source.openaiApi ?? "auto");
      render();
    },
    showFor(info) {
      show(wrapper, info?.settings.includes("openAiApi") ?? false);
    },
  };
}
