/**
 * Every action the window can take, and the only writer of the store: the front door views
 * and tests call. Each method hands the work to the part that owns its concern, all sharing
 * the store and the backend through one `Context`:
 * `app.ts` (start-up, settings, the data as a whole), `profiles.ts`, `connection.ts`,
 * `chats.ts`, `conversation.ts` (generating and working on messages), `doctor.ts` (the
 * connection doctor and its streaming fix), `files.ts` (import,
 * export, backup), `window.ts` (drawer, sidebar, links, banner, toast, errors) and `undo.ts`
 * (deletions offered back).
 *
 * Views call these methods; the parts call the backend through the `Api` interface and record
 * the outcome in the store. Profile writes (save, key, connect) run one after another on a
 * queue, so a save triggered by leaving a field cannot race the Connect that follows it.
 * Errors all go through `handleError`, which applies the per-kind action from `errors.ts`, except
 * a URL that cannot be used, which is said at the URL field (`urlError`) and never saved.
 *
 * What the drawer shows belongs to the profile shown: changing the selection (`showProfile`)
 * forgets the model list, URL notice and messages of the one before, and a model list only
 * lands if no other was asked for, nor another profile shown, since it was requested
 * (`modelsSeq`).
 *
 * A chat opens on its latest page of messages (a search hit: on the page around its message);
 * `loadOlder` adds the page before, `loadNewer` the page after. A generation
 * either writes a new reply after the conversation (`send`) or works on a message already
 * there (`regenerate`, `continueReply`): then it is shown in that message's place, and replaces
 * it when it ends.
 *
 * A chat goes on with the profile and model it used last, or those picked in its header
 * (`setChatTarget`); a new chat, with the default profile (the one last chosen to use, which
 * connecting also moves the chat on screen to). Opening a chat connects nothing and changes
 * neither the default nor the drawer. At start the default
 * profile is reconnected only when the settings' `autoConnect` is on. Imports, exports and the backup
 * report in `notice` (the corner toast), failures of the command itself in the banner.
 *
 * Must not: hold logic of its own; a new action goes into the part of its concern, and gets a
 * one-line door here.
 */

import type {
  Api,
  Chat,
  ExistingChats,
  ExportedFile,
  ExportFormat,
  Found,
  ModelInfo,
  NormalizedUrl,
  ProfileSummary,
  ProviderKind,
  ResetReport,
  RestoreReport,
  ServiceAccountSaved,
  SnapshotList,
  Theme,
} from "../api";
import { AppSettingsPart } from "./app";
import { type AppState, type FocusTarget, initialState, type UndoKind } from "./app-state";
import { Attachments } from "./attachments";
import { Chats } from "./chats";
import { Connection } from "./connection";
import { Context, type Parts } from "./context";
import { Conversation } from "./conversation";
import { Doctor } from "./doctor";
import { Files } from "./files";
import type { UiMessage } from "./messages";
import { type ProfileForm, Profiles } from "./profiles";
import { Store } from "./store";
import type { FileImport } from "./transfer";
import { Undo } from "./undo";
import { WindowPart } from "./window";

export type { ProfileForm } from "./profiles";

export interface ControllerOptions {
  /** Clock for rate-limit countdowns; tests pass a fixed one. */
  now?: () => number;
}

export class Controller {
  readonly store: Store<AppState>;
  private readonly parts: Parts;

  constructor(api: Api, options: ControllerOptions = {}, store = new Store(initialState())) {
    this.store = store;
    const ctx = new Context(store, api, options.now ?? Date.now);
    this.parts = {
      app: new AppSettingsPart(ctx),
      profiles: new Profiles(ctx),
      connection: new Connection(ctx),
      chats: new Chats(ctx),
      conversation: new Conversation(ctx),
      attachments: new Attachments(ctx),
      doctor: new Doctor(ctx),
      files: new Files(ctx),
      window: new WindowPart(ctx),
      undo: new Undo(ctx),
    };
    ctx.parts = this.parts;
  }

  private get state(): AppState {
    return this.store.get();
  }

  // ---------------------------------------------------------------- start-up and settings (app.ts)

