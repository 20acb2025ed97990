/**
 * The dev mock's file commands, as the shell's: the import dialog (`willChoose` says what the
 * person picks), importing SillyTavern JSONL and Switchboard's chat files and backups (a
 * backup's chats recognised by id: "already here" until told to skip or replace them), the save
 * dialog of exports and backups (`willSave` says where the person saves; null: cancelled;
 * unset: the suggested name in Downloads), and "Show in folder" for files saved here.
 *
 * Never part of a production build.
 */

import type { Api, Chat, ExistingChats, ExportFormat, ImportReport, IpcError, ProfileSummary, StoredMessage } from "../api";
import { archiveOfChat, archiveTurns, type ArchivedChat, exportChatText, readTavern, writeNewFile } from "./mock-files";

/** What the commands read and write of the mock's state. */
export interface TransferDeps {
  calls: string[];
  files: Map<string, string>;
  profiles: Map<string, ProfileSummary>;
  chats: Map<string, Chat>;
  messages: Map<string, StoredMessage[]>;
  deleted: Set<string>;
  liveChat: (chatId: string) => Chat;
  importedChat: (title: string, turns: readonly { role: StoredMessage["role"]; content: string; model?: string | null }[], id?: string) => Chat;
  nextId: (prefix: string) => string;
  now: () => number;
}

type TransferCommands = Pick<Api, "chooseImportFiles" | "importChatFile" | "exportChat" | "backupAll" | "showInFolder"> & {
  willChoose(paths: string[]): void;
  willSave(path: string | null): void;
};

export function transferCommands(deps: TransferDeps): TransferCommands {
  function importTavern(fileName: string, text: string, report: ImportReport): void {
    const { title, turns } = readTavern(fileName, text, report);
    report.chats.push(deps.importedChat(title, turns));
  }

  function importArchived(archive: ArchivedChat, report: ImportReport, id?: string): void {
    report.chats.push(deps.importedChat(archive.title || "Imported chat", archiveTurns(archive), id));
  }

  /** A backup's chats, each recognised by id: one here is skipped or replaced as `existing` says. */
  function restoreArchived(archives: readonly ArchivedChat[], existing: ExistingChats, report: ImportReport): void {
    for (const archive of archives) {
      const here = archive.id && !deps.deleted.has(archive.id) ? deps.chats.get(archive.id) : undefined;
      if (here && existing === "skip") {
        report.skippedChats.push(here.title);
        continue;
      }
      if (here) report.replaced.push(here.title);
      if (archive.id) deps.deleted.delete(archive.id);
      importArchived(archive, report, archive.id);
    }
  }

  const archiveOf = (chat: Chat): ArchivedChat => archiveOfChat(chat, deps.messages.get(chat.id) ?? []);
  const writeNew = (stem: string, ext: string, text: string): string => writeNewFile(deps.files, stem, ext, text);
  const exportText = (chat: Chat, format: ExportFormat): string => exportChatText(chat, deps.messages.get(chat.id) ?? [], format);

  let toChoose: string[] = [];
  let toSave: string | null | undefined;
  /** The save dialog: where the person saves `text` (`stem.ext` suggested); null when cancelled. */
  const saveAs = (stem: string, ext: string, text: string): string | null => {
    const answer = toSave;
    toSave = undefined;
    if (answer === null) return null;
    if (answer === undefined) return writeNew(stem, ext, text);
    deps.files.set(answer, text);
    return answer;
  };
  const saved = new Set<string>();
  return {
    willChoose: (paths) => {
      toChoose = [...paths];
    },
    willSave: (path) => {
      toSave = path;
    },
    async chooseImportFiles() {
      deps.calls.push("chooseImportFiles");
      const chosen = toChoose;
      toChoose = [];
      return chosen;
    },
    async importChatFile(path, existing = null) {
      const fileName = path.split("/").pop() ?? path;
      deps.calls.push(`importChatFile:${fileName}${existing ? `:${existing}` : ""}`);
      const report: ImportReport = {
        chats: [], skipped: [], profiles: [], skippedProfiles: [], error: null, alreadyHere: 0, replaced: [], skippedChats: [], onServer: 0,
      };
      const text = deps.files.get(path);
      if (text === undefined) {
        report.error = "cannot read it: No such file or directory (os error 2)";
        return report;
      }
      try {
        const head = text.slice(0, 400);
        if (head.includes("switchboard-backup")) {
          const backup = JSON.parse(text) as { chats?: ArchivedChat[]; profiles?: Partial<ProfileSummary>[] };
          const here = (backup.chats ?? []).filter((a) => a.id && deps.chats.has(a.id) && !deps.deleted.has(a.id)).length;
          if (here > 0 && existing === null) {
            report.alreadyHere = here;
            return report;
          }
          restoreArchived(backup.chats ?? [], existing ?? "skip", report);
          for (const profile of backup.profiles ?? []) {
            const name = profile.name ?? "(no name)";
            if ([...deps.profiles.values()].some((p) => p.name.toLowerCase() === name.toLowerCase())) {
              report.skippedProfiles.push({ name, reason: "a profile with this name exists" });
              continue;
            }
            const id = deps.nextId("profile");
            deps.profiles.set(id, { ...(profile as ProfileSummary), id, name, hasKey: false, createdAt: deps.now(), updatedAt: deps.now() });
            report.profiles.push(name);
          }
        } else if (head.includes("switchboard-chat")) {
          importArchived((JSON.parse(text) as { chat: ArchivedChat }).chat, report);
        } else {
          importTavern(fileName, text, report);
        }
      } catch (error) {
        report.error = error instanceof SyntaxError ? `This file is not valid JSON: ${error.message}.` : (error as Error).message;
      }
      return report;
    },
    async exportChat(chatId, format) {
      deps.calls.push(`exportChat:${chatId}:${format}`);
      const chat = deps.liveChat(chatId);
      const ext = format === "sillytavern" ? "jsonl" : format === "markdown" ? "md" : "json";
      const path = saveAs(chat.title, ext, exportText(chat, format));
      if (path) saved.add(path);
      return path ? { path } : null;
    },
    async backupAll() {
      deps.calls.push("backupAll");
      const live = [...deps.chats.values()].filter((c) => !deps.deleted.has(c.id));
      const body = {
        format: "switchboard-backup",
        version: 1,
        chats: live.map(archiveOf),
        profiles: [...deps.profiles.values()].map(({ hasKey: _, ...profile }) => profile),
      };
      const day = new Date(deps.now()).toISOString().slice(0, 10);
      const path = saveAs(`switchboard-backup-${day}`, "json", JSON.stringify(body, null, 2));
      if (path) saved.add(path);
      return path ? { path } : null;
    },
    async showInFolder(path) {
      deps.calls.push(`showInFolder:${path}`);
      if (!saved.has(path)) {
        throw { kind: "invalidRequest", message: `“${path}” was not saved from this window; only files saved here can be shown.` } satisfies IpcError;
      }
    },
  };
}
