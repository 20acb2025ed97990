/**
 * The dev mock's connection doctor: the core's five steps over the mock's servers (a URL on
 * port 9 refuses, the key "bad" is rejected, a profile with streaming off skips the last step),
 * each handed to `onStep` as it is decided.
 *
 * Never part of a production build.
 */

import type { AppError, DoctorReport, DoctorStep, ProfileSummary } from "../api";
import { MODELS } from "./mock-data";

const TITLES: Record<DoctorStep["name"], string> = {
  url: "Normalise the URL",
  reach: "Reach the host",
  models: "List the models",
  reply: "Ask for a one-token reply",
  stream: "Ask for a streamed reply",
};

function step(name: DoctorStep["name"], outcome: DoctorStep["outcome"], detail: string, extra: Partial<DoctorStep> = {}): DoctorStep {
  return { name, title: TITLES[name], outcome, elapsedMs: outcome === "skipped" ? 0 : 3, detail, fix: null, action: null, errorKind: null, ...extra };
}

/** The doctor's report on `profile`; `checkServer` throws as the mock's server would. */
export function doctorReport(profile: ProfileSummary, checkServer: () => void, onStep: (step: DoctorStep) => void): DoctorReport {
  const steps: DoctorStep[] = [];
  const push = (s: DoctorStep): void => {
    steps.push(s);
    onStep(s);
  };
  const skipRest = (from: number, why: string): void => {
    for (const name of (["url", "reach", "models", "reply", "stream"] as const).slice(from)) push(step(name, "skipped", why));
  };
  push(step("url", "ok", `${profile.url} is already in its normal form.`));
  try {
    checkServer();
  } catch (error) {
    const failure = error as AppError;
    if (failure.kind === "network") {
      push(step("reach", "failed", failure.message, { fix: "Start the server, or correct the port in the URL.", errorKind: "network" }));
      skipRest(2, "The host cannot be reached.");
    } else {
      push(step("reach", "ok", "Connected."));
      push(step("models", "failed", failure.message, { fix: "The server refused the key: check that the key saved for this profile is whole and current.", action: { type: "saveKey" }, errorKind: failure.kind }));
      skipRest(3, "The key was refused; every request would be.");
    }
    return { who: `Profile "${profile.name}"`, source: profile.source, url: profile.url, steps };
  }
  const models = MODELS[profile.source] ?? [];
  push(step("reach", "ok", "Connected."));
  push(step("models", "ok", `${models.length} listed.`));
  push(step("reply", "ok", `${profile.model ?? models[0]?.id ?? "model"} answered in 3 ms (length).`));
  push(profile.options.streamReplies === false
    ? step("stream", "skipped", "Streaming is off for this profile: replies come whole.")
    : step("stream", "ok", "Answered, streamed."));
  return { who: `Profile "${profile.name}"`, source: profile.source, url: profile.url, steps };
}
