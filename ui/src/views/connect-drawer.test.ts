// The connection drawer's sections, its sliders and presets, and the theme switch, in jsdom
// against the in-memory backend (the real window's layout is tests/e2e/drawer.mjs's).

import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError } from "../api";
import { createMockApi, type MockOptions } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";
import { GENERATION_PRESETS, matchingPreset, presetValues } from "./connect-presets";
import { formatStep, pairSlider } from "./connect-slider";
import { applyTheme } from "./theme";

let unmount: (() => void) | null = null;

async function mount(scenario = "chat", options: MockOptions = {}) {
  const api = createMockApi({ scenario, tick: 0, latency: 0, ...options });
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

/** Moves a slider as the pointer does: `input` while dragging, `change` on release. */
function drag(slider: HTMLInputElement, value: string): void {
  slider.value = value;
  slider.dispatchEvent(new Event("input", { bubbles: true }));
  slider.dispatchEvent(new Event("change", { bubbles: true }));
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
  delete document.documentElement.dataset.theme;
});

describe("the drawer's sections", () => {
  it("come in order under their headings, Advanced last and collapsed", async () => {
    await mount();
    const titles = [...$("drawer").querySelectorAll(".drawer-section-title")].map((t) => t.textContent);
    expect(titles).toEqual(["Connection", "Model", "System prompt", "Generation", "Advanced"]);
    const advanced = $<HTMLDetailsElement>("drawer-advanced");
    expect(advanced.open).toBe(false);
    // Connection holds the profile, source, URL, key, Connect and the status; the rarely
    // touched fields and the app's settings are under Advanced.
    for (const id of ["profile-switcher", "source", "url", "api-key", "connect", "status-light"]) {
      expect($(id).closest("#connection-section"), id).not.toBeNull();
    }
    expect($("model-select").closest("#model-section")).not.toBeNull();
    expect($("system-prompt").closest("#system-prompt-section")).not.toBeNull();
    for (const id of ["instruct-template", "context-size", "bypass", "post-processing", "theme-dark", "auto-connect"]) {
      expect(advanced.contains($(id)), id).toBe(true);
    }
    // Enter in a field under Advanced still connects: it belongs to the form.
    expect($<HTMLInputElement>("context-size").form?.id).toBe("connect-form");
  });
});

