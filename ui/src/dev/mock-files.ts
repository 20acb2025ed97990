/**
 * The dev mock's files: reading SillyTavern JSONL and Switchboard's own chat files, writing
 * exports into the mock's Downloads folder without overwriting, and search snippets.
 *
 * In the mock, `chooseImportFiles` answers the paths given to `willChoose` (none: the dialog
 * was cancelled); `importChatFile` reads them from `files` as SillyTavern JSONL (bad lines
 * skipped and named), Switchboard chat exports and backups (profiles restored without keys,
 * names already taken left out; a backup's chats already here, by id, skipped or replaced as
 * asked); `exportChat` and `backupAll` "write" where `willSave` says (null: the dialog was
 * cancelled), else, as if the suggested name were accepted, into `~/Downloads` (kept in
 * `files`, never overwriting: `Title (2).md`).
 *
 * Pure functions of their arguments: the mock's state is passed in, never reached for.
 * Never part of a production build.
 */

import type { Chat, ExportFormat, ImportReport, SnippetPart, StoredMessage } from "../api";
import { markWords, searchWords } from "../state/history";
import { MOCK_DOWNLOADS } from "./mock-data";

/** One message of an imported chat. */
export type Turn = { role: StoredMessage["role"]; content: string; model: string | null };

/**
 * The snippet the core's search gives: the whole words around the first match (white space
 * made single spaces), every word of the query marked.
 */
export function snippetOf(content: string, query: string): SnippetPart[] {
  let text = content.replace(/\s+/gu, " ");
  if (text.length > 160) {
    const lower = text.toLowerCase();
    const found = searchWords(query).map((w) => lower.indexOf(w.toLowerCase())).filter((at) => at >= 0);
    const first = found.length ? Math.min(...found) : 0;
    let start = Math.max(0, first - 60);
    let end = Math.min(text.length, first + 100);
    const space = text.indexOf(" ", start);
    if (start > 0 && space !== -1 && space < first) start = space + 1;
    const last = text.lastIndexOf(" ", end);
    if (end < text.length && last > first) end = last;
    text = `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
  }
  return markWords(text, query);
}

/** A SillyTavern JSONL file: a header line, then one message a line (bad ones skipped). */
export function readTavern(fileName: string, text: string, report: ImportReport): { title: string; turns: Turn[] } {
  const lines = text.replace(/^\uFEFF/, "").split("\n").map((line, i) => [i + 1, line] as const).filter(([, l]) => l.trim() !== "");
  const [first, ...rest] = lines;
  if (!first) throw new Error("The file is empty: a SillyTavern chat starts with a header line.");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(first[1]) as Record<string, unknown>;
  } catch {
    throw new Error(`Line ${first[0]} is not a SillyTavern chat header: it is not valid JSON.`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new Error(`Line ${first[0]} is not a SillyTavern chat header: expected a JSON object.`);
  }
  const turns: Turn[] = [];
  for (const [number, line] of rest) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      report.skipped.push({ line: number, reason: "not valid JSON" });
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      report.skipped.push({ line: number, reason: `not a JSON object (found ${Array.isArray(value) ? "an array" : typeof value})` });
      continue;
    }
    const message = value as { mes?: unknown; is_user?: unknown; is_system?: unknown; extra?: { model?: unknown } };
    if (typeof message.mes !== "string") {
      report.skipped.push({ line: number, reason: 'no "mes" field (the message text)' });
      continue;
    }
    const model = typeof message.extra?.model === "string" ? message.extra.model : null;
    turns.push({ role: message.is_system ? "system" : message.is_user ? "user" : "assistant", content: message.mes, model });
  }
  const title = typeof header.switchboard_title === "string" ? header.switchboard_title
    : typeof header.character_name === "string" ? `${header.character_name} (imported)`
      : fileName.replace(/\.[^.]*$/, "") || "Imported chat";
  return { title, turns };
}

/** A chat as Switchboard's own file carries it. */
export type ArchivedChat = { id?: string; title?: string; messages?: { role?: StoredMessage["role"]; content?: string; model?: string | null }[] };

/** The turns of a chat in Switchboard's own file. */
export function archiveTurns(archive: ArchivedChat): Turn[] {
  return (archive.messages ?? []).map((m) => ({ role: m.role ?? "user", content: m.content ?? "", model: m.model ?? null }));
}

/** A chat and its messages as Switchboard's own file carries them. */
export function archiveOfChat(chat: Chat, list: readonly StoredMessage[]): ArchivedChat {
  return {
    id: chat.id,
    title: chat.title,
    messages: list.map((m) => ({ role: m.role, content: m.content, model: m.model })),
  };
}

/** Keeps `text` at a new path in the Downloads folder: `stem.ext`, else `stem (2).ext`, … */
export function writeNewFile(files: Map<string, string>, stem: string, ext: string, text: string): string {
  const safe = stem.replace(/[\/\\:*?"<>|\u0000-\u001f]+/g, " ").replace(/\s+/g, " ").trim().replace(/^\.+|\.+$/g, "").slice(0, 80) || "chat";
  for (let n = 1; ; n++) {
    const path = `${MOCK_DOWNLOADS}/${n === 1 ? safe : `${safe} (${n})`}.${ext}`;
    if (!files.has(path)) {
      files.set(path, text);
      return path;
    }
  }
}

export function exportChatText(chat: Chat, list: readonly StoredMessage[], format: ExportFormat): string {
  switch (format) {
    case "sillytavern":
      return [
        JSON.stringify({ user_name: "User", character_name: "Assistant", chat_metadata: {}, switchboard_title: chat.title }),
        ...list.map((m) => JSON.stringify({ name: m.role === "user" ? "User" : "Assistant", is_user: m.role === "user", is_system: m.role === "system", mes: m.content, extra: m.model ? { model: m.model } : {} })),
      ].join("\n");
    case "markdown":
      return [`# ${chat.title}`, ...list.map((m) => `**${m.role === "user" ? "User" : "Assistant"}:** ${m.content}`)].join("\n\n");
    case "json":
      return JSON.stringify({ format: "switchboard-chat", version: 1, chat: archiveOfChat(chat, list) }, null, 2);
  }
}
