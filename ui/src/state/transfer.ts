/**
 * Chats in and out of the window, in words: what an import of several files did, and what an
 * export or a backup wrote. Pure functions, so the toast's sentences are tested on their own.
 */

import type { ExportFormat, ImportReport } from "../api";

/** One file given to "Import chats…", and what became of it. */
export interface FileImport {
  readonly fileName: string;
  /**
   * What the backend did with it; null when the file could not even be handed over, or when
   * the person cancelled at "N chats are already here" (then `failure` is null too).
   */
  readonly report: ImportReport | null;
  /** Why the file could not be handed over (unreadable, IPC failed); null otherwise. */
  readonly failure: string | null;
}

/** The export formats, in menu order, with what the menu says. */
export const EXPORT_FORMATS: readonly { format: ExportFormat; label: string; hint: string }[] = [
  { format: "sillytavern", label: "SillyTavern chat", hint: ".jsonl" },
  { format: "markdown", label: "Markdown", hint: ".md" },
  { format: "json", label: "Switchboard JSON", hint: ".json" },
];

/** How many reasons one file's skipped lines list before "…". */
const REASONS_SHOWN = 3;

/** "1 chat", "2 chats". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** "line 4", "lines 4 and 7", "lines 4, 7 and 9". */
export function lineList(lines: readonly number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const head = lines.slice(0, -1).join(", ");
  return `lines ${head} and ${lines[lines.length - 1]}`;
}

/** A message as a clause: without its final full stop. */
function clause(text: string): string {
  return text.trim().replace(/\.+$/, "");
}

/**
 * The toast after "Import chats…": how many chats (and profiles) came in, then, file by file,
 * the lines left out with their reasons, the profiles kept out, and the files that failed.
 * `ok` is false when a file failed or nothing came in.
 */
export function importSummary(files: readonly FileImport[]): { text: string; ok: boolean } {
  let chats = 0;
  let profiles = 0;
  let replaced = 0;
  let kept = 0;
  const details: string[] = [];
  let failed = false;
  let cancelled = 0;
  for (const { fileName, report, failure } of files) {
    if (!report && failure === null) {
      cancelled += 1;
      details.push(`left ${fileName} out`);
      continue;
    }
    if (!report) {
      failed = true;
      details.push(`could not import ${fileName}: ${clause(failure ?? "it could not be read")}`);
      continue;
    }
    chats += report.chats.length - report.replaced.length;
    replaced += report.replaced.length;
    kept += report.skippedChats.length;
    profiles += report.profiles.length;
    if (report.skipped.length > 0) {
      const reasons = report.skipped
        .slice(0, REASONS_SHOWN)
        .map((s) => `line ${s.line} — ${clause(s.reason)}`)
        .join("; ");
      const more = report.skipped.length > REASONS_SHOWN ? "; …" : "";
      details.push(`skipped ${lineList(report.skipped.map((s) => s.line))} of ${fileName}: ${reasons}${more}`);
    }
    for (const skipped of report.skippedProfiles) {
      details.push(`left out the profile “${skipped.name}” of ${fileName}: ${clause(skipped.reason)}`);
    }
    if (report.onServer > 0) {
      const what = report.onServer === 1 ? "1 image or file" : `${report.onServer} images or files`;
      details.push(`${what} of ${fileName} live on the SillyTavern server, not in the file, so were not imported`);
    }
    if (report.error) {
      failed = true;
      const what = report.chats.length > 0 ? `stopped importing ${fileName}` : `could not import ${fileName}`;
      details.push(`${what}: ${clause(report.error)}`);
    }
  }
  const parts: string[] = [];
  const handled = chats + profiles + replaced + kept;
  if (chats + profiles > 0 || (!failed && replaced + kept === 0 && cancelled < files.length)) {
    const what = [
      chats > 0 || profiles === 0 ? count(chats, "chat") : null,
      profiles > 0 ? `${count(profiles, "profile")} (without keys: add them in the drawer)` : null,
    ];
    parts.push(`Imported ${what.filter((w) => w !== null).join(" and ")}`);
  }
  if (replaced > 0) parts.push(`replaced ${count(replaced, "chat")} with the backup's copy`);
  if (kept > 0) parts.push(`skipped ${count(kept, "chat")} already here`);
  parts.push(...details);
  const text = parts.join("; ");
  return { text: `${text.charAt(0).toUpperCase()}${text.slice(1)}.`, ok: !failed && handled > 0 };
}
