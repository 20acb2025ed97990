/**
 * Connecting and the model, in the connection drawer: Connect and the status light (the foot of
 * the "Connection" section), "Bypass status check" (under "Advanced"), and the "Model"
 * section: the model picker (a list when the server lists models, a text field when not,
 * checkboxes for sources that take several models at once) with its refresh button, and "Test
 * message" with its result. Over a list, "Find a model" (`filter-list.ts`) filters it as it is
 * typed, the models of this profile's chats first, each with the context and price the server
 * told; picking one (or "Use … as the model id" for an id the list lacks) chooses it in the list.
 *
 * Must not: save the profile itself (Connect and Test go through the controller with the whole
 * form, which the drawer reads), nor fill the source, URL or key fields.
 */

import type { ModelInfo, ProfileSummary, SourceInfo } from "../api";
import { type AppState, selectedProfile, shownConnection, shownConnectionText } from "../state/app-state";
import type { Controller, ProfileForm } from "../state/controller";
import { modelDetail, pickerModels, recentModels, typedIdOffered } from "../state/model-picker";
import { choosesManyModels, joinModelList, modelOptionLabel, parseModelList } from "../state/profile-form";
import { busyButton, type Find, setBusy, setValue } from "./connect-fields";
import { h, setData, setText, show } from "./dom";
import { createFilterField, type FilterRowGroup, mountFilterField } from "./filter-list";

/** Connect and the status light, at the foot of the "Connection" section. */
export function createConnectRow(): HTMLElement[] {
  return [
    h("div", { class: "connect-row" }, busyButton("connect", "Connect", "submit", "primary")),
    h("div", { class: "status-row", "aria-live": "polite" },
      h("span", { id: "status-light", class: "status-light", role: "img", "aria-label": "Not connected", dataset: { state: "idle" } }),
      h("span", { id: "status-text", class: "status-text", text: "Not connected" }),
    ),
  ];
}

/** "Bypass status check", under "Advanced". */
export function createBypassField(): HTMLElement {
  return h("div", { class: "field" },
    h("label", { class: "check", for: "bypass" },
      h("input", { id: "bypass", type: "checkbox", "aria-describedby": "bypass-note" }),
      " Bypass status check",
    ),
    h("p", { id: "bypass-note", class: "field-note", text: "Connect without asking the server whether it is up (for servers that do not answer the check)." }),
  );
}

/** The model picker and Test message: the "Model" section's fields. */
export function createModelFields(): HTMLElement[] {
  return [
    h("div", { class: "field" },
      h("label", { id: "model-label", for: "model-input", class: "field-label", text: "Model" }),
      h("div", { id: "model-search-row", class: "field-row", hidden: true },
        createFilterField("model-search", { label: "Find a model", placeholder: "Find a model, or type its id", listLabel: "Models" }),
      ),
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
  ];
}

export interface ModelSection {
  /** "Bypass status check" (it saves the form when it changes). */
  readonly bypass: HTMLInputElement;
  /** The model as the form has it (several joined for sources that take several). */
  model(): string | null;
  /** Fills Bypass and, for a new profile, empties the model field. */
  fill(profile: ProfileSummary | null): void;
  /** Moves focus to the model picker. */
  focus(): void;
  render(s: AppState, previous: AppState | null): void;
}

/**
 * `sourceInfo`: a source by kind; `formSource`: the source the form shows (for a profile not
 * saved yet); `readForm`: the whole form, for Test message; `saveEdits`: saves an existing
 * profile after a change.
 */
export function mountModelSection(
  $: Find,
  controller: Controller,
  hooks: { sourceInfo: (kind: string | null) => SourceInfo | undefined; formSource: () => string; readForm: () => ProfileForm; saveEdits: () => void },
): ModelSection {
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
  const searchRow = $("model-search-row");
  /** The state last drawn, for the search's rows. */
  let latest: AppState | null = null;

  /** Chooses `id` in the list (adding it when the list lacks it) and saves. */
  const chooseModel = (id: string): void => {
    if (![...modelSelect.options].some((o) => o.value === id)) {
      modelSelect.prepend(h("option", { value: id, text: `${id} (not in the list)` }));
    }
    setValue(modelSelect, id);
    hooks.saveEdits();
  };

  const searchRows = (query: string): FilterRowGroup[] => {
    const s = latest;
    const models: readonly ModelInfo[] = s?.models ?? [];
    const recent = s ? recentModels(s.chats, s.selectedProfileId) : [];
    const found = pickerModels(models, query, recent);
    const row = (m: ModelInfo) => ({ value: m.id, label: m.name || m.id, detail: modelDetail(m) });
    const groups: FilterRowGroup[] = [];
    if (found.recent.length > 0) groups.push({ label: "Used lately", rows: found.recent.map(row) });
    groups.push({ label: found.recent.length > 0 ? "All models" : null, rows: found.others.map(row) });
    if (typedIdOffered(models, query)) {
      const id = query.trim();
      groups.push({ label: null, always: true, rows: [{ value: id, label: `Use “${id}” as the model id`, detail: "not in the server's list" }] });
    }
    return groups;
  };
  const search = mountFilterField($<HTMLInputElement>("model-search"), { rows: searchRows, onPick: chooseModel });

  refreshModels.setAttribute("aria-label", "Refresh the model list");

  const multiShown = (): boolean => !modelMulti.hidden;

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

  const renderModels = (s: AppState, modelsChanged: boolean): void => {
    const profile = selectedProfile(s);
    const info = hooks.sourceInfo(profile?.source ?? hooks.formSource());
    const models: readonly ModelInfo[] = s.models ?? [];
    const many = choosesManyModels(info) && models.length > 0;
    const useSelect = models.length > 0 && !many;
    show(modelMulti, many);
    show(modelSelect, useSelect);
    show(searchRow, useSelect);
    if (!useSelect) search.close();
    else if (modelsChanged) search.refresh();
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
    const text = shownConnectionText(s);
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

  modelSelect.addEventListener("change", hooks.saveEdits);
  modelInput.addEventListener("change", hooks.saveEdits);
  modelMulti.addEventListener("change", hooks.saveEdits);
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
  test.addEventListener("click", () => void controller.testMessage(hooks.readForm()));

  return {
    bypass,
    model() {
      if (multiShown()) {
        return joinModelList([...modelMulti.querySelectorAll<HTMLInputElement>("input:checked")].map((box) => box.value));
      }
      return (modelSelect.hidden ? modelInput.value.trim() : modelSelect.value) || null;
    },
    fill(profile) {
      if (profile) {
        if (document.activeElement !== bypass) bypass.checked = profile.bypassStatusCheck;
      } else {
        bypass.checked = false;
        modelInput.value = "";
      }
    },
    focus() {
      if (multiShown()) modelMulti.querySelector<HTMLInputElement>('input[tabindex="0"]')?.focus();
      else (modelSelect.hidden ? modelInput : modelSelect).focus();
    },
    render(s, previous) {
      latest = s;
      const first = previous === null;
      const profile = selectedProfile(s);
      if (first || s.models !== previous.models || profile !== selectedProfile(previous)) {
        renderModels(s, first || s.models !== previous.models);
      }
      if (first || s.busy !== previous.busy || s.selectedProfileId !== previous.selectedProfileId) renderBusy(s);
      renderStatus(s);
      if (first || s.testResult !== previous.testResult) renderTest(s);
    },
  };
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
