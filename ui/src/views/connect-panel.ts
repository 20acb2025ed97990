/**
 * The connection drawer, in sections, each under its heading: "Connection" (servers found on
 * this computer, the profile, source, URL with its live normalisation preview, API key, Connect
 * and the status light), "Model" (picker and Test message), "System prompt", "Generation"
 * (presets and the sampler fields, each slider beside its number), then the profile's
 * Duplicate and Delete, and "Advanced", collapsed: what is rarely touched (instruct template,
 * context size, prompt post-processing, bypass status check, stream replies, proxy and CA
 * certificates) and the
 * app's settings (theme,
 * connecting on launch, snapshots, deleting all data).
 *
 * What the form shows follows the source: an API choice for sources that serve both chat and
 * text completion; for text completion, the instruct template instead of chat
 * post-processing; only the sampler fields the source accepts; several models at once for AI
 * Horde. "Find local servers" lists the servers answering on this computer (searched once by
 * itself on first launch), each with an Add button.
 *
 * The form's fields are the source of truth while someone edits them; the drawer fills them from
 * the selected profile when the selection or the saved profile changes, skipping the field that
 * has focus. Leaving a field (or changing a select, or choosing a preset) saves an existing
 * profile; a new profile is saved by Connect or "Save as new profile". The API key is never
 * shown: after it is saved the field is emptied and "key saved" appears with a Clear button.
 *
 * Duplicate makes a copy of the shown profile, key included, which is then shown; Delete
 * profile deletes at once, with Undo in the toast; until the pointer leaves the footer the
 * button stays where it was as "Deleted · Undo", so a second click there undoes rather than
 * deleting another profile.
 *
 * This file holds the drawer's frame and section order, the profile fields (switcher, name,
 * Save as new, Duplicate, Delete), reading and filling the whole form, and focus; each section's
 * fields are their own module: `connect-local-servers.ts`, `connect-source.ts` (source, API,
 * URL, key), `connect-model.ts` (Connect, status, model, Test, Bypass), `connect-generation.ts`
 * (system prompt, presets, sliders, post-processing), `connect-instruct.ts`,
 * `connect-network.ts` (proxy, CA certificates), `connect-doctor.ts` ("Check connection" and
 * "Stream replies"), `connect-azure.ts` (Azure OpenAI's route and
 * API version, shown for Azure only), `connect-vertex.ts` (Vertex AI's sign-in: express mode or
 * a service account's key file, project and region), `connect-gemini.ts` (Gemini's thinking, for the sources that offer it),
 * `connect-openai-api.ts` (OpenAI's Chat Completions or Responses API), `connect-keep-alive.ts`
 * (how long Ollama keeps the model loaded)
 * and `connect-app-settings.ts` (theme, auto-connect).
 *
 * Must not: call the backend (only the controller), nor hold a section's own fields or state.
 */

import type { ConnectionOptions, ProfileDraft, ProfileSummary, ProviderKind, SourceInfo } from "../api";
import { type AppState, type FocusTarget, selectedProfile, sourceOf, type UndoDelete } from "../state/app-state";
import { onCommittedChoice } from "./select-commit";
import type { Controller, ProfileForm } from "../state/controller";
import { DEFAULT_CONNECTION_OPTIONS, DEFAULT_INSTRUCT } from "../state/profile-form";
import { heldPlaces } from "../state/undo";
import { createAppSettings, mountAppSettings } from "./connect-app-settings";
import { createAzureFields, mountAzureFields } from "./connect-azure";
import { createVertexFields, mountVertexFields } from "./connect-vertex";
import { createGeminiFields, mountGeminiFields } from "./connect-gemini";
import { createKeepAliveField, mountKeepAliveField } from "./connect-keep-alive";
import { createOpenAiApiField, mountOpenAiApiField } from "./connect-openai-api";
import { createDoctorSection, createStreamField, mountDoctor } from "./connect-doctor";
import { drawerSection, field, finder, setValue } from "./connect-fields";
import {
  createGenerationSettings,
  createPostProcessingFields,
  createSystemPromptSection,
  mountGenerationSettings,
} from "./connect-generation";
import { createInstructSettings, mountInstructSettings } from "./connect-instruct";
import { createLocalServers, mountLocalServers } from "./connect-local-servers";
import { createNetworkSettings, mountNetworkSettings } from "./connect-network";
import { createBypassField, createConnectRow, createModelFields, mountModelSection } from "./connect-model";
import { createSourceSection, mountSourceSection } from "./connect-source";
import { h, show } from "./dom";
import { kbd, modKey } from "./keys";

