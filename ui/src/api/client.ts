/**
 * The backend as the rest of the window sees it: one promise-returning method per command.
 *
 * `Api` is an interface so the controller can be driven by a fake in tests and in the browser
 * preview; `tauriApi` is the real one over Tauri IPC. Every method either resolves with the
 * command's data or rejects with an `AppError`, never with a raw `{status:"error"}` value.
 * Streaming replies arrive on a `Channel` created here, so no caller touches Tauri types.
 */

import { Channel } from "@tauri-apps/api/core";
import { commands, events } from "../bindings";
import { AppError, toAppError, toIpcError } from "./error";
import type {
  AppSettings,
  AttachmentInfo,
  ChosenAttachments,
  AppStatus,
  BuiltInTemplate,
  Chat,
  ChatAround,
  ChatEvent,
  ChatView,
  ConnectionChanged,
  ConnectResult,
  DoctorReport,
  DoctorStep,
  ExistingChats,
  ExportedFile,
  ExportFormat,
  Found,
  GenerationStarted,
  ImportReport,
  ModelInfo,
  NavigationRefused,
  NormalizedUrl,
  ProfileDraft,
  ProfileSummary,
  ProviderKind,
  RequestPreview,
  ResetReport,
  RestoreReport,
  SnapshotList,
  SavedProfile,
  ServiceAccountSaved,
  SearchHit,
  SourceInfo,
  StartGeneration,
  StatusReport,
  StoredMessage,
  TestReport,
  TrayAction,
} from "./types";

/** What a generated fallible command resolves to. */
type Result<T> = { status: "ok"; data: T } | { status: "error"; error: unknown };

/** Stops listening to an app-wide event. */
export type Unsubscribe = () => void;

