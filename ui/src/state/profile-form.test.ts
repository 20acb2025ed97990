// Form helpers: source groups, unique names, URL swapping and stop strings.

import { describe, expect, it } from "vitest";
import { createMockApi, MOCK_LOCAL_SERVERS, MOCK_SOURCES, MOCK_TEMPLATES } from "../dev/mock-api";
import type { InstructTemplate, ProfileSummary } from "../api";
import {
  apiChoices,
  apiForSave,
  ALL_SAMPLERS,
  choosesManyModels,
  CUSTOM_TEMPLATE,
  DEFAULT_CONNECTION_OPTIONS,
  DEFAULT_INSTRUCT,
  draftDiffers,
  draftForFound,
  draftFromProfile,
  effectiveApi,
  foundIsSaved,
  formatStopStrings,
  groupSources,
  instructFromForm,
  joinModelList,
  keyFieldText,
  modelOptionLabel,
  NUMERIC_PARAMS,
  PARAM_SPECS,
  parseModelList,
  parseNumber,
  parseStopStrings,
  readParams,
  samplersOf,
  shownTemplate,
  templateChoice,
  uniqueName,
  urlAfterSourceChange,
} from "./profile-form";

const source = (kind: string) => MOCK_SOURCES.find((s) => s.kind === kind)!;

describe("groupSources", () => {
  it("lists the catalogue's groups in order, supported sources before coming-soon ones", () => {
    const groups = groupSources(MOCK_SOURCES);
    expect(groups.map((g) => g.label)).toEqual(["Cloud chat APIs", "Local servers", "Text-completion services"]);
    const cloud = groups[0]!.sources;
    expect(cloud.every((s) => s.group === "cloudChat")).toBe(true);
    expect(cloud.map((s) => s.kind).slice(0, 2)).toEqual(["openai", "claude"]);
    expect(groups[1]!.sources.every((s) => s.group === "localServer")).toBe(true);
    expect(groups[1]!.sources.map((s) => s.kind)).toContain("koboldcpp");
    expect(groups[2]!.sources.map((s) => s.kind)).toContain("horde");
    for (const group of groups) {
      const firstPlanned = group.sources.findIndex((s) => !s.supported);
      if (firstPlanned >= 0) expect(group.sources.slice(firstPlanned).every((s) => !s.supported)).toBe(true);
    }

    const comingSoon = MOCK_SOURCES.map((s) => (s.kind === "mistral" ? { ...s, supported: false } : s));
    const listed = groupSources(comingSoon)[0]!.sources;
    expect(listed.indexOf(listed.find((s) => s.kind === "mistral")!)).toBeGreaterThan(listed.findIndex((s) => s.kind === "openrouter"));
  });

  it("leaves out empty groups", () => {
    expect(groupSources([source("openai")]).map((g) => g.label)).toEqual(["Cloud chat APIs"]);
  });
});

describe("uniqueName", () => {
  it("adds the first free number", () => {
    expect(uniqueName("OpenAI", [])).toBe("OpenAI");
    expect(uniqueName("OpenAI", ["openai"])).toBe("OpenAI 2");
    expect(uniqueName("OpenAI", ["OpenAI", "OpenAI 2", "OpenAI 4"])).toBe("OpenAI 3");
    expect(uniqueName("  ", [])).toBe("Profile");
  });
});

describe("urlAfterSourceChange", () => {
  it("uses the new default unless the person typed a URL", () => {
    const custom = source("custom");
    const openai = source("openai");
    expect(urlAfterSourceChange("", custom, openai, false)).toBe(openai.defaultUrl);
    expect(urlAfterSourceChange(custom.defaultUrl, custom, openai, true)).toBe(openai.defaultUrl);
    expect(urlAfterSourceChange("http://gpu-box:8000/v1", custom, openai, true)).toBe("http://gpu-box:8000/v1");
    expect(urlAfterSourceChange("http://gpu-box:8000/v1", custom, openai, false)).toBe(openai.defaultUrl);
  });
});