  /** Loads everything the window shows and subscribes to the backend's app-wide events. */
  start(): Promise<void> {
    return this.parts.app.start();
  }

  /**
   * "Delete all my data": the database, backups and every keychain entry Switchboard made.
   * Resolves with what was removed; rejects with the error (nothing is shown in the chat: the
   * dialog that asked shows it).
   */
  deleteAllData(): Promise<ResetReport> {
    return this.parts.app.deleteAllData();
  }

  /** Quits the app. */
  quitApp(): Promise<void> {
    return this.parts.app.quitApp();
  }

  /** The database's snapshots, newest first, with what there is now. */
  listSnapshots(): Promise<SnapshotList> {
    return this.parts.app.listSnapshots();
  }

  /**
   * Replaces the data with a snapshot (the data it replaces is snapshotted first). Rejects with
   * the error, which the dialog that asked shows; on success the window must reload.
   */
  restoreSnapshot(id: string): Promise<RestoreReport> {
    return this.parts.app.restoreSnapshot(id);
  }

  /** Turns "Connect to the last profile on launch" on or off. */
  setAutoConnect(on: boolean): Promise<boolean> {
    return this.parts.app.setAutoConnect(on);
  }

  /** Chooses the window's theme: System, Light or Dark. */
  setTheme(theme: Theme): Promise<boolean> {
    return this.parts.app.setTheme(theme);
  }

  // ---------------------------------------------------------------- profiles (profiles.ts)

  /** Re-reads the profile list (after `ProfilesChanged` or a local change). */
  refreshProfiles(): Promise<void> {
    return this.parts.profiles.refreshProfiles();
  }

  /** Saves edits to the selected profile (called when a field loses focus or a select changes). */
  saveEdits(form: ProfileForm): Promise<void> {
    return this.parts.profiles.saveEdits(form);
  }

  /** The URL field is being edited: its error no longer applies (the live preview rechecks). */
  clearUrlError(): void {
    return this.parts.profiles.clearUrlError();
  }

  /** Saves the form as a new profile (its name made unique) and selects it. */
  saveAsNew(form: ProfileForm): Promise<void> {
    return this.parts.profiles.saveAsNew(form);
  }

  /** Deletes the selected profile. */
  deleteSelectedProfile(): Promise<void> {
    return this.parts.profiles.deleteSelectedProfile();
  }

  /**
   * Copies the selected profile (its key too) as “NAME copy” and shows the copy. It has the
   * same source and URL, so the model list shown stays.
   */
  duplicateSelectedProfile(): Promise<ProfileSummary | null> {
    return this.parts.profiles.duplicateSelectedProfile();
  }

  /** Stores a key for the selected profile (an existing one: a new profile keeps it for Connect). */
  saveKey(key: string): Promise<boolean> {
    return this.parts.profiles.saveKey(key);
  }

  /** Removes the selected profile's key from the keychain. */
  clearKey(): Promise<void> {
    return this.parts.profiles.clearKey();
  }

  /** Vertex AI: the selected profile's service-account key file, chosen in the system's dialog. */
  chooseServiceAccountKey(): Promise<ServiceAccountSaved | null> {
    return this.parts.profiles.chooseServiceAccountKey();
  }

  /** The normalised form of a URL, for the live preview under the URL field. */
  previewUrl(source: ProviderKind, url: string): Promise<NormalizedUrl> {
    return this.parts.profiles.previewUrl(source, url);
  }

  // ---------------------------------------------------------------- connection and models (connection.ts)

  /** Shows another profile in the drawer (null: a new one) and, if asked, connects to it. */
  selectProfile(profileId: string | null, options: { connect?: boolean } = {}): Promise<void> {
    return this.parts.connection.selectProfile(profileId, options);
  }

  /**
   * Connect: saves the profile first (creating it, named after its source, when it is new), then
   * stores a typed key, then checks the server and lists its models.
   */
  connect(form: ProfileForm): Promise<boolean> {
    return this.parts.connection.connect(form);
  }

  /** Uses the typed key for this session only (the keychain cannot keep it), then connects. */
  useSessionKey(key: string): Promise<boolean> {
    return this.parts.connection.useSessionKey(key);
  }

