/**
 * The connection doctor in the drawer's Connection section: "Check connection" runs the core's
 * steps on the profile shown; each step appears as it finishes (its outcome, time, what it
 * found, and the fix when it failed), with a button for a fix the window can carry out
 * ("Turn streaming off for this profile") and Copy, which puts the report (secrets already
 * scrubbed by the core) on the clipboard. Also the "Stream replies" checkbox under Advanced,
 * the profile's setting that fix turns off.
 *
 * Must not: call the backend (only the controller), word a step's finding or fix (the core's
 * text is shown as it comes), nor show a report of another profile than the one shown.
 */

import type { DoctorStep, ProfileSummary } from "../api";
import { type AppState, selectedProfile } from "../state/app-state";
import type { Controller } from "../state/controller";
import { actionHint, actionLabel, type DoctorRun, reportText } from "../state/doctor";
import { busyButton, type Find, setBusy } from "./connect-fields";
import { copyWithFeedback, h, setText, show } from "./dom";

/** "Check connection", its progress and its report. */
export function createDoctorSection(): HTMLElement {
  return h("div", { id: "doctor", class: "doctor" },
    h("div", { class: "connect-row" },
      busyButton("check-connection", "Check connection", "button"),
      h("button", { id: "doctor-copy", type: "button", class: "button", "data-testid": "doctor-copy", text: "Copy report", hidden: true }),
    ),
    h("p", { id: "doctor-progress", class: "field-note", "aria-live": "polite" }),
    h("ol", { id: "doctor-steps", class: "doctor-steps", "aria-label": "Connection check" }),
    h("button", { id: "doctor-fix", type: "button", class: "button primary", hidden: true }),
  );
}

/** "Stream replies", under "Advanced". */
export function createStreamField(): HTMLElement {
  return h("div", { class: "field" },
    h("label", { class: "check", for: "stream-replies" },
      h("input", { id: "stream-replies", type: "checkbox", checked: true, "aria-describedby": "stream-replies-note" }),
      " Stream replies",
    ),
    h("p", { id: "stream-replies-note", class: "field-note", text: "Show a reply as it is written. Turn off for a server that cannot stream: replies then come whole." }),
  );
}

export interface DoctorView {
  /** The "Stream replies" checkbox's value, for the form. */
  streamReplies(): boolean;
  fill(profile: ProfileSummary | null): void;
  render(s: AppState, previous: AppState | null): void;
}

const MARKS: Record<DoctorStep["outcome"], string> = { ok: "✓", failed: "✗", skipped: "–" };

function stepItem(step: DoctorStep): HTMLElement {
  const time = step.outcome === "skipped" ? "skipped" : `${step.elapsedMs} ms`;
  return h("li", { class: "doctor-step", dataset: { outcome: step.outcome, step: step.name } },
    h("span", { class: "doctor-mark", "aria-hidden": "true", text: MARKS[step.outcome] }),
    h("span", { class: "doctor-title", text: `${step.title} (${time})` }),
    h("span", { class: "doctor-detail", text: step.detail }),
    step.fix ? h("span", { class: "doctor-fix", text: `Fix: ${step.fix}` }) : null,
    actionHint(step.action) ? h("span", { class: "doctor-hint", text: actionHint(step.action)! }) : null,
  );
}

export function mountDoctor($: Find, controller: Controller, saveEdits: () => void): DoctorView {
  const check = $<HTMLButtonElement>("check-connection");
  const copy = $<HTMLButtonElement>("doctor-copy");
  const progress = $("doctor-progress");
  const list = $("doctor-steps");
  const fix = $<HTMLButtonElement>("doctor-fix");
  const stream = $<HTMLInputElement>("stream-replies");

  check.addEventListener("click", () => void controller.checkConnection());
  fix.addEventListener("click", () => void controller.turnStreamingOff());
  stream.addEventListener("change", saveEdits);

  /** The run of the profile shown, if the last run was of it. */
  const runOf = (s: AppState): DoctorRun | null => {
    const run = s.doctor;
    return run && run.profileId === s.selectedProfileId ? run : null;
  };

  copy.addEventListener("click", () => {
    const s = controller.store.get();
    const run = runOf(s);
    const profile = selectedProfile(s);
    if (!run || !profile) return;
    const text = reportText(run, profile.name);
    copy.dataset.copiedText = text;
    void copyWithFeedback(copy, text);
  });

  return {
    streamReplies: () => stream.checked,
    fill(profile) {
      stream.checked = profile?.options.streamReplies ?? true;
    },
    render(s, previous) {
      const run = runOf(s);
      const profile = selectedProfile(s);
      if (previous !== null && run === runOf(previous) && profile === selectedProfile(previous)) return;
      show(check, profile !== null);
      setBusy(check, run?.running ?? false);
      list.replaceChildren(...(run?.steps ?? []).map(stepItem));
      const failed = run?.steps.find((step) => step.outcome === "failed") ?? null;
      setText(progress, !run ? "" : run.running ? `Checking… ${run.steps.length} of 5 steps done.`
        : run.error ?? (failed ? `“${failed.title}” failed.` : "Every step passed."));
      progress.dataset.outcome = !run || run.running ? "" : failed || run.error ? "failed" : "ok";
      show(copy, run !== null && !run.running);
      const label = actionLabel(failed?.action ?? null);
      show(fix, label !== null && run !== null && !run.running);
      fix.disabled = run?.fixed ?? false;
      fix.textContent = run?.fixed ? "Streaming is off for this profile" : (label ?? "");
    },
  };
}
