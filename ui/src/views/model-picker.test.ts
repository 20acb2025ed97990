// The drawer's "Find a model" over a server's long list and "Search sources" over the source
// list, in jsdom against the in-memory backend: filtering, the models used lately first,
// context and price, the keyboard, the rows drawn, a typed id, and picking a source.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { Chat, ModelInfo } from "../api";
import { createMockApi } from "../dev/mock-api";
import { selectedProfile } from "../state/app-state";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";
import { MAX_ROWS } from "./filter-list";

let unmount: (() => void) | null = null;

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
};

function type(input: HTMLInputElement, value: string): void {
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function press(target: EventTarget, key: string): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
  target.dispatchEvent(event);
  return event;
}

/** 500 models as OpenRouter lists them: every tenth vendor, contexts and prices that vary. */
function catalogue(count = 500): ModelInfo[] {
  const vendors = ["openai", "anthropic", "meta-llama", "mistralai", "google", "qwen", "deepseek", "nousresearch", "cohere", "x-ai"];
  return Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(3, "0");
    return {
      id: `${vendors[i % 10]}/model-${n}`,
      name: `${vendors[i % 10]}: Model ${n}`,
      contextLength: [4096, 8192, 32768, 128000, 200000][i % 5],
      price: i % 25 === 0 ? { input: 0, output: 0 } : { input: ((i % 7) + 1) * 0.5, output: ((i % 7) + 1) * 2 },
    };
  });
}

async function connectedWithModels(models: ModelInfo[]): Promise<Controller> {
  const api = createMockApi({ latency: 0, tick: 0 });
  const controller = new Controller(api);
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  const source = $<HTMLSelectElement>("source");
  source.value = "custom";
  source.dispatchEvent(new Event("change", { bubbles: true }));
  $<HTMLFormElement>("connect-form").requestSubmit();
  await vi.waitFor(() => expect($("status-light").dataset.state).toBe("connected"));
  controller.store.update(() => ({ models }));
  return controller;
}

const options = (): HTMLElement[] => [...document.querySelectorAll<HTMLElement>("#model-search-list [role=option]")];
const optionValues = (): string[] => options().map((o) => o.dataset.value ?? "");