/** Everything the window asks of the backend. */
export interface Api {
  listSources(): Promise<SourceInfo[]>;
  /** The built-in instruct templates, in picker order. */
  listTemplates(): Promise<BuiltInTemplate[]>;
  /**
   * Local servers answering on the usual ports and those added before (takes up to about
   * 1.5 s); `addPort` is probed too and remembered.
   */
  detectServers(addPort?: number | null): Promise<Found[]>;
  listProfiles(): Promise<ProfileSummary[]>;
  /** Creates the profile when `draft.id` is null, else updates it. */
  saveProfile(draft: ProfileDraft): Promise<SavedProfile>;
  /** Deletes a profile, undoably with `restoreProfile` (its key stays until then). */
  deleteProfile(profileId: string): Promise<void>;
  /** Brings back a deleted profile with its key; false when there was none. */
  restoreProfile(profileId: string): Promise<boolean>;
  /** Copies a profile, its key too, as “NAME copy” (“NAME copy 2”, …); resolves with the copy. */
  duplicateProfile(profileId: string): Promise<ProfileSummary>;
  previewUrl(source: ProviderKind, url: string): Promise<NormalizedUrl>;
  /** Stores the key in the OS keychain; the key never comes back, only `hasKey`. */
  setApiKey(profileId: string, key: string): Promise<ProfileSummary>;
  clearApiKey(profileId: string): Promise<ProfileSummary>;
  /** Keeps the key in memory for this session only (when the keychain cannot keep it). */
  useSessionKey(profileId: string, key: string): Promise<ProfileSummary>;
  /**
   * Vertex AI: the app asks for a service account's key file in the system's file dialog, reads
   * it and keeps it in the keychain as the profile's key (its text never comes here); resolves
   * with the account and project, or null when the dialog was cancelled.
   */
  chooseServiceAccountKey(profileId: string): Promise<ServiceAccountSaved | null>;
  /** Status check (unless bypassed) and model list; makes the profile the active one. */
  connect(profileId: string): Promise<ConnectResult>;
  listModels(profileId: string): Promise<ModelInfo[]>;
  /**
   * Status check of a profile not saved yet (its source, URL and typed key): saves nothing and
   * leaves the active connection alone.
   */
  checkProfileDraft(source: ProviderKind, url: string, key: string | null, options: ProfileDraft["options"]): Promise<StatusReport>;
  /** Sets the profile and model a stored chat's next message goes to (its place in the list stays). */
  setChatTarget(chatId: string, profileId: string, model: string | null): Promise<Chat>;
  testMessage(profileId: string, model: string | null): Promise<TestReport>;
  /** The connection doctor on a saved profile; each step goes to `onStep` as it finishes. */
  checkConnection(profileId: string, onStep: (step: DoctorStep) => void): Promise<DoctorReport>;
  appState(): Promise<AppStatus>;
  /** Every chat: pinned ones first, then the most recently changed. */
  listChats(): Promise<Chat[]>;
  /** A chat with its latest page of messages. */
  loadChat(chatId: string): Promise<ChatView>;
  /** The page of messages before `beforeSeq` (a message's `seq`), oldest first; empty at the start. */
  loadMessages(chatId: string, beforeSeq: number): Promise<StoredMessage[]>;
  /** A chat on the page around `messageId` (a search hit); an error when it is not in this chat. */
  loadChatAround(chatId: string, messageId: string): Promise<ChatAround>;
  /** The page of messages after `afterSeq` (a message's `seq`), oldest first; empty at the end. */
  loadNewerMessages(chatId: string, afterSeq: number): Promise<StoredMessage[]>;
  /** Returns as soon as the generation is registered; its events go to `onEvent`. */
  startGeneration(request: StartGeneration, onEvent: (event: ChatEvent) => void): Promise<GenerationStarted>;
  /**
   * Writes a new version (swipe) of a reply; the earlier versions stay. Events as for
   * `startGeneration`. `model` overrides the profile's (null: the profile's).
   */
  regenerate(profileId: string, messageId: string, onEvent: (event: ChatEvent) => void, model?: string | null): Promise<GenerationStarted>;
  /** Continues a reply where it ends; its `started` event carries the text so far. `model` as for `regenerate`. */
  continueReply(profileId: string, messageId: string, onEvent: (event: ChatEvent) => void, model?: string | null): Promise<GenerationStarted>;
  /** Shows version `index` (from 0) of a message. */
  selectSwipe(messageId: string, index: number): Promise<StoredMessage>;
  /** Replaces the text of the version shown. */
  editMessage(messageId: string, content: string): Promise<StoredMessage>;
  /** Deletes a message with all its versions, undoably with `restoreMessage`; false when there was none. */
  deleteMessage(messageId: string): Promise<boolean>;
  /** Brings back a deleted message at its place, with all its versions; false when there was none. */
  restoreMessage(messageId: string): Promise<boolean>;
  /** A new chat with the history up to and including `messageId`. */
  branchChat(chatId: string, messageId: string): Promise<Chat>;
  renameChat(chatId: string, title: string): Promise<Chat>;
  pinChat(chatId: string, pinned: boolean): Promise<Chat>;
  /** Deletes a chat, undoably with `restoreChat`; false when there was none. */
  deleteChat(chatId: string): Promise<boolean>;
  restoreChat(chatId: string): Promise<boolean>;
  /** Chats whose title or messages contain `query`, most recent first. */
  searchChats(query: string): Promise<SearchHit[]>;
  /**
   * The request `request` would send, after post-processing, with keys redacted. Sends and
   * saves nothing; an empty `input` shows the conversation so far.
   */
  previewRequest(request: StartGeneration): Promise<RequestPreview>;
  /** Why the app could not open its data (the window then shows only that), or null. */
  startupProblem(): Promise<string | null>;
  /** The app's settings (defaults for what was never set). */
  getSettings(): Promise<AppSettings>;
  saveSettings(settings: AppSettings): Promise<void>;
  /** Deletes the database, its backups and every keychain entry Switchboard made. */
  deleteAllData(): Promise<ResetReport>;
  /** Quits the app. */
  quitApp(): Promise<void>;
  /** The database's snapshots, newest first, each checked, with what there is now. */
  listSnapshots(): Promise<SnapshotList>;
  /** Replaces the data with a snapshot, after snapshotting the data it replaces. */
  restoreSnapshot(id: string): Promise<RestoreReport>;
  /** Why a snapshot could not be taken when the app opened its data, or null. */
  snapshotProblem(): Promise<string | null>;
  /** Opens the system's file dialog for chat files; resolves with the paths chosen (none on cancel). */
  chooseImportFiles(): Promise<string[]>;
  /**
   * Imports one file chosen with `chooseImportFiles`, by its path: the app reads it (SillyTavern
   * JSONL, a Switchboard chat export or backup; a size limit applies). A file that cannot be read
   * resolves with its `error` set; only IPC or the shell itself rejects. A backup whose chats are
   * partly here already is imported only with `existing` (skip or replace them); without it the
   * report's `alreadyHere` says how many and nothing is imported.
   */
  importChatFile(path: string, existing?: ExistingChats | null): Promise<ImportReport>;
  /**
   * Asks where to save a chat (the system's save dialog, suggesting its title) and writes it
   * there; resolves with where it went, or null when the person cancelled (nothing written).
   */
  exportChat(chatId: string, format: ExportFormat): Promise<ExportedFile | null>;
  /** Asks where, then saves every chat and profile (no keys) in one backup file; null when cancelled. */
  backupAll(): Promise<ExportedFile | null>;
  /** Shows a file saved from the window in its folder (the file manager, else the folder opened). */
  showInFolder(path: string): Promise<void>;
  /**
   * Attaches a pasted or dropped file (its bytes as base64) to the message being written: the
   * backend checks and keeps it as a draft; rejects with the reason (too large, not readable, …).
   */
  addAttachment(name: string, dataBase64: string): Promise<AttachmentInfo>;
  /** The system's file dialog for files to attach; each chosen file attached or refused by name. */
  chooseAttachments(): Promise<ChosenAttachments>;
  /** Drops a draft attachment (removed before sending); false when there was none. */
  discardAttachment(id: string): Promise<boolean>;
  /** An attached image as a `data:` URL, to draw it. */
  attachmentImage(id: string): Promise<string>;
  /** True when a running generation was told to stop. */
  cancelGeneration(generationId: string): Promise<boolean>;
  /** Opens an http(s) or mailto link in the system browser (the backend refuses other kinds). */
  openExternal(url: string): Promise<void>;
  onConnectionChanged(listener: (change: ConnectionChanged) => void): Promise<Unsubscribe>;
  onProfilesChanged(listener: () => void): Promise<Unsubscribe>;
  onTrayAction(listener: (action: TrayAction) => void): Promise<Unsubscribe>;
  /** The window was kept on the app's pages: `url` was not opened in it. */
  onNavigationRefused(listener: (refused: NavigationRefused) => void): Promise<Unsubscribe>;
}

