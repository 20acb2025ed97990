// Form helpers: source groups, unique names, URL swapping and stop strings.

import { describe, expect, it } from "vitest";
import { createMockApi, MOCK_SOURCES } from "../dev/mock-api";
import type { ProfileSummary } from "../api";
import {
  draftDiffers,
  draftFromProfile,
  formatStopStrings,
  groupSources,
  parseNumber,
  parseStopStrings,
  uniqueName,
  urlAfterSourceChange,
} from "./profile-form";

const source = (kind: string) => MOCK_SOURCES.find((s) => s.kind === kind)!;

describe("groupSources", () => {
  it("puts chat completion first and supported sources before coming-soon ones", () => {
    const groups = groupSources(MOCK_SOURCES);
    expect(groups.map((g) => g.label)).toEqual(["Chat completion", "Text completion"]);
    const chat = groups[0]!.sources;
    expect(chat.every((s) => s.capabilities.api === "chatCompletion")).toBe(true);
    expect(chat.map((s) => s.kind).slice(0, 2)).toEqual(["openai", "claude"]);
    expect(groups[1]!.sources.map((s) => s.kind)).toEqual(["kobold", "koboldcpp", "horde", "novelai"]);

    const comingSoon = MOCK_SOURCES.map((s) => (s.kind === "mistral" ? { ...s, supported: false } : s));
    expect(groupSources(comingSoon)[0]!.sources.at(-1)?.kind).toBe("mistral");
  });

  it("leaves out empty groups", () => {
    expect(groupSources([source("openai")]).map((g) => g.label)).toEqual(["Chat completion"]);
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
    bypassStatusCheck: false, headers: [], createdAt: 0, updatedAt: 0, hasKey: false,
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
      bypassStatusCheck: false, headers: [], createdAt: 0, updatedAt: 0, hasKey: true,
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
