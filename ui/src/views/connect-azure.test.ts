// Azure OpenAI's route and API version in the drawer's Connection section, in jsdom against the
// in-memory backend (the real window's test is tests/e2e/azure.mjs).

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

describe("Azure OpenAI's fields", () => {
  it("show for Azure only, the version for the deployments route only, and are saved with the profile", async () => {
    const { controller } = await mount();
    const id = controller.store.get().selectedProfileId!;
    expect($("azure-fields").hidden).toBe(true);

    choose($<HTMLSelectElement>("source"), "azure_openai");
    expect($("azure-fields").hidden).toBe(false);
    expect($<HTMLSelectElement>("azure-route").value).toBe("v1");
    expect($("azure-api-version-field").hidden).toBe(true);
    expect($("azure-route-note").textContent).toContain("/openai/v1/chat/completions");

    choose($<HTMLSelectElement>("azure-route"), "deployments");
    expect($("azure-api-version-field").hidden).toBe(false);
    expect($<HTMLInputElement>("azure-api-version").placeholder).toBe("2024-10-21");
    const version = $<HTMLInputElement>("azure-api-version");
    version.value = "2025-04-01-preview";
    version.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() =>
      expect(controller.store.get().profiles.find((p) => p.id === id)?.options.source).toMatchObject({
        azureRoute: "deployments",
        azureApiVersion: "2025-04-01-preview",
        ollamaKeepAlive: null,
      }),
    );

    // Hidden for another source; shown again, as saved, when the profile is reopened.
    await controller.selectProfile(null);
    choose($<HTMLSelectElement>("source"), "custom");
    expect($("azure-fields").hidden).toBe(true);
    await controller.selectProfile(id);
    expect($("azure-fields").hidden).toBe(false);
    expect($<HTMLSelectElement>("azure-route").value).toBe("deployments");
    expect($<HTMLInputElement>("azure-api-version").value).toBe("2025-04-01-preview");
  });
});