export { NO_LOCAL_SERVERS, SEARCHING_LOCAL_SERVERS } from "./connect-local-servers";
export { UNENCRYPTED_WARNING } from "./connect-source";

/** A new profile's source choices (Azure's route): the backend's defaults. */
const DEFAULT_SOURCE_OPTIONS: ConnectionOptions["source"] = DEFAULT_CONNECTION_OPTIONS.source;

export function createConnectPanel(): HTMLElement {
  return h("aside", { id: "drawer", class: "drawer", "aria-labelledby": "drawer-title", hidden: true },
    h("div", { class: "drawer-header" },
      h("h2", { id: "drawer-title", text: "Connection settings" }),
      kbd(modKey(), "K"),
      h("button", { id: "drawer-close", type: "button", class: "icon-button", "aria-label": "Close connection panel", text: "×" }),
    ),
    h("p", { id: "drawer-intro", class: "drawer-intro", hidden: true,
      text: "Connect to a model: add a server found on this computer, or pick a source, fill in what it needs, then Connect." }),
    h("form", { id: "connect-form", class: "drawer-form", novalidate: true, autocomplete: "off" },
      drawerSection("connection-section", "Connection",
        createLocalServers(),
        field("profile-switcher", "Profile", h("select", { id: "profile-switcher" })),
        field("profile-name", "Profile name",
          h("div", { class: "field-row" },
            h("input", { id: "profile-name", type: "text", spellcheck: false, autocomplete: "off" }),
            h("button", { id: "save-profile", type: "button", class: "button", text: "Save as new profile" }),
          ),
        ),
        ...createSourceSection(),
        createAzureFields(),
        createVertexFields(),
        createGeminiFields(),
        createOpenAiApiField(),
        createKeepAliveField(),
        ...createConnectRow(),
        createDoctorSection(),
      ),
      drawerSection("model-section", "Model", ...createModelFields()),
      createSystemPromptSection(),
      createGenerationSettings(),
      h("div", { class: "drawer-footer" },
        h("button", {
          id: "duplicate-profile", type: "button", class: "button", "data-testid": "duplicate-profile", text: "Duplicate",
          title: "Save a copy of this profile, key included, and show it",
        }),
        h("button", { id: "delete-profile", type: "button", class: "button danger-quiet", "data-testid": "delete-profile", text: "Delete profile" }),
      ),
    ),
    h("details", { id: "drawer-advanced", class: "drawer-advanced" },
      h("summary", { id: "drawer-advanced-title", class: "drawer-section-title", text: "Advanced" }),
      h("div", { id: "profile-advanced", class: "advanced-group", role: "group", "aria-labelledby": "profile-advanced-title" },
        h("h4", { id: "profile-advanced-title", class: "section-title", text: "This profile" }),
        createInstructSettings(),
        ...createPostProcessingFields(),
        createBypassField(),
        createStreamField(),
        createNetworkSettings(),
      ),
      createAppSettings(),
    ),
  );
}