describe("a slider and its number", () => {
  function pair(value = "") {
    const number = document.createElement("input");
    number.type = "number";
    number.value = value;
    const slider = document.createElement("input");
    slider.type = "range";
    slider.min = "0";
    slider.max = "2";
    slider.step = "0.05";
    document.body.append(number, slider);
    return { number, slider, pair: pairSlider(number, slider, 0.05) };
  }

  it("stay in step both ways", () => {
    const { number, slider } = pair("0.7");
    expect(slider.value).toBe("0.7");
    expect(slider.dataset.unset).toBe("false");
    drag(slider, "1.25");
    expect(number.value).toBe("1.25");
    type(number, "0.35");
    expect(slider.value).toBe("0.35");
  });

  it("passes the slider's release on as the number's change, which is what saves", () => {
    const { number, slider } = pair("0.7");
    const changed = vi.fn();
    number.addEventListener("change", changed);
    slider.value = "0.9";
    slider.dispatchEvent(new Event("input"));
    expect(changed).not.toHaveBeenCalled();
    slider.dispatchEvent(new Event("change"));
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it("rests unset in the middle for an empty number, and pins past its ends", () => {
    const { number, slider, pair: sync } = pair("");
    expect(slider.dataset.unset).toBe("true");
    expect(slider.value).toBe("1");
    type(number, "4.5");
    expect(slider.value).toBe("2");
    expect(number.value).toBe("4.5");
    number.value = "";
    sync.sync();
    expect(slider.dataset.unset).toBe("true");
    drag(slider, "0.4");
    expect(slider.dataset.unset).toBe("false");
    expect(number.value).toBe("0.4");
  });

  it("rests where the value sent instead is, when there is one", () => {
    const number = document.createElement("input");
    const slider = document.createElement("input");
    slider.type = "range";
    slider.min = "16";
    slider.max = "4096";
    pairSlider(number, slider, 1, 300);
    expect(slider.value).toBe("300");
    expect(slider.dataset.unset).toBe("true");
  });

  it("writes numbers without float noise", () => {
    expect(formatStep(0.1 + 0.2, 0.01)).toBe("0.3");
    expect(formatStep(1.15000000001, 0.05)).toBe("1.15");
    expect(formatStep(512, 1)).toBe("512");
  });

  it("are drawn for the sampler settings, and a drag is saved with the profile", async () => {
    const { controller } = await mount();
    const id = controller.store.get().selectedProfileId!;
    const slider = $<HTMLInputElement>("param-temperature-slider");
    expect(slider.type).toBe("range");
    expect(slider.value).toBe("0.7");
    expect($("param-seed-field").querySelector("input[type=range]")).toBeNull();
    drag(slider, "1.3");
    expect($<HTMLInputElement>("param-temperature").value).toBe("1.3");
    await vi.waitFor(() => expect(controller.store.get().profiles.find((p) => p.id === id)?.params.temperature).toBe(1.3));
    // Shown again when the profile is reopened.
    await controller.selectProfile(null);
    expect(slider.dataset.unset).toBe("true");
    await controller.selectProfile(id);
    expect(slider.value).toBe("1.3");
    expect($<HTMLInputElement>("param-temperature").value).toBe("1.3");
  });
});

describe("presets", () => {
  it("are data: each sets temperature, and only what the source accepts", () => {
    expect(GENERATION_PRESETS.map((p) => p.label)).toEqual(["Precise", "Balanced", "Creative"]);
    const temperatures = GENERATION_PRESETS.map((p) => p.values.temperature!);
    expect([...temperatures].sort((a, b) => a - b)).toEqual(temperatures);
    const balanced = GENERATION_PRESETS[1]!;
    expect(presetValues(balanced, ["temperature", "topP", "stop"]).map(([param]) => param)).toEqual(["temperature", "topP"]);
    expect(presetValues(balanced, ["stop"])).toEqual([]);
  });

  it("knows which preset the fields hold", () => {
    const fields: Record<string, number | null> = { temperature: 0.7, topP: 0.95 };
    const read = (param: string) => fields[param] ?? null;
    expect(matchingPreset(read, ["temperature", "topP"])?.id).toBe("balanced");
    expect(matchingPreset(read, ["temperature", "topP", "topK"])).toBeNull();
    expect(matchingPreset(read, ["stop"])).toBeNull();
  });

  it("set the sampler values (numbers and sliders), mark the preset and save", async () => {
    const { controller } = await mount();
    const id = controller.store.get().selectedProfileId!;
    const creative = $<HTMLButtonElement>("preset-creative");
    expect(creative.getAttribute("aria-pressed")).toBe("false");
    creative.click();
    const values = GENERATION_PRESETS.find((p) => p.id === "creative")!.values;
    expect($<HTMLInputElement>("param-temperature").value).toBe(String(values.temperature));
    expect($<HTMLInputElement>("param-temperature-slider").value).toBe(String(values.temperature));
    expect($<HTMLInputElement>("param-min-p").value).toBe(String(values.minP));
    expect(creative.getAttribute("aria-pressed")).toBe("true");
    expect($("preset-precise").getAttribute("aria-pressed")).toBe("false");
    await vi.waitFor(() => {
      const params = controller.store.get().profiles.find((p) => p.id === id)?.params;
      expect(params?.temperature).toBe(values.temperature);
      expect(params?.repetitionPenalty).toBe(values.repetitionPenalty);
    });
    // The reply length is not a preset's: it is kept.
    expect($<HTMLInputElement>("param-max-tokens").value).toBe("512");
    // Typing another value leaves the preset.
    type($<HTMLInputElement>("param-temperature"), "0.5");
    expect(creative.getAttribute("aria-pressed")).toBe("false");
  });

  it("leave alone the settings a source does not take", async () => {
    const { controller } = await mount("");
    const source = $<HTMLSelectElement>("source");
    source.value = "openai";
    source.dispatchEvent(new Event("change", { bubbles: true }));
    $<HTMLButtonElement>("preset-precise").click();
    expect($<HTMLInputElement>("param-temperature").value).toBe("0.3");
    expect($<HTMLInputElement>("param-top-k").value).toBe("");
    expect(controller.store.get().selectedProfileId).toBeNull();
  });
});

describe("the theme switch", () => {
  it("marks the page", () => {
    const root = document.createElement("html");
    applyTheme(root, "dark");
    expect(root.dataset.theme).toBe("dark");
    applyTheme(root, "system");
    expect(root.dataset.theme).toBe("system");
  });

  it("applies the saved theme once the settings are loaded", async () => {
    await mount("chat", { theme: "light" });
    expect(document.documentElement.dataset.theme).toBe("light");
    expect($<HTMLInputElement>("theme-light").checked).toBe(true);
    expect($<HTMLInputElement>("theme-system").checked).toBe(false);
  });

  it("applies a choice at once and saves it", async () => {
    const { api, controller } = await mount();
    expect(document.documentElement.dataset.theme).toBe("system");
    const dark = $<HTMLInputElement>("theme-dark");
    dark.checked = true;
    dark.dispatchEvent(new Event("change", { bubbles: true }));
    expect(document.documentElement.dataset.theme).toBe("dark");
    await vi.waitFor(() => expect(api.calls.some((c) => c.startsWith("saveSettings:") && c.includes('"theme":"dark"'))).toBe(true));
    expect(await api.getSettings()).toMatchObject({ theme: "dark", autoConnect: true });
    expect(controller.store.get().settings?.theme).toBe("dark");
  });

  it("goes back to the theme before when saving fails, and says why", async () => {
    const { api, controller } = await mount("chat", { theme: "light" });
    vi.spyOn(api, "saveSettings").mockRejectedValue(new AppError({ kind: "storage", message: "The disk is full." }));
    const dark = $<HTMLInputElement>("theme-dark");
    dark.checked = true;
    dark.dispatchEvent(new Event("change", { bubbles: true }));
    await vi.waitFor(() => expect(document.documentElement.dataset.theme).toBe("light"));
    expect($<HTMLInputElement>("theme-light").checked).toBe(true);
    expect(controller.store.get().settings?.theme).toBe("light");
    expect($("banner").textContent).toContain("The disk is full.");
  });
});