  /** Makes `modelId` the selected profile's model. */
  chooseModel(modelId: string): Promise<ProfileSummary> {
    return this.parts.connection.chooseModel(modelId);
  }

  /** Re-reads the model list of the selected profile. */
  refreshModels(options: { quiet?: boolean } = {}): Promise<ModelInfo[] | null> {
    return this.parts.connection.refreshModels(options);
  }

  /** Sends a short test message with the form's profile and model. */
  testMessage(form: ProfileForm): Promise<void> {
    return this.parts.connection.testMessage(form);
  }

  /** "Check connection": the connection doctor on the selected profile (`doctor.ts`). */
  checkConnection(): Promise<void> {
    return this.parts.doctor.check();
  }

  /** The doctor's offered fix: streaming off for the profile it checked. */
  turnStreamingOff(): Promise<void> {
    return this.parts.doctor.turnStreamingOff();
  }

  /**
   * "Find local servers": probes this computer's usual ports (about 1.5 s) and lists what
   * answered. `auto` marks the search the first launch runs by itself; `addPort` is probed too,
   * and from then on.
   */
  findLocalServers(options: { auto?: boolean; addPort?: number | null } = {}): Promise<readonly Found[]> {
    return this.parts.connection.findLocalServers(options);
  }

  /** Saves a profile for a found server, selects it and connects (asks for the key first when it needs one). */
  addFoundServer(found: Found): Promise<boolean> {
    return this.parts.connection.addFoundServer(found);
  }

  // ---------------------------------------------------------------- chats (chats.ts)

  /** Reloads the chat list. */
  refreshChats(): Promise<void> {
    return this.parts.chats.refreshChats();
  }

  /** An empty conversation; the backend stores it with its first message. */
  newChat(): void {
    return this.parts.chats.newChat();
  }

  /** Shows a stored chat, on its latest page of messages (`reveal`: then brings this one into view). */
  /** The header's picker: who answers the next message of the chat on screen (`model` null: the profile's). */
  setChatTarget(profileId: string, model: string | null): Promise<boolean> {
    return this.parts.chats.setChatTarget(profileId, model);
  }

  /** The model ids a profile's server lists, for the header's picker (none when it cannot say). */
  modelsOf(profileId: string): Promise<string[]> {
    return this.parts.connection.modelsOf(profileId);
  }

  openChat(chatId: string, options: { reveal?: string | null } = {}): Promise<void> {
    return this.parts.chats.openChat(chatId, options);
  }

  /**
   * Adds the page of messages before the first one shown. Resolves with how many were added
   * (0 when there are none, one is already on its way, or another chat was opened meanwhile).
   */
  loadOlder(): Promise<number> {
    return this.parts.chats.loadOlder();
  }

  /**
   * Adds the page of messages after the last one shown (the chat was opened on an older page).
   * Resolves with how many were added.
   */
  loadNewer(): Promise<number> {
    return this.parts.chats.loadNewer();
  }

  /** Opens a search hit's chat on the page around the message that matched, and brings it into view. */
  openHit(chatId: string, messageId: string | null): Promise<void> {
    return this.parts.chats.openHit(chatId, messageId);
  }

  setChatFilter(filter: string): void {
    return this.parts.chats.setChatFilter(filter);
  }

  /** Shows the title field of a chat in the list. */
  startRename(chatId: string): void {
    return this.parts.chats.startRename(chatId);
  }

  cancelRename(): void {
    return this.parts.chats.cancelRename();
  }

  /** Renames a chat (an empty or unchanged title just closes the field). */
  renameChat(chatId: string, title: string): Promise<boolean> {
    return this.parts.chats.renameChat(chatId, title);
  }

  /** Pins a chat to the top of the list, or unpins it. */
  togglePin(chatId: string): Promise<boolean> {
    return this.parts.chats.togglePin(chatId);
  }

  /** Deletes a chat and offers "Undo" for a few seconds. */
  deleteChat(chatId: string): Promise<boolean> {
    return this.parts.chats.deleteChat(chatId);
  }

