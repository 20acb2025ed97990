/**
 * Start-up: styles, the controller over the real backend, the window.
 *
 * In a plain browser during development (`npm run dev`, then open `/?mock`), a fake backend
 * stands in for Tauri so the window can be tried and screenshotted without the Rust shell. The
 * fake is excluded from production builds.
 */

import "katex/dist/katex.min.css";
import "./styles/base.css";
import "./styles/layout.css";
import "./styles/chat.css";
import "./styles/attachments.css";
import "./styles/markdown.css";
import "./styles/drawer.css";
import { tauriApi, type Api } from "./api";
import { start } from "./start";

async function backend(): Promise<Api> {
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has("mock")) {
    const { createMockApi } = await import("./dev/mock-api");
    return createMockApi({ scenario: new URLSearchParams(window.location.search).get("mock") ?? "" });
  }
  return tauriApi;
}

async function main(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) throw new Error("#app is missing from index.html");
  await start(root, await backend());
}

void main();