/** Resolves a generated `Result` into its data, or throws it as an `AppError`. */
export function unwrap<T>(result: Result<T>): T {
  if (result.status === "ok") return result.data;
  throw new AppError(toIpcError(result.error));
}

/** Runs one command, mapping every failure (including thrown ones) to an `AppError`. */
async function call<T>(run: () => Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await run();
  } catch (thrown) {
    throw toAppError(thrown);
  }
  return unwrap(result);
}

/** Runs a command that cannot fail in Rust; IPC itself still can. */
async function plain<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (thrown) {
    throw toAppError(thrown);
  }
}

/** A channel that hands a generation's events to `onEvent`. */
function channelOf(onEvent: (event: ChatEvent) => void): Channel<ChatEvent> {
  const channel = new Channel<ChatEvent>();
  channel.onmessage = onEvent;
  return channel;
}

/** The backend over Tauri IPC. */
export const tauriApi: Api = {
  listSources: () => plain(() => commands.listSources()),
  listTemplates: () => plain(() => commands.listTemplates()),
  detectServers: (addPort) => call(() => commands.detectServers(addPort ?? null)),
  listProfiles: () => call(() => commands.listProfiles()),
  saveProfile: (draft) => call(() => commands.saveProfile(draft)),
  deleteProfile: async (profileId) => {
    await call(() => commands.deleteProfile(profileId));
  },
  restoreProfile: (profileId) => call(() => commands.restoreProfile(profileId)),
  duplicateProfile: (profileId) => call(() => commands.duplicateProfile(profileId)),
  previewUrl: (source, url) => call(() => commands.previewUrl(source, url)),
  setApiKey: (profileId, key) => call(() => commands.setApiKey(profileId, key)),
  useSessionKey: (profileId, key) => call(() => commands.useSessionKey(profileId, key)),
  clearApiKey: (profileId) => call(() => commands.clearApiKey(profileId)),
  chooseServiceAccountKey: (profileId) => call(() => commands.chooseServiceAccountKey(profileId)),
  connect: (profileId) => call(() => commands.connect(profileId)),
  listModels: (profileId) => call(() => commands.listModels(profileId)),
  checkProfileDraft: (source, url, key, options) => call(() => commands.checkProfileDraft(source, url, key, options ?? null)),
  setChatTarget: (chatId, profileId, model) => call(() => commands.setChatTarget(chatId, profileId, model)),
  testMessage: (profileId, model) => call(() => commands.testMessage(profileId, model)),
  checkConnection: (profileId, onStep) => {
    const channel = new Channel<DoctorStep>();
    channel.onmessage = onStep;
    // The generated signature names the step's deserialised shape; the core sends the serialised one.
    return call(() => commands.checkConnection(profileId, channel as unknown as Parameters<typeof commands.checkConnection>[1]));
  },
  appState: () => plain(() => commands.appState()),
  listChats: () => call(() => commands.listChats()),
  loadChat: (chatId) => call(() => commands.loadChat(chatId)),
  loadMessages: (chatId, beforeSeq) => call(() => commands.loadMessages(chatId, beforeSeq)),
  loadChatAround: (chatId, messageId) => call(() => commands.loadChatAround(chatId, messageId)),
  loadNewerMessages: (chatId, afterSeq) => call(() => commands.loadNewerMessages(chatId, afterSeq)),
  startGeneration: (request, onEvent) => call(() => commands.startGeneration(request, channelOf(onEvent))),
  regenerate: (profileId, messageId, onEvent, model = null) =>
    call(() => commands.regenerate(profileId, messageId, model, channelOf(onEvent))),
  continueReply: (profileId, messageId, onEvent, model = null) =>
    call(() => commands.continueReply(profileId, messageId, model, channelOf(onEvent))),
  selectSwipe: (messageId, index) => call(() => commands.selectSwipe(messageId, index)),
  editMessage: (messageId, content) => call(() => commands.editMessage(messageId, content)),
  deleteMessage: (messageId) => call(() => commands.deleteMessage(messageId)),
  restoreMessage: (messageId) => call(() => commands.restoreMessage(messageId)),
  branchChat: (chatId, messageId) => call(() => commands.branchChat(chatId, messageId)),
  renameChat: (chatId, title) => call(() => commands.renameChat(chatId, title)),
  pinChat: (chatId, pinned) => call(() => commands.pinChat(chatId, pinned)),
  deleteChat: (chatId) => call(() => commands.deleteChat(chatId)),
  restoreChat: (chatId) => call(() => commands.restoreChat(chatId)),
  searchChats: (query) => call(() => commands.searchChats(query)),
  previewRequest: (request) => call(() => commands.previewRequest(request)),
  startupProblem: () => plain(() => commands.startupProblem()),
  getSettings: () => call(() => commands.getSettings()),
  deleteAllData: () => call(() => commands.deleteAllData("delete all my data")),
  quitApp: async () => {
    await commands.quitApp();
  },
  listSnapshots: () => call(() => commands.listSnapshots()),
  restoreSnapshot: (id) => call(() => commands.restoreSnapshot(id)),
  snapshotProblem: () => plain(() => commands.snapshotProblem()),
  saveSettings: async (settings) => {
    await call(() => commands.saveSettings(settings));
  },
  chooseImportFiles: () => call(() => commands.chooseImportFiles()),
  importChatFile: (path, existing = null) => call(() => commands.importChatFile(path, existing)),
  exportChat: (chatId, format) => call(() => commands.exportChat(chatId, format)),
  backupAll: () => call(() => commands.backupAll()),
  showInFolder: async (path) => {
    await call(() => commands.showInFolder(path));
  },
  addAttachment: (name, dataBase64) => call(() => commands.addAttachment(name, dataBase64)),
  chooseAttachments: () => call(() => commands.chooseAttachments()),
  discardAttachment: (id) => call(() => commands.discardAttachment(id)),
  attachmentImage: (id) => call(() => commands.attachmentImage(id)),
  cancelGeneration: (generationId) => plain(() => commands.cancelGeneration(generationId)),
  openExternal: async (url) => {
    await call(() => commands.openExternal(url));
  },
  onConnectionChanged: (listener) =>
    plain(() => events.connectionChanged.listen((event) => listener(event.payload))),
  onProfilesChanged: (listener) => plain(() => events.profilesChanged.listen(() => listener())),
  onTrayAction: (listener) => plain(() => events.trayAction.listen((event) => listener(event.payload))),
  onNavigationRefused: (listener) =>
    plain(() => events.navigationRefused.listen((event) => listener(event.payload))),
};