describe("parseNumber", () => {
  it("reads numbers and treats blanks as unset", () => {
    expect(parseNumber("0.7")).toBe(0.7);
    expect(parseNumber(" 512 ", true)).toBe(512);
    expect(parseNumber("12.9", true)).toBe(12);
    expect(parseNumber("")).toBeNull();
    expect(parseNumber("abc")).toBeNull();
  });
});

describe("stop strings", () => {
  it("reads one per line with escapes and round-trips", () => {
    const stop = parseStopStrings("###\n\\n\\nUser:\n\n  \nend\\\\");
    expect(stop).toEqual(["###", "\n\nUser:", "end\\"]);
    expect(parseStopStrings(formatStopStrings(stop))).toEqual(stop);
  });
});

describe("draftDiffers", () => {
  const profile: ProfileSummary = {
    id: "p1", name: "Local", source: "custom", url: "http://127.0.0.1:8080/v1", model: null,
    params: { temperature: 0.7, stop: [] }, systemPrompt: null, prefill: null, placeholder: null, postProcessing: "none",
    api: null, instruct: DEFAULT_INSTRUCT, bypassStatusCheck: false, options: DEFAULT_CONNECTION_OPTIONS, headers: [], createdAt: 0, updatedAt: 0, hasKey: false,
  };

  it("is false for the profile's own draft and true after an edit", () => {
    const draft = draftFromProfile(profile);
    expect(draftDiffers(draft, profile)).toBe(false);
    expect(draftDiffers({ ...draft, params: { temperature: 0.7, maxTokens: null, stop: [] } }, profile)).toBe(false);
    expect(draftDiffers({ ...draft, url: "http://other/v1" }, profile)).toBe(true);
    expect(draftDiffers({ ...draft, params: { temperature: 0.2 } }, profile)).toBe(true);
    expect(draftDiffers({ ...draft, params: { temperature: 0.7, stop: ["x"] } }, profile)).toBe(true);
    expect(draftDiffers({ ...draft, model: "m" }, profile)).toBe(true);
    expect(draftDiffers({ ...draft, prefill: "Sure," }, profile)).toBe(true);
    expect(draftDiffers({ ...draft, prefill: undefined }, profile)).toBe(false);
  });
});

describe("draftFromProfile", () => {
  it("carries the assistant prefill both ways", () => {
    const claude: ProfileSummary = {
      id: "p2", name: "Claude", source: "claude", url: "https://api.anthropic.com/v1", model: "claude-sonnet-4-5",
      params: { stop: [] }, systemPrompt: "Be brief.", prefill: "Certainly! Here is", placeholder: null, postProcessing: "none",
      api: null, instruct: DEFAULT_INSTRUCT, bypassStatusCheck: false, options: DEFAULT_CONNECTION_OPTIONS, headers: [], createdAt: 0, updatedAt: 0, hasKey: true,
    };
    const draft = draftFromProfile(claude);
    expect(draft.prefill).toBe("Certainly! Here is");
    expect(draftDiffers(draft, claude)).toBe(false);
    expect(draftDiffers({ ...draft, prefill: null }, claude)).toBe(true);
    expect(draftFromProfile({ ...claude, prefill: null }).prefill).toBeNull();
  });

  it("survives a save through the backend", async () => {
    const api = createMockApi({ tick: 0, latency: 0 });
    const saved = await api.saveProfile({
      id: null, name: "Claude", source: "claude", url: "https://api.anthropic.com/v1", model: null,
      systemPrompt: null, prefill: "<thinking>", params: {}, postProcessing: "none", bypassStatusCheck: false,
    });
    expect(saved.profile.prefill).toBe("<thinking>");
    const again = await api.saveProfile({ ...draftFromProfile(saved.profile), prefill: "" });
    expect(again.profile.prefill).toBeNull();
  });
});

