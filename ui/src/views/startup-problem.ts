/**
 * The window when the app could not open its data (a damaged database, one from a newer
 * Switchboard, a data folder it cannot write): the core's explanation, as text, with a button
 * that copies it. Nothing else is offered, since nothing else can work.
 */

import { copyWithFeedback, h } from "./dom";

export function mountStartupProblem(root: HTMLElement, message: string): void {
  const copy = h("button", { type: "button", class: "button", "data-testid": "copy-startup-problem", text: "Copy message" });
  copy.addEventListener("click", () => void copyWithFeedback(copy, message));
  root.classList.add("startup-problem");
  root.replaceChildren(
    h("main", { class: "startup-problem-card", role: "alert", "aria-labelledby": "startup-problem-title" },
      h("h1", { id: "startup-problem-title", text: "Switchboard cannot start" }),
      h("p", { id: "startup-problem-message", class: "startup-problem-message", text: message }),
      h("p", { class: "startup-problem-hint", text: "Nothing was changed. Close this window once you have dealt with it, and start Switchboard again." }),
      copy,
    ),
  );
  copy.focus();
}
