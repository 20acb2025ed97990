// Ollama's keep-alive in the drawer's Connection section, in jsdom against the in-memory
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

describe("Ollama's keep-alive field", () => {
  it("shows for the sources that offer it, and is saved with the profile, empty as none", async () => {
    const { controller } = await mount();
    const id = controller.store.get().selectedProfileId!;

    choose($<HTMLSelectElement>("source"), "openai");
    expect($("keep-alive-field").hidden).toBe(true);
    choose($<HTMLSelectElement>("source"), "ollama");
    expect($("keep-alive-field").hidden).toBe(false);

    const input = $<HTMLInputElement>("keep-alive");
    input.value = " 1h ";
    input.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() =>
      expect(controller.store.get().profiles.find((p) => p.id === id)?.options.source).toMatchObject({
        ollamaKeepAlive: "1h",
      }),
    );

    // Shown again, as saved, when the profile is reopened; emptied, none is sent.
    await controller.selectProfile(null);
    choose($<HTMLSelectElement>("source"), "claude");
    expect($("keep-alive-field").hidden).toBe(true);
    await controller.selectProfile(id);
    expect($("keep-alive-field").hidden).toBe(false);
    expect(input.value).toBe("1h");
    input.value = "";
    input.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() =>
      expect(controller.store.get().profiles.find((p) => p.id === id)?.options.source).toMatchObject({
        ollamaKeepAlive: null,
      }),
    );
  });
});