const chatMl = MOCK_TEMPLATES.find((t) => t.kind === "chat-ml")!.template;
const alpaca = MOCK_TEMPLATES.find((t) => t.kind === "alpaca")!.template;

const local: ProfileSummary = {
  id: "p3", name: "Local", source: "custom", url: "http://127.0.0.1:8080/v1", model: null,
  params: { stop: [] }, systemPrompt: null, prefill: null, placeholder: null, postProcessing: "none",
  api: null, instruct: DEFAULT_INSTRUCT, bypassStatusCheck: false, options: DEFAULT_CONNECTION_OPTIONS, headers: [], createdAt: 0, updatedAt: 0, hasKey: false,
};

describe("the API and instruct settings in the draft", () => {
  it("carry over from the profile and count as changes", () => {
    const profile: ProfileSummary = { ...local, api: "textCompletion", instruct: { template: "alpaca", custom: null, contextSize: 8192 } };
    const draft = draftFromProfile(profile);
    expect(draft.api).toBe("textCompletion");
    expect(draft.instruct).toEqual({ template: "alpaca", custom: null, contextSize: 8192 });
    expect(draftDiffers(draft, profile)).toBe(false);
    expect(draftDiffers({ ...draft, api: null }, profile)).toBe(true);
    expect(draftDiffers({ ...draft, instruct: { template: "alpaca", custom: null, contextSize: null } }, profile)).toBe(true);
    expect(draftDiffers({ ...draft, instruct: { template: "chat-ml", custom: null, contextSize: 8192 } }, profile)).toBe(true);
    expect(draftDiffers({ ...draft, instruct: { template: "alpaca", custom: { ...alpaca }, contextSize: 8192 } }, profile)).toBe(true);
    const edited = { ...profile, instruct: { template: "alpaca" as const, custom: { ...alpaca, userPrefix: "Q: " }, contextSize: 8192 } };
    expect(draftDiffers(draftFromProfile(edited), edited)).toBe(false);
    expect(draftDiffers({ ...draftFromProfile(edited), instruct: { ...edited.instruct, custom: { ...alpaca, userPrefix: "Q:" } } }, edited)).toBe(true);
  });

  it("treats a draft without instruct settings as the default ones", () => {
    const { instruct: _, ...draft } = draftFromProfile(local);
    expect(draftDiffers(draft, local)).toBe(false);
  });
});

describe("the API choice", () => {
  it("is offered only by sources that serve both, the default first", () => {
    expect(apiChoices(source("custom"))).toEqual(["chatCompletion", "textCompletion"]);
    expect(apiChoices(source("ooba"))).toEqual(["textCompletion", "chatCompletion"]);
    expect(apiChoices(source("openai"))).toEqual([]);
    expect(apiChoices(source("koboldcpp"))).toEqual([]);
    expect(apiChoices(undefined)).toEqual([]);
  });

  it("falls back to the source's default when the choice is not served", () => {
    expect(effectiveApi(source("custom"), null)).toBe("chatCompletion");
    expect(effectiveApi(source("custom"), "textCompletion")).toBe("textCompletion");
    expect(effectiveApi(source("ooba"), null)).toBe("textCompletion");
    expect(effectiveApi(source("openai"), "textCompletion")).toBe("chatCompletion");
    expect(effectiveApi(source("horde"), "chatCompletion")).toBe("textCompletion");
  });

  it("is saved as null when it is the source's default", () => {
    expect(apiForSave(source("custom"), "chatCompletion")).toBeNull();
    expect(apiForSave(source("custom"), "textCompletion")).toBe("textCompletion");
    expect(apiForSave(source("ooba"), "chatCompletion")).toBe("chatCompletion");
    expect(apiForSave(source("ooba"), "textCompletion")).toBeNull();
    expect(apiForSave(source("openai"), "textCompletion")).toBeNull();
    expect(apiForSave(source("tabby"), null)).toBeNull();
  });
});

