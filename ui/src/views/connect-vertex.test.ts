// Vertex AI's sign-in in the drawer's Connection section, in jsdom against the in-memory
// backend: the choice of express mode or a service account, "Choose key file…" (the app's file
// dialog; the page learns only the account and project), and the project and region saved with
// the profile. Vertex AI is listed as supported here as the Gemini family lists it once it lands
// (until then the catalogue marks it "coming soon" and the drawer will not keep it chosen).

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi } from "../dev/mock-api";
import { MOCK_SERVICE_ACCOUNT } from "../dev/mock-profiles";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";
import { KEY_FILE_SAVED, NO_KEY_FILE, SAVE_PROFILE_FIRST } from "./connect-vertex";

let unmount: (() => void) | null = null;

async function mount() {
  const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
  const sources = await api.listSources();
  api.listSources = async () => sources.map((s) => (s.kind === "vertexai" ? { ...s, supported: true } : s));
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

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

describe("Vertex AI's sign-in fields", () => {
  it("show for Vertex AI only, choose a key file through the app, and save the project and region", async () => {
    const { api, controller } = await mount();
    const id = controller.store.get().selectedProfileId!;
    const saved = () => controller.store.get().profiles.find((p) => p.id === id);
    expect($("vertex-fields").hidden).toBe(true);

    choose($<HTMLSelectElement>("source"), "vertexai");
    expect($("vertex-fields").hidden).toBe(false);
    expect($<HTMLSelectElement>("vertex-auth").value).toBe("express");
    expect($("vertex-account-fields").hidden).toBe(true);
    expect($("vertex-auth-note").textContent).toContain("express mode");

    choose($<HTMLSelectElement>("vertex-auth"), "serviceAccount");
    expect($("vertex-account-fields").hidden).toBe(false);
    expect($("vertex-key-status").textContent).toBe(NO_KEY_FILE);
    expect($<HTMLInputElement>("vertex-region").placeholder).toBe("global");
    type($<HTMLInputElement>("vertex-project"), " my-vertex-project ");
    type($<HTMLInputElement>("vertex-region"), "europe-west4");
    await vi.waitFor(() =>
      expect(saved()?.options.source).toMatchObject({
        vertexAuth: "serviceAccount",
        vertexProject: "my-vertex-project",
        vertexRegion: "europe-west4",
      }),
    );
    expect(saved()?.source).toBe("vertexai");

    // The key file: chosen in the app's dialog, kept as the profile's key; the page hears the
    // account and project only.
    $<HTMLButtonElement>("vertex-key-file").click();
    await vi.waitFor(() =>
      expect($("vertex-key-status").textContent).toBe(
        `Saved in the keychain: ${MOCK_SERVICE_ACCOUNT.clientEmail} (project ${MOCK_SERVICE_ACCOUNT.projectId}).`,
      ),
    );
    expect(api.calls).toContain(`chooseServiceAccountKey:${id}`);
    await vi.waitFor(() => expect(saved()?.hasKey).toBe(true));

    // Hidden for another source; shown again, as saved, when the profile is reopened.
    await controller.selectProfile(null);
    choose($<HTMLSelectElement>("source"), "custom");
    expect($("vertex-fields").hidden).toBe(true);
    // A profile not saved yet has no key file to choose.
    choose($<HTMLSelectElement>("source"), "vertexai");
    choose($<HTMLSelectElement>("vertex-auth"), "serviceAccount");
    $<HTMLButtonElement>("vertex-key-file").click();
    expect($("vertex-key-status").textContent).toBe(SAVE_PROFILE_FIRST);
    await controller.selectProfile(id);
    expect($("vertex-fields").hidden).toBe(false);
    expect($<HTMLSelectElement>("vertex-auth").value).toBe("serviceAccount");
    expect($<HTMLInputElement>("vertex-project").value).toBe("my-vertex-project");
    expect($<HTMLInputElement>("vertex-region").value).toBe("europe-west4");
    expect([KEY_FILE_SAVED, `Saved in the keychain: ${MOCK_SERVICE_ACCOUNT.clientEmail} (project ${MOCK_SERVICE_ACCOUNT.projectId}).`])
      .toContain($("vertex-key-status").textContent);
  });
});
