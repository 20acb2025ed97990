/**
 * Ollama's `keep_alive` in the drawer's Connection section, shown for the sources whose catalogue
 * entry offers it: how long the server keeps the model loaded after a request ("5m", "1h", a
 * number of seconds, -1 for ever); empty sends none (the server's default, 5 minutes).
 *
 * Must not: save the profile itself (it asks the drawer through `saveEdits`), read the value
 * (the core sends it as the server takes it), nor know any other source's fields.
 */

import type { ConnectionOptions, ProfileSummary, SourceInfo } from "../api";
import { field, type Find, setValue } from "./connect-fields";
import { h, show } from "./dom";

/** The source option this field sets. */
type SourceOptions = Pick<ConnectionOptions["source"], "ollamaKeepAlive">;

/** The field (hidden until the source offers it). */
export function createKeepAliveField(): HTMLElement {
  return h("div", { id: "keep-alive-field", hidden: true },
    field("keep-alive", "Keep the model loaded for",
      h("input", {
        id: "keep-alive", type: "text", autocomplete: "off", spellcheck: "false",
        placeholder: "5m (the server's default)", "aria-describedby": "keep-alive-note",
      }),
      h("p", {
        id: "keep-alive-note", class: "field-note",
        text: "After each reply: 10m, 1h, seconds, or -1 to keep it loaded. Empty: the server's default.",
      }),
    ),
  );
}

export interface KeepAliveField {
  /** The value in the form (`null` when empty). */
  read(): SourceOptions;
  fill(profile: ProfileSummary | null): void;
  /** Shows the field when the form's source offers it. */
  showFor(info: SourceInfo | undefined): void;
}

export function mountKeepAliveField($: Find, saveEdits: () => void): KeepAliveField {
  const wrapper = $("keep-alive-field");
  const input = $<HTMLInputElement>("keep-alive");
  input.addEventListener("change", saveEdits);
  return {
    read: () => ({ ollamaKeepAlive: input.value.trim() || null }),
    fill(profile) {
      setValue(input, profile?.options.source.ollamaKeepAlive ?? "");
    },
    showFor(info) {
      show(wrapper, info?.settings.includes("ollamaKeepAlive") ?? false);
    },
  };
}
