// The toast's words after an import: counts, the lines left out with their reasons, profiles
// kept out, and files that failed.

import { describe, expect, it } from "vitest";
import type { ImportReport } from "../api";
import { count, type FileImport, importSummary, lineList } from "./transfer";

function report(patch: Partial<ImportReport> = {}): ImportReport {
  return { chats: [], skipped: [], profiles: [], skippedProfiles: [], error: null, alreadyHere: 0, replaced: [], skippedChats: [], onServer: 0, ...patch };
}

const chat = (id: string) => ({ id, title: id, profileId: null, model: null, pinned: false, messageCount: 2, createdAt: 0, updatedAt: 0, branchOf: null });

function file(fileName: string, patch: Partial<ImportReport> | null, failure: string | null = null): FileImport {
  return { fileName, report: patch === null ? null : report(patch), failure };
}

describe("the import summary", () => {
  it("counts chats and lists lines", () => {
    expect(count(1, "chat")).toBe("1 chat");
    expect(count(0, "chat")).toBe("0 chats");
    expect(lineList([4])).toBe("line 4");
    expect(lineList([4, 7])).toBe("lines 4 and 7");
    expect(lineList([4, 7, 9])).toBe("lines 4, 7 and 9");
  });

  it("says how many of a SillyTavern chat's images stayed on its server", () => {
    expect(importSummary([file("seraphina.jsonl", { chats: [chat("s")], onServer: 2 })])).toEqual({
      ok: true,
      text: "Imported 1 chat; 2 images or files of seraphina.jsonl live on the SillyTavern server, not in the file, so were not imported.",
    });
    expect(importSummary([file("a.jsonl", { chats: [chat("a")], onServer: 1 })]).text).toContain("1 image or file of a.jsonl live");
  });

  it("names the lines left out of each file, with their reasons", () => {
    const summary = importSummary([
      file("a.jsonl", { chats: [chat("a")] }),
      file("x.jsonl", {
        chats: [chat("x")],
        skipped: [{ line: 4, reason: "not valid JSON" }, { line: 7, reason: 'no "mes" field (the message text)' }],
      }),
    ]);
    expect(summary).toEqual({
      ok: true,
      text: 'Imported 2 chats; skipped lines 4 and 7 of x.jsonl: line 4 — not valid JSON; line 7 — no "mes" field (the message text).',
    });
  });

  it("shows the first three reasons of many", () => {
    const skipped = [3, 5, 8, 13].map((line) => ({ line, reason: "not valid JSON" }));
    expect(importSummary([file("x.jsonl", { chats: [chat("x")], skipped })]).text).toBe(
      "Imported 1 chat; skipped lines 3, 5, 8 and 13 of x.jsonl: line 3 — not valid JSON; line 5 — not valid JSON; line 8 — not valid JSON; ….",
    );
  });

  it("says what failed, and is not ok then", () => {
    expect(importSummary([file("notes.json", { error: "This is not a Switchboard file." })])).toEqual({
      ok: false,
      text: "Could not import notes.json: This is not a Switchboard file.",
    });
    expect(importSummary([file("a.jsonl", null, "IPC went away."), file("b.json", { chats: [chat("b")] })])).toEqual({
      ok: false,
      text: "Imported 1 chat; could not import a.jsonl: IPC went away.",
    });
    expect(importSummary([file("big.json", { chats: [chat("1")], error: "The local database failed: disk full." })]).text).toBe(
      "Imported 1 chat; stopped importing big.json: The local database failed: disk full.",
    );
  });

  it("counts restored profiles and names those left out", () => {
    const summary = importSummary([
      file("backup.json", {
        chats: [chat("1"), chat("2")],
        profiles: ["Ollama"],
        skippedProfiles: [{ name: "Local", reason: "a profile with this name exists" }],
      }),
    ]);
    expect(summary.text).toBe(
      "Imported 2 chats and 1 profile (without keys: add them in the drawer); left out the profile “Local” of backup.json: a profile with this name exists.",
    );
    expect(summary.ok).toBe(true);
  });

  it("says so when a file held no chat", () => {
    expect(importSummary([file("empty.jsonl", {})])).toEqual({ ok: false, text: "Imported 0 chats." });
  });

  it("counts a backup's chats replaced and skipped apart from new ones, and names a file left out", () => {
    const summary = importSummary([
      file("backup.json", { chats: [chat("1"), chat("2"), chat("3")], replaced: ["1", "2"], skippedChats: ["4"] }),
      file("other.json", null, null),
    ]);
    expect(summary.text).toBe("Imported 1 chat; replaced 2 chats with the backup's copy; skipped 1 chat already here; left other.json out.");
    expect(summary.ok).toBe(true);
    expect(importSummary([file("backup.json", { skippedChats: ["4", "5"] })])).toEqual({ ok: true, text: "Skipped 2 chats already here." });
  });
});