describe("finding a model in a long list", () => {
  it("filters as it is typed, any case, showing each model's context and price", async () => {
    await connectedWithModels(catalogue());
    expect($("model-search-row").hidden).toBe(false);
    const search = $<HTMLInputElement>("model-search");
    type(search, "QWEN/MODEL-04");
    expect(search.getAttribute("aria-expanded")).toBe("true");
    // qwen is every tenth model from 5: 045 is the one with "model-04"; what was typed is
    // offered as an id too, last.
    expect(optionValues()).toEqual(["qwen/model-045", "QWEN/MODEL-04"]);
    const row = options()[0] as HTMLElement;
    expect(row.querySelector(".filter-option-label")?.textContent).toBe("qwen: Model 045");
    expect(row.querySelector(".filter-option-detail")?.textContent).toBe("qwen/model-045 · 4K context · $2.00 in · $8.00 out per 1M");
    type(search, "model-000");
    expect(options()[0]?.querySelector(".filter-option-detail")?.textContent).toBe("openai/model-000 · 4K context · free");
  });

  it("draws at most MAX_ROWS rows of 500, and says how many more match", async () => {
    await connectedWithModels(catalogue());
    const search = $<HTMLInputElement>("model-search");
    const list = $("model-search-list");
    let added = 0;
    const observer = new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node instanceof HTMLElement) added += node.querySelectorAll("[role=option]").length + (node.matches("[role=option]") ? 1 : 0);
        }
      }
    });
    observer.observe(list, { childList: true, subtree: true });
    search.focus();
    press(search, "ArrowDown");
    expect(options().length).toBe(MAX_ROWS);
    expect($("model-search-more").textContent).toBe(`${500 - MAX_ROWS} more match: type to narrow the list.`);
    await Promise.resolve();
    expect(added).toBe(MAX_ROWS);
    // Each keystroke redraws once: never more than MAX_ROWS rows added (and the row offering
    // what was typed as an id), whatever matches.
    for (const typed of ["m", "mo", "mod", "mode", "model", "model-", "model-1"]) {
      added = 0;
      type(search, typed);
      await Promise.resolve();
      expect(added).toBe(MAX_ROWS + 1);
      expect(options().length).toBe(MAX_ROWS + 1);
      expect(optionValues()[MAX_ROWS]).toBe(typed);
    }
    // "model-1" matches 100..199: 100 models, 50 drawn.
    expect($("model-search-more").textContent).toBe("50 more match: type to narrow the list.");
    observer.disconnect();
  });

  it("picks with the keyboard: arrows move the active row, Enter chooses it and saves", async () => {
    const controller = await connectedWithModels(catalogue());
    const search = $<HTMLInputElement>("model-search");
    type(search, "deepseek/model-1");
    expect(optionValues().slice(0, 3)).toEqual(["deepseek/model-106", "deepseek/model-116", "deepseek/model-126"]);
    press(search, "ArrowDown");
    press(search, "ArrowDown");
    press(search, "ArrowDown");
    press(search, "ArrowUp");
    const active = search.getAttribute("aria-activedescendant");
    expect(active).toBe(options()[1]?.id);
    expect(document.getElementById(active ?? "")?.getAttribute("aria-selected")).toBe("true");
    const enter = press(search, "Enter");
    expect(enter.defaultPrevented).toBe(true);
    expect(search.getAttribute("aria-expanded")).toBe("false");
    expect(search.value).toBe("");
    expect($<HTMLSelectElement>("model-select").value).toBe("deepseek/model-116");
    await vi.waitFor(() => expect(selectedProfile(controller.store.get())?.model).toBe("deepseek/model-116"));
  });

  it("closes on Escape without choosing, and empties the field on a second Escape", async () => {
    const controller = await connectedWithModels(catalogue());
    const before = selectedProfile(controller.store.get())?.model;
    const search = $<HTMLInputElement>("model-search");
    type(search, "cohere");
    press(search, "ArrowDown");
    expect(press(search, "Escape").defaultPrevented).toBe(true);
    expect(search.getAttribute("aria-expanded")).toBe("false");
    expect(search.value).toBe("cohere");
    expect(controller.store.get().drawerOpen).toBe(true);
    press(search, "Escape");
    expect(search.value).toBe("");
    expect(selectedProfile(controller.store.get())?.model).toBe(before);
  });

  it("takes a typed id the list does not have", async () => {
    const controller = await connectedWithModels(catalogue());
    const search = $<HTMLInputElement>("model-search");
    type(search, "my-org/fine-tune-7");
    expect(options().map((o) => o.textContent)).toEqual(["Use “my-org/fine-tune-7” as the model idnot in the server's list"]);
    press(search, "Enter");
    await vi.waitFor(() => expect(selectedProfile(controller.store.get())?.model).toBe("my-org/fine-tune-7"));
    const select = $<HTMLSelectElement>("model-select");
    expect(select.value).toBe("my-org/fine-tune-7");
    expect(select.selectedOptions[0]?.textContent).toBe("my-org/fine-tune-7 (not in the list)");
  });

  it("lists the models of this profile's chats first", async () => {
    const controller = await connectedWithModels(catalogue());
    const profileId = controller.store.get().selectedProfileId;
    const chat = (id: string, model: string, updatedAt: number): Chat => ({
      id, title: id, profileId, model, pinned: false, messageCount: 2, createdAt: 0, updatedAt, branchOf: null,
    });
    controller.store.update(() => ({ chats: [chat("a", "google/model-204", 5), chat("b", "x-ai/model-319", 9)] }));
    const search = $<HTMLInputElement>("model-search");
    search.focus();
    press(search, "ArrowDown");
    expect(optionValues().slice(0, 3)).toEqual(["x-ai/model-319", "google/model-204", "openai/model-000"]);
    const headings = [...document.querySelectorAll("#model-search-list .filter-group-label")].map((e) => e.textContent);
    expect(headings).toEqual(["Used lately", "All models"]);
    // Filtered, the one used lately still comes first.
    type(search, "model-2");
    expect(optionValues()[0]).toBe("google/model-204");
  });

  it("is not shown without a list, and a click picks too", async () => {
    const controller = await connectedWithModels([]);
    expect($("model-search-row").hidden).toBe(true);
    controller.store.update(() => ({ models: catalogue(30) }));
    expect($("model-search-row").hidden).toBe(false);
    const search = $<HTMLInputElement>("model-search");
    type(search, "anthropic");
    const row = options()[2] as HTMLElement;
    row.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect($<HTMLSelectElement>("model-select").value).toBe("anthropic/model-021");
  });
});

describe("searching the source list", () => {
  it("shows only the matching sources, grouped, the ones coming soon disabled", async () => {
    await connectedWithModels([]);
    const search = $<HTMLInputElement>("source-search");
    type(search, "groq");
    const rows = [...document.querySelectorAll<HTMLElement>("#source-search-list [role=option]")];
    expect(rows.map((r) => r.dataset.value)).toEqual(["groq"]);
    expect(rows[0]?.textContent).toMatch(/^Groq/);
    expect([...document.querySelectorAll("#source-search-list .filter-group-label")].map((e) => e.textContent)).toEqual(["Cloud chat APIs"]);
    if (rows[0]?.getAttribute("aria-disabled") === "true") {
      // Not supported yet: shown, but Enter picks nothing.
      expect(rows[0]?.textContent).toBe("Groq (coming soon)");
      press(search, "Enter");
      expect($<HTMLSelectElement>("source").value).toBe("custom");
    }
  });

  it("picks a source with the keyboard, as choosing it in the list does", async () => {
    await connectedWithModels([]);
    const search = $<HTMLInputElement>("source-search");
    type(search, "kobold");
    const values = [...document.querySelectorAll<HTMLElement>("#source-search-list [role=option]")].map((r) => r.dataset.value);
    expect(values).toEqual(expect.arrayContaining(["kobold", "koboldcpp"]));
    const target = values.indexOf("koboldcpp");
    for (let i = 0; i <= target; i++) press(search, "ArrowDown");
    press(search, "Enter");
    expect($<HTMLSelectElement>("source").value).toBe("koboldcpp");
    expect(search.value).toBe("");
    expect(search.getAttribute("aria-expanded")).toBe("false");
  });
});
