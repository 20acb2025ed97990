/**
 * Opens the window over a backend: the chat, or — when the app could not open its data — only
 * the reason why. Either way the first view that `index.html` painted (see
 * `views/first-view.test.ts`) is dropped once the real window can be shown.
 *
 * Marks the start-up's steps on the page's performance timeline (`switchboard:first-answer`,
 * `switchboard:ready`), where the start-up benchmark reads them.
 */

import type { Api } from "./api";
import { Controller } from "./state/controller";
import { mountApp } from "./views/app-view";
import { mountStartupProblem } from "./views/startup-problem";

export async function start(root: HTMLElement, api: Api): Promise<Controller | null> {
  const problem = await api.startupProblem().catch(() => null);
  mark("switchboard:first-answer");
  if (problem !== null) {
    mountStartupProblem(root, problem);
    dropFirstView();
    return null;
  }
  const controller = new Controller(api);
  mountApp(root, controller);
  await controller.start();
  mark("switchboard:ready");
  dropFirstView();
  return controller;
}

function dropFirstView(): void {
  for (const view of document.querySelectorAll(".first-view")) view.remove();
}

function mark(name: string): void {
  // Not every page this runs in has the User Timing API (the unit tests' DOM has no marks).
  performance.mark?.(name);
}
