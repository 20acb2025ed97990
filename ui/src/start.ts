/**
 * Opens the window over a backend: the chat, or — when the app could not open its data — only
 * the reason why.
 */

import type { Api } from "./api";
import { Controller } from "./state/controller";
import { mountApp } from "./views/app-view";
import { mountStartupProblem } from "./views/startup-problem";

export async function start(root: HTMLElement, api: Api): Promise<Controller | null> {
  const problem = await api.startupProblem().catch(() => null);
  if (problem !== null) {
    mountStartupProblem(root, problem);
    return null;
  }
  const controller = new Controller(api);
  mountApp(root, controller);
  await controller.start();
  return controller;
}