  /**
   * Brings back the deletion `id` (a chat, message or profile), or the newest still offered
   * (Ctrl+Z, the toast); what was on screen shows again.
   */
  undoDelete(id: number | null = null): Promise<boolean> {
    return this.parts.undo.undo(id);
  }

  /** Stops offering "Undo" for `id` (for every deletion when `null`: the toast was closed). */
  dismissUndo(id: number | null = null): void {
    return this.parts.undo.dismiss(id);
  }

  /** The rows of `kind` deleted so far close up: the pointer left their list. */
  releaseUndoPlaces(kind: UndoKind): void {
    return this.parts.undo.release(kind);
  }

  /**
   * Searches titles and messages of every chat for `query`; the hits of the latest search land.
   * An empty query clears them.
   */
  searchChats(query: string): Promise<void> {
    return this.parts.chats.searchChats(query);
  }

  // ---------------------------------------------------------------- the conversation (conversation.ts)

  /**
   * Sends `text` as the next user message and streams the reply.
   * Resolves false when nothing was sent (no profile, a reply already streaming, or the
   * backend refused to start), so the composer can give the text back.
   */
  send(text: string): Promise<boolean> {
    return this.parts.conversation.send(text);
  }

  /**
   * "What will be sent": asks the backend for the request that sending `text` next would make
   * (the conversation so far when it is empty) and opens the panel with it. Runs after any
   * pending profile save, so the preview reflects the drawer's latest edits.
   */
  previewRequest(text: string): Promise<boolean> {
    return this.parts.conversation.previewRequest(text);
  }

  // ---------------------------------------------------------------- attachments (attachments.ts)

  /** Attaches a pasted or dropped file (`read`: its bytes as base64); false when refused. */
  attachFile(name: string, read: () => Promise<string>): Promise<boolean> {
    return this.parts.attachments.addFile(name, read);
  }

  /** "Attach files…": the system's file dialog; each file chosen attached or refused by name. */
  chooseAttachments(): Promise<void> {
    return this.parts.attachments.choose();
  }

  /** Takes a file out of the composer (its draft is discarded). */
  removeAttachment(key: string): Promise<void> {
    return this.parts.attachments.remove(key);
  }

  /** An attached image's `data:` URL, fetched once. */
  attachmentImage(id: string): Promise<string> {
    return this.parts.attachments.image(id);
  }

  /** Shows an attached image full size. */
  openImage(id: string, name: string): void {
    this.parts.attachments.openImage(id, name);
  }

  /** Closes the full-size image. */
  closeImage(): void {
    this.parts.attachments.closeImage();
  }

  /** Closes "What will be sent" and gives focus back to the button that opened it. */
  closeRequestPreview(): void {
    return this.parts.conversation.closeRequestPreview();
  }

  /** Stops the streaming reply; its text so far stays, marked "stopped". */
  stop(): Promise<void> {
    return this.parts.conversation.stop();
  }

  /**
   * Writes a new version (swipe) of a reply, by default the last one; the earlier versions stay.
   * Resolves false when nothing started.
   */
  regenerate(key: string | null = null): Promise<boolean> {
    return this.parts.conversation.regenerate(key);
  }

  /** Continues a reply where it ends (by default the last one). Resolves false when nothing started. */
  continueReply(key: string | null = null): Promise<boolean> {
    return this.parts.conversation.continueReply(key);
  }

  /** "Regenerate from here", after editing the last user message: a new version of the reply after it. */
  regenerateFrom(userKey: string): Promise<boolean> {
    return this.parts.conversation.regenerateFrom(userKey);
  }

  /** Shows version `index` of a message. */
  selectSwipe(key: string, index: number): Promise<boolean> {
    return this.parts.conversation.selectSwipe(key, index);
  }

  /**
   * ←/→ on the last reply: the version before or after the one shown. → on the last version
   * writes a new one, as in SillyTavern.
   */
  swipeLast(direction: -1 | 1): Promise<boolean> {
    return this.parts.conversation.swipeLast(direction);
  }

  /** Opens the inline editor on a message. */
  startEdit(key: string): boolean {
    return this.parts.conversation.startEdit(key);
  }

