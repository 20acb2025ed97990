import { describe, expect, it } from "vitest";
import type { Chat, ModelInfo, SourceInfo } from "../api";
import { MOCK_SOURCES } from "../dev/mock-data";
import {
  formatContext, formatDollars, formatPrice, modelDetail, pickerModels, recentModels, searchSources, typedIdOffered,
} from "./model-picker";

function chat(id: string, profileId: string | null, model: string | null, updatedAt: number): Chat {
  return { id, title: id, profileId, model, pinned: false, messageCount: 2, createdAt: 0, updatedAt, branchOf: null };
}

const MODELS: ModelInfo[] = [
  { id: "openai/gpt-4o", name: "OpenAI: GPT-4o", contextLength: 128000, price: { input: 2.5, output: 10 } },
  { id: "openai/gpt-4o-mini", name: "OpenAI: GPT-4o mini", contextLength: 128000, price: { input: 0.15, output: 0.6 } },
  { id: "meta-llama/llama-3.3-70b-instruct", name: "Meta: Llama 3.3 70B Instruct", contextLength: 131072 },
  { id: "qwen/qwen-2.5-7b-instruct" },
  { id: "mistralai/mistral-nemo", name: "Mistral: Mistral Nemo", price: { input: 0, output: 0 } },
];

const ids = (models: readonly ModelInfo[]): string[] => models.map((m) => m.id);

describe("the models used lately", () => {
  it("are this profile's chats' models, the chat changed last first, each once", () => {
    const chats = [
      chat("a", "p1", "openai/gpt-4o", 10),
      chat("b", "p1", "qwen/qwen-2.5-7b-instruct", 30),
      chat("c", "p2", "mistralai/mistral-nemo", 40),
      chat("d", "p1", "openai/gpt-4o", 20),
      chat("e", "p1", null, 50),
    ];
    expect(recentModels(chats, "p1")).toEqual(["qwen/qwen-2.5-7b-instruct", "openai/gpt-4o"]);
    expect(recentModels(chats, "p2")).toEqual(["mistralai/mistral-nemo"]);
    expect(recentModels(chats, null)).toEqual([]);
    const many = Array.from({ length: 9 }, (_, i) => chat(`c${i}`, "p1", `m${i}`, i));
    expect(recentModels(many, "p1")).toEqual(["m8", "m7", "m6", "m5", "m4"]);
  });
});

describe("filtering the model list", () => {
  it("keeps the models with every typed word in the id or the name, any case", () => {
    expect(ids(pickerModels(MODELS, "GPT", []).others)).toEqual(["openai/gpt-4o", "openai/gpt-4o-mini"]);
    expect(ids(pickerModels(MODELS, "gpt mini", []).others)).toEqual(["openai/gpt-4o-mini"]);
    // By the name only ("Meta" is not in the id).
    expect(ids(pickerModels(MODELS, "meta:", []).others)).toEqual(["meta-llama/llama-3.3-70b-instruct"]);
    expect(ids(pickerModels(MODELS, "  ", []).others)).toEqual(ids(MODELS));
    expect(pickerModels(MODELS, "claude", []).others).toEqual([]);
  });

  it("lists the models used lately first, in the order they were used, when they match", () => {
    const recent = ["qwen/qwen-2.5-7b-instruct", "not-listed-any-more", "openai/gpt-4o-mini"];
    const all = pickerModels(MODELS, "", recent);
    expect(ids(all.recent)).toEqual(["qwen/qwen-2.5-7b-instruct", "openai/gpt-4o-mini"]);
    expect(ids(all.others)).toEqual(["openai/gpt-4o", "meta-llama/llama-3.3-70b-instruct", "mistralai/mistral-nemo"]);
    const gpt = pickerModels(MODELS, "gpt", recent);
    expect(ids(gpt.recent)).toEqual(["openai/gpt-4o-mini"]);
    expect(ids(gpt.others)).toEqual(["openai/gpt-4o"]);
  });

  it("offers a typed id the list lacks as it is", () => {
    expect(typedIdOffered(MODELS, "my-fine-tune")).toBe(true);
    expect(typedIdOffered(MODELS, " openai/gpt-4o ")).toBe(false);
    expect(typedIdOffered(MODELS, "two words")).toBe(false);
    expect(typedIdOffered(MODELS, "")).toBe(false);
  });
});

describe("a model's context and price", () => {
  it("shows the context short", () => {
    expect(formatContext(512)).toBe("512");
    expect(formatContext(4096)).toBe("4K");
    expect(formatContext(131072)).toBe("131K");
    expect(formatContext(200000)).toBe("200K");
    expect(formatContext(1048576)).toBe("1.05M");
    expect(formatContext(2000000)).toBe("2M");
  });

  it("shows dollars per million tokens as people write them", () => {
    expect(formatDollars(2.5)).toBe("2.50");
    expect(formatDollars(10)).toBe("10.00");
    expect(formatDollars(0.15)).toBe("0.15");
    expect(formatDollars(0.5)).toBe("0.50");
    expect(formatDollars(0.0375)).toBe("0.0375");
    expect(formatPrice({ input: 2.5, output: 10 })).toBe("$2.50 in · $10.00 out per 1M");
    expect(formatPrice({ input: 0, output: 0 })).toBe("free");
  });

  it("puts what the API told under the name, and nothing it did not", () => {
    expect(modelDetail(MODELS[0] as ModelInfo)).toBe("openai/gpt-4o · 128K context · $2.50 in · $10.00 out per 1M");
    expect(modelDetail(MODELS[2] as ModelInfo)).toBe("meta-llama/llama-3.3-70b-instruct · 131K context");
    expect(modelDetail(MODELS[3] as ModelInfo)).toBe("");
    expect(modelDetail(MODELS[4] as ModelInfo)).toBe("mistralai/mistral-nemo · free");
  });
});

describe("searching the sources", () => {
  const sources: SourceInfo[] = MOCK_SOURCES;

  it("keeps the sources whose id or name has every word, grouped", () => {
    const groq = searchSources(sources, "groq");
    expect(groq.map((g) => [g.label, g.sources.map((s) => s.id)])).toEqual([["Cloud chat APIs", ["groq"]]]);
    const kobold = searchSources(sources, "KOBOLD").flatMap((g) => g.sources.map((s) => s.id));
    expect(kobold).toEqual(expect.arrayContaining(["kobold", "koboldcpp"]));
    expect(kobold.every((id) => id.includes("kobold"))).toBe(true);
    expect(searchSources(sources, "nothing-like-this")).toEqual([]);
    expect(searchSources(sources, "").flatMap((g) => g.sources).length).toBe(sources.length);
  });

  it("keeps the sources not supported yet, to be shown disabled", () => {
    // Every source is supported today: one is marked planned here, as a future one would be.
    const planned = { ...sources.find((s) => s.id === "groq")!, supported: false };
    const withPlanned = sources.map((s) => (s.id === planned.id ? planned : s));
    const found = searchSources(withPlanned, planned.label).flatMap((g) => g.sources);
    expect(found.map((s) => [s.id, s.supported])).toContainEqual([planned.id, false]);
  });
});
