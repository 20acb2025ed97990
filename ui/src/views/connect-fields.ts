/**
 * The small pieces the connection drawer's sections share: a section under its heading,
 * labelled fields, busy buttons, the element ids derived from field names, finding an element
 * of the drawer, and setting a field without disturbing the person typing in it.
 *
 * Must not: know about profiles, sources or the controller; each section owns its own fields.
 */

import type { NumericParam } from "../state/profile-form";
import { h } from "./dom";

/** `maxTokens` → `max-tokens`. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Converts a param name to its element id: `maxTokens` → `param-max-tokens`. */
export function paramId(name: NumericParam): string {
  return `param-${kebab(name)}`;
}

/** An instruct template part's element id: `userPrefix` → `instruct-user-prefix`. */
export function templateFieldId(key: string): string {
  return `instruct-${kebab(key)}`;
}

/** A drawer section: a heading and its fields. */
export function drawerSection(id: string, title: string | Node, ...children: Node[]): HTMLElement {
  return h("section", { id, class: "drawer-section", "aria-labelledby": `${id}-title` },
    h("h3", { id: `${id}-title`, class: "drawer-section-title" }, title),
    ...children,
  );
}

/** A labelled field wrapper. */
export function field(labelFor: string, label: string | Node, ...controls: (Node | null)[]): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: labelFor, class: "field-label" }, label), ...controls);
}

/** A button with a spinner that shows while `aria-busy` is true. */
export function busyButton(id: string, label: string, type: "button" | "submit", extraClass = ""): HTMLButtonElement {
  return h("button", { id, type, class: `button ${extraClass}`.trim() },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    h("span", { class: "button-label", text: label }),
  );
}

/** Shows a busy button's spinner and disables it while `busy`. */
export function setBusy(button: HTMLButtonElement, busy: boolean): void {
  button.setAttribute("aria-busy", String(busy));
  button.disabled = busy;
}

/** Finds an element of the drawer by id; throws when the drawer lacks it. */
export type Find = <T extends HTMLElement = HTMLElement>(id: string) => T;

export function finder(drawer: HTMLElement): Find {
  return <T extends HTMLElement = HTMLElement>(id: string): T => {
    const element = drawer.querySelector<T>(`#${id}`);
    if (!element) throw new Error(`#${id} is missing from the drawer`);
    return element;
  };
}

/** Sets a field unless the person is typing in it (a focused select is not being typed in). */
export function setValue(element: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): void {
  const typing = document.activeElement === element && !(element instanceof HTMLSelectElement);
  if (!typing && element.value !== value) element.value = value;
}
