/**
 * The chat header's picker: the profile and model that will answer the next message of the
 * chat on screen, changeable for this chat alone (the default for new chats stays). A stored
 * chat shows the ones it used last; a new chat, the default's.
 *
 * Must not: connect, save a profile, or change the drawer's selection (the controller's
 * `setChatTarget` only sets who answers this chat).
 */

import { type AppState, chatAnswerer } from "../state/app-state";
import type { Controller } from "../state/controller";
import { h } from "./dom";
import { onCommittedChoice } from "./select-commit";

export interface ChatHeaderElements {
  root: HTMLElement;
  profile: HTMLSelectElement;
  model: HTMLInputElement;
  models: HTMLDataListElement;
}

export function createChatHeader(): ChatHeaderElements {
  const profile = h("select", { id: "chat-profile", class: "chat-target-profile", "aria-label": "Profile that answers this chat" });
  const model = h("input", {
    id: "chat-model",
    class: "chat-target-model",
    type: "text",
    autocomplete: "off",
    spellcheck: false,
    placeholder: "Model",
    "aria-label": "Model that answers this chat",
  });
  // `list` is a read-only property: the attribute names the suggestions.
  model.setAttribute("list", "chat-model-options");
  const models = h("datalist", { id: "chat-model-options" });
  const root = h("div", { id: "chat-target", class: "chat-target", role: "group", "aria-label": "Who answers" }, profile, model, models);
  return { root, profile, model, models };
}

export function mountChatHeader(elements: ChatHeaderElements, controller: Controller): void {
  const { root, profile, model, models } = elements;
  /** Model lists asked of each profile's server, by profile id (asked once, when the field is used). */
  const listed = new Map<string, readonly string[]>();
  const state = (): AppState => controller.store.get();

  onCommittedChoice(profile, (id) => {
    if (id !== "") void controller.setChatTarget(id, null);
  });
  model.addEventListener("change", () => {
    const answerer = chatAnswerer(state());
    if (answerer) void controller.setChatTarget(answerer.profile.id, model.value);
  });
  model.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      // Enter takes the model typed (leaving the field commits it).
      event.preventDefault();
      model.blur();
    } else if (event.key === "Escape") {
      // Back to the model that answers now, and out of the field.
      event.stopPropagation();
      model.value = chatAnswerer(state())?.model ?? "";
      model.blur();
    }
  });
  model.addEventListener("focus", () => {
    const id = chatAnswerer(state())?.profile.id;
    if (!id || listed.has(id)) return;
    listed.set(id, []);
    void controller.modelsOf(id).then((found) => {
      listed.set(id, found);
      render(state());
    });
  });

  const render = (s: AppState): void => {
    const answerer = chatAnswerer(s);
    root.hidden = s.profiles.length === 0;
    const ids = s.profiles.map((p) => p.id).join("\n");
    if (profile.dataset.ids !== ids || [...profile.options].some((o, i) => o.text !== s.profiles[i]?.name)) {
      profile.replaceChildren(...s.profiles.map((p) => h("option", { value: p.id, text: p.name })));
      profile.dataset.ids = ids;
    }
    if (document.activeElement !== profile) profile.value = answerer?.profile.id ?? "";
    if (document.activeElement !== model) model.value = answerer?.model ?? "";
    const known = new Set<string>();
    if (answerer) {
      const id = answerer.profile.id;
      if (answerer.profile.model) known.add(answerer.profile.model);
      if (s.selectedProfileId === id) for (const m of s.models ?? []) known.add(m.id);
      for (const m of listed.get(id) ?? []) known.add(m);
      for (const chat of s.chats) if (chat.profileId === id && chat.model) known.add(chat.model);
    }
    const values = [...known].join("\n");
    if (models.dataset.values !== values) {
      models.replaceChildren(...[...known].map((m) => h("option", { value: m })));
      models.dataset.values = values;
    }
    const who = answerer ? `${answerer.profile.name}${answerer.model ? ` · ${answerer.model}` : ""}` : "";
    root.title = who ? `The next message goes to ${who}` : "";
  };
  controller.store.subscribe(render);
  render(state());
}
