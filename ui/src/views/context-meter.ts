/**
 * The context meter under the message box: how full the model's context was with the latest
 * request of the chat on screen (the prompt and the reply length reserved, of the context size),
 * as a thin bar and a line of text. Hidden until the core has said, for this chat.
 *
 * Must not: estimate anything itself (the core counts and fits the prompt), nor call the
 * controller.
 */

import type { AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { contextPercent, contextUsedLabel } from "../state/generation";
import { h, setText, show } from "./dom";

export interface ContextMeterElements {
  root: HTMLElement;
  bar: HTMLElement;
  label: HTMLElement;
}

export function createContextMeter(): ContextMeterElements {
  const bar = h("span", { class: "context-meter-fill" });
  const label = h("span", { class: "context-meter-label" });
  const root = h("div", {
    id: "context-meter",
    class: "context-meter",
    role: "meter",
    "aria-label": "Context used",
    "aria-valuemin": "0",
    "aria-valuemax": "100",
    hidden: true,
  }, h("span", { class: "context-meter-track", "aria-hidden": "true" }, bar), label);
  return { root, bar, label };
}

export function mountContextMeter(elements: ContextMeterElements, controller: Controller): void {
  const render = (state: AppState): void => {
    const used = state.contextUsed;
    const here = used !== null && used.chatId !== null && used.chatId === state.chatId;
    show(elements.root, here);
    if (!here) return;
    const percent = contextPercent(used);
    const text = contextUsedLabel(used);
    elements.root.setAttribute("aria-valuenow", String(percent));
    elements.root.setAttribute("aria-valuetext", text);
    elements.root.dataset.level = percent >= 90 ? "full" : percent >= 70 ? "high" : "ok";
    elements.bar.style.width = `${percent}%`;
    setText(elements.label, text);
  };
  controller.store.subscribe((state, previous) => {
    if (state.contextUsed !== previous.contextUsed || state.chatId !== previous.chatId) render(state);
  });
  render(controller.store.get());
}
