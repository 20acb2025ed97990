// OpenAI's API choice in the drawer's Connection section, in jsdom against the in-memory
// backend.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";

let unmount: (() => void) | null = null;

async function mount() {
  const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
  const controller = new Controller(api);
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  return { api, controller };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
};

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

describe("OpenAI's API field", () => {
  it("shows for OpenAI only, says where requests go, and is saved with the profile", async () => {
    const { controller } = await mount();
    const id = controller.store.get().selectedProfileId!;

    choose($<HTMLSelectElement>("source"), "custom");
    expect($("openai-api-field").hidden).toBe(true);
    choose($<HTMLSelectElement>("source"), "openai");
    expect($("openai-api-field").hidden).toBe(false);
    expect($<HTMLSelectElement>("openai-api").value).toBe("auto");
    expect($("openai-api-note").textContent).toContain("codex");

    choose($<HTMLSelectElement>("openai-api"), "responses");
    expect($("openai-api-note").textContent).toContain("/v1/responses for every model");
    await vi.waitFor(() =>
      expect(controller.store.get().profiles.find((p) => p.id === id)?.options.source).toMatchObject({
        openaiApi: "responses",
      }),
    );

    // Hidden for another source; shown again, as saved, when the profile is reopened.
    await controller.selectProfile(null);
    choose($<HTMLSelectElement>("source"), "claude");
    expect($("openai-api-field").hidden).toBe(true);
    await controller.selectProfile(id);
    expect($("openai-api-field").hidden).toBe(false);
    expect($<HTMLSelectElement>("openai-api").value).toBe("responses");
  });
});