describe("generation settings per source", () => {
  it("has a spec with a label and a sensible range for every number", () => {
    expect(ALL_SAMPLERS).toEqual([...NUMERIC_PARAMS, "stop"]);
    for (const param of NUMERIC_PARAMS) {
      const spec = PARAM_SPECS[param];
      expect(spec.label, param).not.toBe("");
      expect(spec.step, param).toBeGreaterThan(0);
      if (spec.min !== undefined && spec.max !== undefined) expect(spec.min, param).toBeLessThan(spec.max);
    }
    expect(PARAM_SPECS.topP).toMatchObject({ min: 0, max: 1, integer: false });
    expect(PARAM_SPECS.repetitionPenaltyRange.integer).toBe(true);
  });

  it("reads only the fields the source accepts, leaving empty ones out", () => {
    const fields = { temperature: "0.8", frequencyPenalty: "0.5", typicalP: "0.9", topK: "", maxTokens: "300.7" };
    const openai = readParams(fields, "###", samplersOf(source("openai")));
    expect(openai).toEqual({ temperature: 0.8, frequencyPenalty: 0.5, maxTokens: 300, stop: ["###"] });
    expect("typicalP" in openai).toBe(false);
    expect("topK" in openai).toBe(false);
    const kobold = readParams(fields, "###", samplersOf(source("koboldcpp")));
    expect(kobold).toEqual({ temperature: 0.8, typicalP: 0.9, maxTokens: 300, stop: ["###"] });
  });

  it("sends no stop strings to a source without them, and reads every field for an unknown source", () => {
    expect(readParams({}, "###", ["temperature"]).stop).toEqual([]);
    expect(samplersOf(undefined)).toEqual(ALL_SAMPLERS);
    expect(readParams({ seed: "7", topA: "0.2" }, "", samplersOf(undefined))).toEqual({ seed: 7, topA: 0.2, stop: [] });
  });

  it("drops another source's values after a source switch", () => {
    const profile: ProfileSummary = { ...local, source: "openai", params: { frequencyPenalty: 0.4, temperature: 1 } };
    const params = readParams({ frequencyPenalty: "0.4", temperature: "1" }, "", samplersOf(source("horde")));
    expect(params).toEqual({ temperature: 1, stop: [] });
    expect(draftDiffers({ ...draftFromProfile(profile), source: "horde", params }, profile)).toBe(true);
  });
});

describe("instruct templates", () => {
  const edited = (patch: Partial<InstructTemplate>): InstructTemplate => ({ ...chatMl, ...patch });

  it("shows the built-in, or the edited template, in the picker and the editor", () => {
    expect(templateChoice(DEFAULT_INSTRUCT)).toBe("chat-ml");
    expect(shownTemplate(DEFAULT_INSTRUCT, MOCK_TEMPLATES)).toEqual(chatMl);
    const custom = { template: "chat-ml" as const, custom: edited({ userPrefix: "USER:" }), contextSize: null };
    expect(templateChoice(custom)).toBe(CUSTOM_TEMPLATE);
    expect(shownTemplate(custom, MOCK_TEMPLATES)?.userPrefix).toBe("USER:");
  });

  it("saves an edited template only while it differs from its built-in", () => {
    const form = { choice: "chat-ml", base: "chat-ml" as const, edited: { ...chatMl }, contextSize: "" };
    expect(instructFromForm(form, MOCK_TEMPLATES)).toEqual({ template: "chat-ml", custom: null, contextSize: null });
    const changed = instructFromForm({ ...form, choice: CUSTOM_TEMPLATE, edited: edited({ stop: ["<|im_end|>"] }) }, MOCK_TEMPLATES);
    expect(changed).toEqual({ template: "chat-ml", custom: edited({ stop: ["<|im_end|>"] }), contextSize: null });
    expect(instructFromForm({ ...form, choice: "alpaca", edited: { ...alpaca } }, MOCK_TEMPLATES)).toEqual({ template: "alpaca", custom: null, contextSize: null });
    // Edits made back to the built-in are no longer "custom".
    expect(instructFromForm({ ...form, choice: CUSTOM_TEMPLATE }, MOCK_TEMPLATES).custom).toBeNull();
  });

  it("reads the context size as a positive whole number, empty for the server's", () => {
    const form = { choice: "alpaca", base: "alpaca" as const, edited: { ...alpaca }, contextSize: " 8192 " };
    expect(instructFromForm(form, MOCK_TEMPLATES).contextSize).toBe(8192);
    expect(instructFromForm({ ...form, contextSize: "4096.9" }, MOCK_TEMPLATES).contextSize).toBe(4096);
    for (const empty of ["", "0", "-5", "lots"]) {
      expect(instructFromForm({ ...form, contextSize: empty }, MOCK_TEMPLATES).contextSize, empty).toBeNull();
    }
  });
});

