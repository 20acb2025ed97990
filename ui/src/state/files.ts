/**
 * Files: importing chats (SillyTavern JSONL, Switchboard exports and backups), exporting a
 * chat, and backing everything up. Each reports in the corner toast (`notice`).
 *
 * Must not: read or write files itself (the backend does; no file's text crosses IPC here),
 * nor change chats or profiles other than by reloading their lists.
 */

import type { ExportedFile, ExportFormat } from "../api";
import { toIpcError } from "../api";
import { Part } from "./context";
import { count, type FileImport, importSummary } from "./transfer";

export class Files extends Part {
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
          const report = await this.api.importChatFile(path);
          results.push({ fileName, report, failure: null });
        } catch (error) {
          results.push({ fileName, report: null, failure: toIpcError(error).message });
        }
      }
    } finally {
      this.setBusy("import", false);
    }
    if (results.some((r) => (r.report?.chats.length ?? 0) > 0)) await this.parts.chats.refreshChats();
    // A backup's profiles: the backend says so too (ProfilesChanged), but the list must not wait.
    if (results.some((r) => (r.report?.profiles.length ?? 0) > 0)) await this.parts.profiles.refreshProfiles();
    const summary = importSummary(results);
    this.parts.window.showNotice(summary.text, summary.ok ? "info" : "error");
    return results;
  }

  /** Writes a chat into the Downloads folder as `format`; the toast says where. */
  async exportChat(chatId: string, format: ExportFormat): Promise<ExportedFile | null> {
    if (this.state.busy.export) return null;
    const title = this.state.chats.find((c) => c.id === chatId)?.title || (this.state.chatId === chatId ? this.state.chatTitle : null);
    this.setBusy("export", true);
    try {
      const file = await this.api.exportChat(chatId, format);
      this.parts.window.showNotice(`Exported “${title || "Untitled chat"}” to ${file.path}`, "info", file.path);
      return file;
    } catch (error) {
      this.parts.window.handleError(error);
      return null;
    } finally {
      this.setBusy("export", false);
    }
  }

  /** "Back up everything": every chat and profile (never a key) in one file in Downloads. */
  async backupAll(): Promise<ExportedFile | null> {
    if (this.state.busy.export) return null;
    this.setBusy("export", true);
    try {
      const file = await this.api.backupAll();
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
}
