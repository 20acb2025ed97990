/**
 * The instruct settings of the connection drawer, under "Advanced": the instruct template (pick
 * a built-in, edit it, reset it), shown for text completion, and the context size, shown for
 * both APIs (chat completion is fitted to it too).
 *
 * Must not: save anything or call the controller (it asks the drawer to save the form through
 * `saveEdits`), nor decide when it shows; the drawer says so.
 */

import type { InstructSettings, InstructTemplate, TemplateKind } from "../api";
import type { AppState } from "../state/app-state";
import { selectedProfile } from "../state/app-state";
import {
  builtInTemplate,
  CUSTOM_TEMPLATE,
  DEFAULT_INSTRUCT,
  formatNumber,
  formatStopStrings,
  instructFromForm,
  parseStopStrings,
  shownTemplate,
  TEMPLATE_FIELDS,
  templateChoice,
} from "../state/profile-form";
import { field, type Find, setValue, templateFieldId } from "./connect-fields";
import { h, show } from "./dom";

export function createInstructSettings(): HTMLElement {
  const contextSize = h("input", { id: "context-size", type: "number", min: "256", max: "2000000", step: "1", inputmode: "numeric", placeholder: "the server's (or 4096)", "aria-describedby": "context-size-note" });
  // Under "Advanced", outside the form's element but part of it: Enter in it connects.
  contextSize.setAttribute("form", "connect-form");
  return h("div", { class: "instruct-settings" }, h("div", { id: "instruct-section", class: "instruct-section", hidden: true },
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
  ),
    field("context-size", "Context size (tokens)",
      contextSize,
      h("p", { id: "context-size-note", class: "field-note", text: "Empty: what the server reports, or the model's known size (4096 for a local server that does not say). The oldest messages are left out when the chat is longer." }),
    ),
  );
}

export interface InstructSection {
  /** The context size field (it saves the form when it changes). */
  readonly contextSize: HTMLInputElement;
  /** Fills the section from saved instruct settings. */
  fill(instruct: InstructSettings): void;
  /** Empties the context size (a new profile). */
  clear(): void;
  /** The instruct settings as the form has them (the profile's until the templates are known). */
  read(): InstructSettings;
  /** Shows the template (text completion); the context size shows for both APIs. */
  show(visible: boolean): void;
}

export function mountInstructSettings($: Find, state: () => AppState, saveEdits: () => void): InstructSection {
  const instructSection = $("instruct-section");
  const templateSelect = $<HTMLSelectElement>("instruct-template");
  const templateInputs = TEMPLATE_FIELDS.map(({ key: part }) => [part, $<HTMLTextAreaElement>(templateFieldId(part))] as const);
  const templateStop = $<HTMLTextAreaElement>("instruct-stop");
  const templateReset = $<HTMLButtonElement>("instruct-reset");
  const contextSize = $<HTMLInputElement>("context-size");

  /** The built-in template the shown (possibly edited) template is based on. */
  let templateBase: TemplateKind = DEFAULT_INSTRUCT.template;

  /** The template editor's fields. */
  const readTemplate = (): InstructTemplate => {
    const template = { stop: parseStopStrings(templateStop.value) } as InstructTemplate;
    for (const [part, input] of templateInputs) template[part] = input.value;
    return template;
  };

  const readInstruct = (): InstructSettings => {
    const { templates } = state();
    const saved = selectedProfile(state())?.instruct ?? DEFAULT_INSTRUCT;
    if (templates.length === 0) return saved;
    return instructFromForm(
      { choice: templateSelect.value, base: templateBase, edited: readTemplate(), contextSize: contextSize.value },
      templates,
    );
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

  return {
    contextSize,
    fill(instruct) {
      templateBase = instruct.template;
      renderTemplateSelect(instruct);
      fillTemplate(shownTemplate(instruct, state().templates));
      setValue(contextSize, formatNumber(instruct.contextSize));
    },
    clear() {
      contextSize.value = "";
    },
    read: readInstruct,
    show(visible) {
      show(instructSection, visible);
    },
  };
}
