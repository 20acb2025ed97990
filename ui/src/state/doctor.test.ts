// The connection doctor's state against the in-memory backend: steps land as they finish, the
// copied report carries each step and its fix, and the streaming fix saves the profile.

import { describe, expect, it } from "vitest";
import { createMockApi, type MockApi } from "../dev/mock-api";
import type { ProviderKind } from "../api";
import { selectedProfile } from "./app-state";
import { Controller, type ProfileForm } from "./controller";
import { actionHint, actionLabel, reportText } from "./doctor";

function form(source: ProviderKind, url: string, key: string): ProfileForm {
  return {
    draft: { id: null, name: "", source, url, model: null, systemPrompt: null, prefill: null, params: { stop: [] }, postProcessing: "none", bypassStatusCheck: false },
    key,
  };
}

async function started(source: ProviderKind, url: string, key = ""): Promise<{ api: MockApi; controller: Controller }> {
  const api = createMockApi({ tick: 0, latency: 0 });
  const controller = new Controller(api, { now: () => 0 });
  await controller.start();
  await controller.connect(form(source, url, key));
  return { api, controller };
}

async function connected(source: ProviderKind, url: string, key = ""): Promise<Controller> {
  return (await started(source, url, key)).controller;
}

describe("the connection doctor", () => {
  it("shows each step as it lands and ends with the report", async () => {
    const controller = await connected("custom", "http://127.0.0.1:8080/v1");
    const seen: number[] = [];
    controller.store.subscribe((s) => {
      if (s.doctor) seen.push(s.doctor.steps.length);
    });
    await controller.checkConnection();
    const run = controller.store.get().doctor!;
    expect(run.running).toBe(false);
    expect(run.steps.map((s) => s.outcome)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(seen).toEqual(expect.arrayContaining([1, 2, 3, 4, 5]));
    expect(run.profileId).toBe(controller.store.get().selectedProfileId);
  });

  it("says the key's fix, and the copied report carries it", async () => {
    const { api, controller } = await started("openai", "https://api.openai.com/v1", "sk-test");
    // The key saved later is refused.
    await api.setApiKey(controller.store.get().selectedProfileId!, "bad");
    await controller.checkConnection();
    const run = controller.store.get().doctor!;
    const failed = run.steps.find((s) => s.outcome === "failed")!;
    expect(failed.name).toBe("models");
    expect(actionHint(failed.action)).toContain("API key field");
    expect(actionLabel(failed.action)).toBeNull();
    const text = reportText(run, "OpenAI");
    expect(text).toContain("[FAILED] List the models");
    expect(text).toContain("Fix: The server refused the key");
    expect(text).toContain("[skipped] Ask for a one-token reply");
  });

  it("turns streaming off for the profile it checked", async () => {
    const controller = await connected("custom", "http://127.0.0.1:8080/v1");
    await controller.checkConnection();
    await controller.turnStreamingOff();
    expect(selectedProfile(controller.store.get())!.options.streamReplies).toBe(false);
    expect(controller.store.get().doctor!.fixed).toBe(true);
    await controller.checkConnection();
    expect(controller.store.get().doctor!.steps[4]).toMatchObject({ outcome: "skipped" });
    expect(actionLabel({ type: "turnStreamingOff" })).toBe("Turn streaming off for this profile");
  });
});