/** Wires the drawer to the controller. */
export function mountConnectPanel(drawer: HTMLElement, controller: Controller): void {
  const $ = finder(drawer);
  const form = $<HTMLFormElement>("connect-form");
  const intro = $("drawer-intro");
  const switcher = $<HTMLSelectElement>("profile-switcher");
  const name = $<HTMLInputElement>("profile-name");
  const saveNew = $<HTMLButtonElement>("save-profile");
  const remove = $<HTMLButtonElement>("delete-profile");
  const duplicate = $<HTMLButtonElement>("duplicate-profile");

  const state = (): AppState => controller.store.get();
  const sourceInfo = (kind: string | null): SourceInfo | undefined => sourceOf(state(), kind);

  const saveEdits = (): void => {
    if (selectedProfile(state())) void controller.saveEdits({ ...readForm(), key: "" });
  };

  const localServers = mountLocalServers($, controller);
  const sourceSection = mountSourceSection($, controller, {
    state,
    sourceInfo,
    onDetailsChanged: () => renderSourceDetails(),
    saveEdits,
  });
  const modelSection = mountModelSection($, controller, {
    sourceInfo,
    formSource: () => sourceSection.source.value,
    readForm: () => readForm(),
    saveEdits,
  });
  const instruct = mountInstructSettings($, state, saveEdits);
  const generation = mountGenerationSettings($, {
    onPostProcessing: () => renderSourceDetails(),
    saveEdits,
    sourceInfo: () => sourceInfo(sourceSection.source.value),
  });
  const network = mountNetworkSettings($, saveEdits);
  const appSettings = mountAppSettings($, controller);
  const azure = mountAzureFields($, saveEdits);
  const vertex = mountVertexFields($, {
    profile: () => selectedProfile(state()) ?? null,
    chooseKeyFile: () => controller.chooseServiceAccountKey(),
    saveEdits,
  });
  const gemini = mountGeminiFields($, saveEdits);
  const openaiApi = mountOpenAiApiField($, saveEdits);
  const keepAlive = mountKeepAliveField($, saveEdits);
  const doctor = mountDoctor($, controller, saveEdits);
  const { source, url, key } = sourceSection;

  /** The form as a profile draft plus the typed key. */
  const readForm = (): ProfileForm => {
    const profile = selectedProfile(state());
    const info = sourceInfo(source.value);
    const draft: ProfileDraft = {
      id: profile?.id ?? null,
      name: name.value.trim() || profile?.name || "",
      source: source.value as ProviderKind,
      url: url.value.trim(),
      model: modelSection.model(),
      ...generation.read(info),
      api: sourceSection.apiToSave(info),
      instruct: instruct.read(),
      bypassStatusCheck: modelSection.bypass.checked,
      options: {
        network: network.read(),
        source: {
          ...(profile?.options.source ?? DEFAULT_SOURCE_OPTIONS),
          ...(info?.settings.includes("azureRoute") ? azure.read() : {}),
          ...(info?.settings.includes("vertexAuth") ? vertex.read() : {}),
          ...(info?.settings.includes("geminiThinking") ? gemini.read() : {}),
          ...(info?.settings.includes("openAiApi") ? openaiApi.read() : {}),
          ...(info?.settings.includes("ollamaKeepAlive") ? keepAlive.read() : {}),
        },
        streamReplies: doctor.streamReplies(),
      },
    };
    return { draft, key: key.value };
  };

  // ------------------------------------------------------------------ filling the form

  const renderSwitcher = (s: AppState): void => {
    const options = s.profiles.map((p) => h("option", { value: p.id, text: p.name }));
    options.unshift(h("option", { value: "", text: "New profile…" }));
    switcher.replaceChildren(...options);
    switcher.value = s.selectedProfileId ?? "";
  };

  const fillFromProfile = (profile: ProfileSummary | null, s: AppState): void => {
    if (profile) {
      setValue(name, profile.name);
    } else {
      name.value = "";
    }
    sourceSection.fill(profile, s);
    azure.fill(profile);
    vertex.fill(profile);
    gemini.fill(profile);
    openaiApi.fill(profile);
    keepAlive.fill(profile);
    doctor.fill(profile);
    modelSection.fill(profile);
    generation.fill(profile);
    network.fill(profile);
    if (profile) {
      instruct.fill(profile.instruct);
    } else {
      instruct.clear();
      instruct.fill(DEFAULT_INSTRUCT);
    }
    name.placeholder = sourceInfo(source.value)?.label ?? "Profile name";
    renderSourceDetails();
  };

  /** What depends on the source and the API: which fields show, and the notes. */
  const renderSourceDetails = (): void => {
    const info = sourceInfo(source.value);
    const api = sourceSection.formApi();
    const chat = api === "chatCompletion";
    sourceSection.showDetails(info, api);
    azure.showFor(info);
    vertex.showFor(info);
    gemini.showFor(info);
    openaiApi.showFor(info);
    keepAlive.showFor(info);
    instruct.show(!chat);
    generation.showFor(info, chat);
  };

  // ------------------------------------------------------------------ events

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void controller.connect(readForm());
  });

  // Arrow keys show each profile passed over; a click, Enter or leaving the list connects.
  onCommittedChoice(
    switcher,
    (value) => {
      const id = value || null;
      void controller.selectProfile(id, { connect: id !== null });
      if (id === null) name.focus();
    },
    (value) => void controller.selectProfile(value || null),
  );

  for (const input of [name, url, modelSection.bypass, ...generation.inputs, instruct.contextSize, ...network.inputs]) {
    input.addEventListener("change", saveEdits);
  }

  saveNew.addEventListener("click", () => void controller.saveAsNew(readForm()));
  drawer.querySelector("#drawer-close")?.addEventListener("click", () => controller.toggleDrawer(false));

  duplicate.addEventListener("click", () => void controller.duplicateSelectedProfile());

  /** The profile deleted last while its button still holds its place. */
  const heldDelete = (s: AppState): UndoDelete | null => heldPlaces(s.undoStack, "profile").at(-1) ?? null;
  /**
   * Where Delete was on screen when it was clicked, while it holds its place: the form shown
   * next may be taller or shorter, so a spacer above the footer (or scrolling the drawer) keeps
   * the button under the pointer.
   */
  let pinnedTop: number | null = null;
  const footer = remove.parentElement!;
  const spacer = h("div", { class: "footer-spacer", "aria-hidden": "true", hidden: true });
  footer.before(spacer);
  // Room below everything, so that the drawer can scroll the button back up when the form grew.
  const tail = h("div", { class: "footer-spacer", "aria-hidden": "true", hidden: true });
  drawer.append(tail);
  /** The deletion pinned has been offered back (until then, `held` is false for it too). */
  let pinnedHeld = false;
  const keepInPlace = (held: boolean): void => {
    if (!held || pinnedTop === null) {
      // Let go once its offer has ended (or the pointer left), not while the deletion is on its way.
      if (pinnedHeld || held) pinnedTop = null;
      pinnedHeld = false;
      for (const element of [spacer, tail]) {
        element.style.height = "";
        show(element, false);
      }
      return;
    }
    pinnedHeld = true;
    show(spacer, true);
    show(tail, true);
    const moved = (): number => pinnedTop! - remove.getBoundingClientRect().top;
    spacer.style.height = `${Math.max(0, spacer.offsetHeight + moved())}px`;
    const down = -moved();
    if (down < 1) return;
    const room = drawer.scrollHeight - drawer.clientHeight - drawer.scrollTop;
    if (room < down) tail.style.height = `${tail.offsetHeight + down - room}px`;
    drawer.scrollTop += down;
  };
  // The form may still change height after a render (fields laid out later): follow it.
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => keepInPlace(heldDelete(state()) !== null)).observe(form);
  }
  remove.addEventListener("click", () => {
    const held = heldDelete(state());
    if (held) {
      void controller.undoDelete(held.id);
      return;
    }
    pinnedTop = remove.getBoundingClientRect().top;
    pinnedHeld = false;
    void controller.deleteSelectedProfile();
  });
  footer.addEventListener("pointerleave", () => controller.releaseUndoPlaces("profile"));
  const renderFooter = (s: AppState): void => {
    const held = heldDelete(s);
    const profile = selectedProfile(s);
    remove.textContent = held ? "Deleted · Undo" : "Delete profile";
    if (held) {
      remove.dataset.undo = String(held.id);
      remove.setAttribute("aria-label", `Undo deleting “${held.title}”`);
    } else {
      delete remove.dataset.undo;
      remove.removeAttribute("aria-label");
    }
    show(remove, held !== null || profile !== null);
    // Hidden but in place while the button holds its place, so that nothing moves under the pointer.
    show(duplicate, profile !== null || held !== null);
    duplicate.style.visibility = profile === null ? "hidden" : "";
  };

  // ------------------------------------------------------------------ store → DOM

  const render = (s: AppState, previous: AppState | null): void => {
    const first = previous === null;
    show(drawer, s.drawerOpen);
    show(intro, s.ready && s.profiles.length === 0);
    if (first || s.sources !== previous.sources) sourceSection.renderSources(s.sources);
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
    }
    if (selectionChanged || profileChanged || s.undoStack !== previous?.undoStack) renderFooter(s);
    appSettings.render(s, previous);
    sourceSection.render(s, previous);
    modelSection.render(s, previous);
    localServers.render(s, previous);
    doctor.render(s, previous);
    keepInPlace(heldDelete(s) !== null);
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
          modelSection.focus();
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
