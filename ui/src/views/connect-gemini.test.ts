// Gemini's thinking choice in the drawer's Connection section, in jsdom against the in-memory
// backend (the real window's Gemini test is tests/e2e/gemini.mjs).

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

describe("Gemini's thinking field", () => {
  it("shows for Gemini and Vertex AI only and is saved with the profile", async () => {
    const { controller } = await mount();
    const id = controller.store.get().selectedProfileId!;
    expect($("gemini-fields").hidden).toBe(true);

    choose($<HTMLSelectElement>("source"), "vertexai");
    expect($("gemini-fields").hidden).toBe(false);
    choose($<HTMLSelectElement>("source"), "gemini");
    expect($("gemini-fields").hidden).toBe(false);
    expect($<HTMLSelectElement>("gemini-thinking").value).toBe("auto");

    choose($<HTMLSelectElement>("gemini-thinking"), "high");
    await vi.waitFor(() =>
      expect(controller.store.get().profiles.find((p) => p.id === id)?.options.source).toMatchObject({
        geminiThinking: "high",
        azureRoute: "v1",
      }),
    );

    // Hidden for another source; shown again, as saved, when the profile is reopened.
    await controller.selectProfile(null);
    choose($<HTMLSelectElement>("source"), "custom");
    expect($("gemini-fields").hidden).toBe(true);
    await controller.selectProfile(id);
    expect($("gemini-fields").hidden).toBe(false);
    expect($<HTMLSelectElement>("gemini-thinking").value).toBe("high");
  });
});
