/**
 * The connection doctor in the drawer: "Check connection" runs the core's steps on the selected
 * profile (each step lands as it finishes), the report it ends with, the plain text Copy puts on
 * the clipboard, and the fixes it offers that the window can carry out (turning streaming off
 * for a server that cannot stream).
 *
 * Must not: word a step itself (the core's detail and fix are shown as they come, the window
 * adds only what its own controls do), nor keep a report of another profile than the one it ran
 * on (`DoctorRun.profileId`; the view shows it only while that profile is shown).
 */

import type { DoctorAction, DoctorReport, DoctorStep, ProfileSummary } from "../api";
import { toIpcError } from "../api";
import { selectedProfile } from "./app-state";
import { Part } from "./context";
import { describeError } from "./errors";
import { draftFromProfile } from "./profile-form";

/** One run of the doctor, as the drawer shows it. */
export interface DoctorRun {
  /** The profile it checks. */
  readonly profileId: string;
  readonly running: boolean;
  /** The steps finished so far (all five at the end). */
  readonly steps: readonly DoctorStep[];
  /** The whole report, once it ended. */
  readonly report: DoctorReport | null;
  /** Why it could not run at all (no key, no keychain), in the window's words. */
  readonly error: string | null;
  /** The offered fix was carried out (streaming turned off). */
  readonly fixed: boolean;
}

/** The button that carries out `action`, where the window has one. */
export function actionLabel(action: DoctorAction | null): string | null {
  return action?.type === "turnStreamingOff" ? "Turn streaming off for this profile" : null;
}

/** What the window offers for `action` where it has no button: the field to go to. */
export function actionHint(action: DoctorAction | null): string | null {
  switch (action?.type) {
    case "saveKey":
      return "Type the key into the API key field above and press Connect.";
    case "chooseModel":
      return "Choose another model in the Model section.";
    default:
      return null;
  }
}

const MARKS: Record<DoctorStep["outcome"], string> = { ok: "ok", failed: "FAILED", skipped: "skipped" };

/** The report as plain text, as Copy puts it on the clipboard (the core has scrubbed every secret). */
export function reportText(run: DoctorRun, profileName: string): string {
  const lines = [`Connection check of “${profileName}”${run.report ? ` (${run.report.source}, ${run.report.url})` : ""}`];
  for (const step of run.steps) {
    const time = step.outcome === "skipped" ? "" : ` (${step.elapsedMs} ms)`;
    lines.push(`[${MARKS[step.outcome]}] ${step.title}${time}: ${step.detail}`);
    if (step.fix) lines.push(`  Fix: ${step.fix}`);
  }
  if (run.error) lines.push(run.error);
  return lines.join("\n");
}

export class Doctor extends Part {
  /** Runs the doctor on the selected profile. */
  async check(): Promise<void> {
    const profile = selectedProfile(this.state);
    if (!profile || this.state.doctor?.running) return;
    const start: DoctorRun = { profileId: profile.id, running: true, steps: [], report: null, error: null, fixed: false };
    this.store.update({ doctor: start });
    const same = (run: DoctorRun | null): run is DoctorRun => run?.profileId === profile.id && run.running;
    try {
      const report = await this.api.checkConnection(profile.id, (step) => {
        const run = this.state.doctor;
        if (same(run)) this.store.update({ doctor: { ...run, steps: [...run.steps, step] } });
      });
      const run = this.state.doctor;
      if (same(run)) this.store.update({ doctor: { ...run, running: false, steps: report.steps, report } });
      // Discovery may have saved a better URL.
      await this.parts.profiles.refreshProfiles();
    } catch (error) {
      const run = this.state.doctor;
      const text = describeError(toIpcError(error)).text;
      if (same(run)) this.store.update({ doctor: { ...run, running: false, error: text } });
    }
  }

  /** Turns streaming off for the profile the doctor ran on: replies then come whole. */
  async turnStreamingOff(): Promise<void> {
    const run = this.state.doctor;
    const profile = run && this.state.profiles.find((p) => p.id === run.profileId);
    if (!run || !profile) return;
    try {
      const saved = await this.serial(() =>
        this.api.saveProfile({ ...draftFromProfile(profile), options: { ...profile.options, streamReplies: false } }),
      );
      this.parts.profiles.upsertProfile(saved.profile);
      const now = this.state.doctor;
      if (now?.profileId === run.profileId) this.store.update({ doctor: { ...now, fixed: true } });
    } catch (error) {
      this.parts.window.handleError(error, { profile: profile as ProfileSummary });
    }
  }
}