  /** ↑ in an empty composer: edits the last message (`role`: the last one of that role). */
  editLast(role: UiMessage["role"] | null = null): boolean {
    return this.parts.conversation.editLast(role);
  }

  /** Closes the inline editor without saving. */
  cancelEdit(): void {
    return this.parts.conversation.cancelEdit();
  }

  /**
   * Saves an edited message. After an edit of the last user message that a reply follows,
   * "Regenerate from here" is offered. Resolves false (the editor stays open) when saving failed.
   */
  saveEdit(key: string, content: string): Promise<boolean> {
    return this.parts.conversation.saveEdit(key, content);
  }

  /** Deletes a message with all its versions (the view asks to confirm first). */
  deleteMessage(key: string): Promise<boolean> {
    return this.parts.conversation.deleteMessage(key);
  }

  /** A new chat with the history up to and including this message; opens it. */
  branchFrom(key: string): Promise<Chat | null> {
    return this.parts.conversation.branchFrom(key);
  }

  // ---------------------------------------------------------------- files (files.ts)

  /**
   * "Import chats…": asks for files in the system's file dialog, then imports what was chosen
   * (see `importFiles`). Nothing happens when the dialog is cancelled.
   */
  chooseAndImport(): Promise<FileImport[]> {
    return this.parts.files.chooseAndImport();
  }

  /**
   * Hands each chosen file's path to the backend, which reads it (SillyTavern JSONL, a
   * Switchboard chat export or backup; the text never crosses IPC), then says in the toast what
   * came in and what was left out.
   */
  importFiles(paths: readonly string[]): Promise<FileImport[]> {
    return this.parts.files.importFiles(paths);
  }

  /** Saves a chat as `format` where the person says (the save dialog); null when cancelled. */
  exportChat(chatId: string, format: ExportFormat): Promise<ExportedFile | null> {
    return this.parts.files.exportChat(chatId, format);
  }

  /** "Back up everything": every chat and profile (never a key) in one file, saved where the person says. */
  backupAll(): Promise<ExportedFile | null> {
    return this.parts.files.backupAll();
  }

  /** "Show in folder" for a file saved from the window. */
  showInFolder(path: string): Promise<void> {
    return this.parts.files.showInFolder(path);
  }

  /** The answer to "N chats are already here": skip, replace, or null (cancel the import of that file). */
  answerExistingChats(choice: ExistingChats | null): void {
    this.parts.files.answerExistingChats(choice);
  }

  // ---------------------------------------------------------------- window chrome and errors (window.ts)

  toggleDrawer(open = !this.state.drawerOpen): void {
    return this.parts.window.toggleDrawer(open);
  }

  toggleSidebar(open = !this.state.sidebarOpen): void {
    return this.parts.window.toggleSidebar(open);
  }

  requestFocus(target: FocusTarget): void {
    return this.parts.window.requestFocus(target);
  }

  /**
   * A link from a reply with address `href` and visible `text` was clicked: only http(s) and
   * mailto links open, in the system browser; one whose text is not its address first shows
   * where it goes (`linkPrompt`) and opens on `confirmLink`.
   */
  openLink(href: string, text: string = href): Promise<void> {
    return this.parts.window.openLink(href, text);
  }

  /** Opens the link waiting in `linkPrompt`. */
  confirmLink(): Promise<void> {
    return this.parts.window.confirmLink();
  }

  /** Drops the link waiting in `linkPrompt`. */
  cancelLink(): void {
    return this.parts.window.cancelLink();
  }

  dismissBanner(): void {
    return this.parts.window.dismissBanner();
  }

  /** Stops showing the notice (`id`: only if that one is still shown). */
  dismissNotice(id: number | null = null): void {
    return this.parts.window.dismissNotice(id);
  }

  /**
   * Shows an error and does what its kind calls for: focus the key field, open the drawer or the
   * model picker, count down a rate limit, or nothing for a cancellation.
   */
  handleError(
    error: unknown,
    context: { profile?: ProfileSummary | null; retry?: () => void } = {},
  ): void {
    return this.parts.window.handleError(error, context);
  }
}