describe("models and keys", () => {
  it("keeps AI Horde's several models as one comma-separated field", () => {
    expect(choosesManyModels(source("horde"))).toBe(true);
    expect(choosesManyModels(source("koboldcpp"))).toBe(false);
    expect(parseModelList("a, b ,, c")).toEqual(["a", "b", "c"]);
    expect(parseModelList(null)).toEqual([]);
    expect(joinModelList(["a", " b", "a", ""])).toBe("a, b");
    expect(joinModelList([])).toBeNull();
    expect(parseModelList(joinModelList(["x/y", "z"]))).toEqual(["x/y", "z"]);
  });

  it("labels models by name without repeating an id the name already shows", () => {
    expect(modelOptionLabel({ id: "koboldcpp/x", name: "koboldcpp/x (5 workers, about 3 s)" })).toBe("koboldcpp/x (5 workers, about 3 s)");
    expect(modelOptionLabel({ id: "kayra-v1", name: "Kayra", contextLength: 8192 })).toBe("Kayra (kayra-v1) · 8k context");
    expect(modelOptionLabel({ id: "gpt-4o" })).toBe("gpt-4o");
  });

  it("says what the key field wants for the Horde and NovelAI", () => {
    expect(keyFieldText(source("openai"))).toEqual({ label: "API key", need: "(required)", note: "" });
    const horde = keyFieldText(source("horde"));
    expect(horde).toMatchObject({ label: "API key", need: "(optional)" });
    expect(horde.note).toMatch(/without a key the Horde is used anonymously/);
    expect(keyFieldText(source("novelai"))).toMatchObject({ label: "Persistent API token", need: "(required)" });
  });
});

describe("servers found on this computer", () => {
  const kobold = MOCK_LOCAL_SERVERS[0]!;

  it("become a profile named by the probe, with its first model and defaults elsewhere", () => {
    expect(draftForFound(kobold, ["Local"])).toEqual({
      id: null, name: "KoboldCpp (5001)", source: "koboldcpp", url: "http://127.0.0.1:5001",
      model: "koboldcpp/Mistral-7B-Instruct-v0.3.Q4_K_M", systemPrompt: null, prefill: null, placeholder: null,
      params: { maxTokens: 300 }, postProcessing: "none", api: null, instruct: DEFAULT_INSTRUCT, bypassStatusCheck: false,
    });
    expect(draftForFound({ ...kobold, models: [] }, []).model).toBeNull();
    expect(draftForFound(kobold, ["koboldcpp (5001)"]).name).toBe("KoboldCpp (5001) 2");
  });

  it("count as added once a profile points at them", () => {
    const saved: ProfileSummary = { ...local, source: "koboldcpp", url: "http://127.0.0.1:5001/" };
    expect(foundIsSaved(kobold, [saved])).toBe(true);
    expect(foundIsSaved(kobold, [{ ...saved, source: "kobold" }])).toBe(false);
    expect(foundIsSaved(kobold, [local])).toBe(false);
  });
});
