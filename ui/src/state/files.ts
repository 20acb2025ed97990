/**
 * Files: importing chats (SillyTavern JSONL, Switchboard exports and backups), exporting a
 * chat, and backing everything up, each saved where the person says in the system's save
 * dialog. Each reports in the corner toast (`notice`), a save with "Show in folder".
 *
 * A backup whose chats are already here is not imported until the person answers "N chats are
 * already here: Skip them / Replace them / Cancel" (`existingChats` in the store, answered with
 * `answerExistingChats`).
 *
 * Must not: read or write files itself (the backend does; no file's text crosses IPC here),
 * nor change chats or profiles other than by reloading their lists.
 */

import type { ExistingChats, ExportedFile, ExportFormat } from "../api";
import { toIpcError } from "../api";
import { Part } from "./context";
import { count, type FileImport, importSummary } from "./transfer";

export class Files extends Part {
  /** Resolves the question on screen ("N chats are already here"), while there is one. */
  private answerExisting: ((choice: ExistingChats | null) => void) | null = null;

  /** Asks whether to skip or replace a backup's chats that are already here; null: cancel. */
  private askExisting(fileName: string, chats: number): Promise<ExistingChats | null> {
    this.answerExisting?.(null);
    return new Promise((resolve) => {
      this.answerExisting = resolve;
      this.store.update({ existingChats: { fileName, count: chats } });
    });
  }

  /** The person's answer to "N chats are already here": skip, replace, or null (cancel). */
  answerExistingChats(choice: ExistingChats | null): void {
    const answer = this.answerExisting;
    this.answerExisting = null;
    this.store.update({ existingChats: null });
    answer?.(choice);
  }

  /**
   * "Import chats…": asks for files in the system's file dialog, then imports what was chosen
   * (see `importFiles`). Nothing happens when the dialog is cancelled.
   */
  async chooseAndImport(): Promise<FileImport[]> {
    if (this.state.busy.import) return [];
    let paths: string[];
    try {
      paths = await this.api.chooseImportFiles();
    } catch (error) {
      this.parts.window.handleError(error);
      return [];
    }
    return this.importFiles(paths);
  }

  /**
   * Hands each chosen file's path to the backend, which reads it (SillyTavern JSONL, a
   * Switchboard chat export or backup; the text never crosses IPC), then says in the toast what
   * came in and what was left out.
   */
  async importFiles(paths: readonly string[]): Promise<FileImport[]> {
    if (paths.length === 0 || this.state.busy.import) return [];
    this.setBusy("import", true);
    const results: FileImport[] = [];
    try {
      for (const path of paths) {
        const fileName = path.split(/[\\/]/).pop() || path;
        try {
          let report = await this.api.importChatFile(path);
          if (report.alreadyHere > 0) {
            const choice = await this.askExisting(fileName, report.alreadyHere);
            if (choice === null) {
              results.push({ fileName, report: null, failure: null });
              continue;
            }
            report = await this.api.importChatFile(path, choice);
          }
          results.push({ fileName, report, failure: null });
        } catch (error) {
          results.push({ fileName, report: null, failure: toIpcError(error).message });
        }
      }
    } finally {
      this.setBusy("import", false);
    }
    if (results.every((r) => r.report === null && r.failure === null)) return results;
    if (results.some((r) => (r.report?.chats.length ?? 0) > 0)) await this.parts.chats.refreshChats();
    // A backup's profiles: the backend says so too (ProfilesChanged), but the list must not wait.
    if (results.some((r) => (r.report?.profiles.length ?? 0) > 0)) await this.parts.profiles.refreshProfiles();
    const summary = importSummary(results);
    this.parts.window.showNotice(summary.text, summary.ok ? "info" : "error");
    return results;
  }

  /**
   * Saves a chat as `format` where the person says in the save dialog; the toast says where,
   * with "Show in folder". Cancelled: nothing written, nothing said.
   */
  async exportChat(chatId: string, format: ExportFormat): Promise<ExportedFile | null> {
    if (this.state.busy.export) return null;
    const title = this.state.chats.find((c) => c.id === chatId)?.title || (this.state.chatId === chatId ? this.state.chatTitle : null);
    this.setBusy("export", true);
    try {
      const file = await this.api.exportChat(chatId, format);
      if (!file) return null;
      this.parts.window.showNotice(`Exported “${title || "Untitled chat"}” to ${file.path}`, "info", file.path);
      return file;
    } catch (error) {
      this.parts.window.handleError(error);
      return null;
    } finally {
      this.setBusy("export", false);
    }
  }

  /** "Back up everything": every chat and profile (never a key) in one file, saved where the person says. */
  async backupAll(): Promise<ExportedFile | null> {
    if (this.state.busy.export) return null;
    this.setBusy("export", true);
    try {
      const file = await this.api.backupAll();
      if (!file) return null;
      const { chats, profiles } = this.state;
      this.parts.window.showNotice(
        `Backed up ${count(chats.length, "chat")} and ${count(profiles.length, "profile")} (no keys) to ${file.path}`,
        "info",
        file.path,
      );
      return file;
    } catch (error) {
      this.parts.window.handleError(error);
      return null;
    } finally {
      this.setBusy("export", false);
    }
  }

  /** "Show in folder" for a file saved from the window; a failure is said in the toast. */
  async showInFolder(path: string): Promise<void> {
    try {
      await this.api.showInFolder(path);
    } catch (error) {
      this.parts.window.showNotice(`Could not show ${path}: ${toIpcError(error).message}`, "error");
    }
  }
}
