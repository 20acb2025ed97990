/**
 * Every action the window can take, and the only writer of the store.
 *
 * Views call these methods; the controller calls the backend through the `Api` interface and
 * records the outcome in the store. Profile writes (save, key, connect) run one after another on
 * a queue, so a save triggered by leaving a field cannot race the Connect that follows it.
 * Errors all go through `handleError`, which applies the per-kind action from `errors.ts`, except
 * a URL that cannot be used, which is said at the URL field (`urlError`) and never saved.
 *
 * What the drawer shows belongs to the profile shown: changing the selection (`showProfile`)
 * forgets the model list, URL notice and messages of the one before, and a model list only
 * lands if no other was asked for, nor another profile shown, since it was requested
 * (`modelsSeq`).
 *
 * A chat opens on its latest page of messages; `loadOlder` adds the page before. A generation
 * either writes a new reply after the conversation (`send`) or works on a message already
 * there (`regenerate`, `continueReply`): then it is shown in that message's place, and replaces
 * it when it ends.
 *
 * A chat goes on with the profile it used last: opening one selects that profile (if it still
 * exists) and connects to it unless it is the active connection. At start the profile used last
 * is reconnected only when the settings' `autoConnect` is on. Imports, exports and the backup
 * report in `notice` (the corner toast), failures of the command itself in the banner.
 */

import type {
  Api,
  AppSettings,
  ResetReport,
  RestoreReport,
  SnapshotList,
  Chat,
  ChatEvent,
  ConnectionChanged,
  ErrorKind,
  ExportedFile,
  ExportFormat,
  Found,
  IpcError,
  ModelInfo,
  NavigationRefused,
  NormalizedUrl,
  ProfileDraft,
  ProfileSummary,
  ProviderKind,
  SavedProfile,
  StoredMessage,
  TrayAction,
} from "../api";
import { toIpcError } from "../api";
import { decideLink } from "../links";
import {
  type AppState,
  type Banner,
  type BannerAction,
  DEFAULT_SETTINGS,
  type FocusTarget,
  type UndoDelete,
  initialState,
  isGenerating,
  selectedProfile,
  sourceOf,
} from "./app-state";
import { assertNever, describeError } from "./errors";
import {
  acknowledge,
  applyEvent,
  createGeneration,
  failToStart,
  type Generation,
  type GenerationTarget,
  requestStop,
} from "./generation";
import { lastMessage, lastReply, messageAfter, moreBefore } from "./history";
import { fromGeneration, fromStored, pendingUserMessage, restored, type UiMessage } from "./messages";
import { draftDiffers, draftForFound, draftFromProfile, uniqueName } from "./profile-form";
import { Store } from "./store";
import { count, type FileImport, importSummary } from "./transfer";

/** What the drawer's form holds when an action needs it. */
export interface ProfileForm {
  /** The profile as edited; `id` is null for a profile not saved yet. */
  draft: ProfileDraft;
  /** A newly typed API key, or "" to leave the stored one alone. */
  key: string;
}

export interface ControllerOptions {
  /** Clock for rate-limit countdowns; tests pass a fixed one. */
  now?: () => number;
}

export class Controller {
  readonly store: Store<AppState>;
  private readonly api: Api;
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private bannerSeq = 0;
  private focusSeq = 0;
  private undoSeq = 0;
  private revealSeq = 0;
  private noticeSeq = 0;
  /** Bumped by each search: only the latest one's hits land. */
  private searchSeq = 0;
  /** Bumped when another profile is shown and by each model-list request: only the latest lands. */
  private modelsSeq = 0;

  constructor(api: Api, options: ControllerOptions = {}, store = new Store(initialState())) {
    this.api = api;
    this.store = store;
    this.now = options.now ?? Date.now;
  }

  private get state(): AppState {
    return this.store.get();
  }

  // ---------------------------------------------------------------- start-up and app events

  /** Loads everything the window shows and subscribes to the backend's app-wide events. */
  async start(): Promise<void> {
    await Promise.all([
      this.api.onConnectionChanged((change) => this.onConnectionChanged(change)),
      this.api.onProfilesChanged(() => void this.refreshProfiles()),
      this.api.onTrayAction((action) => this.onTrayAction(action)),
      this.api.onNavigationRefused((refused) => this.onNavigationRefused(refused)),
    ]).catch((error: unknown) => this.handleError(error));

    try {
      await this.load();
    } finally {
      // Whatever failed was reported in the banner; the window shows either way.
      if (!this.state.ready) this.store.update({ ready: true });
    }
    this.requestFocus(this.state.drawerOpen ? "drawer" : "composer");
  }

  private async load(): Promise<void> {
    const [sources, templates, profiles, status, loadedSettings] = await Promise.all([
      this.api.listSources().catch((error: unknown) => (this.handleError(error), [])),
      this.api.listTemplates().catch((error: unknown) => (this.handleError(error), [])),
      this.api.listProfiles().catch((error: unknown) => (this.handleError(error), [])),
      this.api.appState().catch((error: unknown) => (this.handleError(error), null)),
      this.api.getSettings().catch((error: unknown) => (this.handleError(error), null)),
    ]);
    const settings = loadedSettings ?? DEFAULT_SETTINGS;
    const newest = [...profiles].sort((a, b) => b.updatedAt - a.updatedAt)[0];
    const selected =
      profiles.find((p) => p.id === status?.connection.profileId)?.id ?? newest?.id ?? null;
    const connection = status?.connection ?? this.state.connection;
    this.store.update({
      ready: true,
      sources,
      templates,
      profiles,
      settings,
      selectedProfileId: selected,
      connection,
      // First launch (or a broken connection) opens the drawer; once connected it stays shut.
      drawerOpen: profiles.length === 0 || connection.state === "failed",
    });
    void this.refreshChats();
    // A snapshot that could not be taken when the data was opened is said, not skipped.
    void this.api.snapshotProblem().then(
      (problem) => {
        if (problem) this.showNotice(problem, "error");
      },
      () => undefined,
    );
    // First launch: look for servers on this computer once, and offer what answers.
    if (profiles.length === 0 && this.state.localServers.status === "idle") void this.findLocalServers({ auto: true });
    if (selected && connection.state === "idle" && settings.autoConnect) {
      // Like reopening a chat site: reconnect to the profile used last, so the status light
      // and the model list are live without a click (unless the settings say not to).
      void this.selectProfile(selected, { connect: true });
    } else if (selected && connection.state === "connected" && connection.profileId === selected) {
      // The model list costs a request to the server: only fetch it for a live connection.
      void this.refreshModels({ quiet: true });
    }
  }

  private onConnectionChanged(change: ConnectionChanged): void {
    this.store.update({ connection: change });
  }

  private onTrayAction(action: TrayAction): void {
    switch (action.type) {
      case "connect":
        void this.selectProfile(action.profileId, { connect: true });
        return;
      case "newChat":
        this.newChat();
        return;
      default:
        assertNever(action);
    }
  }

  /** Re-reads the profile list (after `ProfilesChanged` or a local change). */
  async refreshProfiles(): Promise<void> {
    try {
      const profiles = await this.api.listProfiles();
      const stillThere = profiles.some((p) => p.id === this.state.selectedProfileId);
      this.showProfile(stillThere ? this.state.selectedProfileId : null, { profiles });
    } catch (error) {
      this.handleError(error);
    }
  }

  // ---------------------------------------------------------------- profiles and connection

  /** Shows another profile in the drawer (null: a new one) and, if asked, connects to it. */
  async selectProfile(profileId: string | null, options: { connect?: boolean } = {}): Promise<void> {
    this.showProfile(profileId);
    if (profileId === null) return;
    if (options.connect) {
      const profile = selectedProfile(this.state);
      if (profile) await this.connect({ draft: draftFromProfile(profile), key: "" });
    } else {
      await this.refreshModels({ quiet: true });
    }
  }

  /**
   * Makes `profileId` the profile shown (null: a new one) along with `patch`. When that changes
   * the selection, what belonged to the profile shown before goes: its model list (and any list
   * still on its way), test result, key and URL messages, request preview.
   */
  private showProfile(profileId: string | null, patch: Partial<AppState> = {}): void {
    if (profileId === this.state.selectedProfileId) {
      this.store.update(patch);
      return;
    }
    this.modelsSeq++;
    this.store.update({
      selectedProfileId: profileId,
      models: null,
      testResult: null,
      keyError: null,
      urlNotice: null,
      urlError: null,
      requestPreview: null,
      ...patch,
    });
  }

  /** Whether the model list asked for as request `seq`, for `profileId`, may be shown. */
  private modelsStillWanted(seq: number, profileId: string): boolean {
    return seq === this.modelsSeq && this.state.selectedProfileId === profileId;
  }

  /**
   * Connect: saves the profile first (creating it, named after its source, when it is new), then
   * stores a typed key, then checks the server and lists its models.
   */
  async connect(form: ProfileForm): Promise<boolean> {
    if (this.state.busy.connect) return false;
    this.setBusy("connect", true);
    this.store.update({ keyError: null, testResult: null });
    const shown = this.state.selectedProfileId;
    let profile: ProfileSummary | null = null;
    try {
      profile = await this.saveForm(form);
      this.setConnection(connectionOf(profile, "checking", profile.model, "Checking…"));
      const id = profile.id;
      const seq = ++this.modelsSeq;
      const result = await this.serial(() => this.api.connect(id));
      profile = result.profile;
      this.upsertProfile(profile);
      const models = result.models.length > 0 ? result.models : (result.status.models ?? []);
      // Another profile (or a new one) may be shown by now: its drawer keeps its own state.
      if (this.modelsStillWanted(seq, id)) this.store.update({ models });
      if (result.status.urlChanged && this.state.selectedProfileId === id) {
        this.store.update({ urlNotice: `Using ${result.status.baseUrl}` });
      }
      if (!profile.model && models[0]) profile = await this.chooseModelOf(profile, models[0].id);
      this.setConnection(connectionOf(profile, "connected", profile.model, result.status.message));
      this.dismissBannerOfKinds(["network", "auth", "notConfigured", "providerUnavailable", "rateLimited"]);
      return true;
    } catch (error) {
      if (this.showUrlProblem(error, shown, { focus: true })) return false;
      const ipc = toIpcError(error);
      if (profile) this.setConnection(connectionOf(profile, "failed", null, ipc.message));
      this.handleError(ipc, { profile, retry: () => void this.retryConnect() });
      return false;
    } finally {
      this.setBusy("connect", false);
    }
  }

  private async retryConnect(): Promise<void> {
    const profile = selectedProfile(this.state);
    if (profile) await this.connect({ draft: draftFromProfile(profile), key: "" });
  }

  /** Saves edits to the selected profile (called when a field loses focus or a select changes). */
  async saveEdits(form: ProfileForm): Promise<void> {
    if (form.draft.id === null) return; // a new profile is saved by Connect or "Save as new"
    const shown = this.state.selectedProfileId;
    try {
      await this.saveForm(form);
    } catch (error) {
      // The person left the field: say what is wrong there, without pulling focus back.
      if (this.showUrlProblem(error, shown, { focus: false })) return;
      this.handleError(error, { profile: selectedProfile(this.state) });
    }
  }

  /** The URL field is being edited: its error no longer applies (the live preview rechecks). */
  clearUrlError(): void {
    if (this.state.urlError !== null) this.store.update({ urlError: null });
  }

  /** Saves the form as a new profile (its name made unique) and selects it. */
  async saveAsNew(form: ProfileForm): Promise<void> {
    const source = sourceOf(this.state, form.draft.source);
    const base = form.draft.name.trim() || source?.label || "Profile";
    const draft: ProfileDraft = {
      ...form.draft,
      id: null,
      name: uniqueName(base, this.state.profiles.map((p) => p.name)),
    };
    const shown = this.state.selectedProfileId;
    try {
      const profile = await this.saveForm({ draft, key: form.key }); // selects it
      this.showInfo(`Saved as “${profile.name}”.`);
    } catch (error) {
      if (this.showUrlProblem(error, shown, { focus: true })) return;
      this.handleError(error);
    }
  }

  /** Deletes the selected profile. */
  async deleteSelectedProfile(): Promise<void> {
    const profile = selectedProfile(this.state);
    if (!profile) return;
    try {
      await this.serial(() => this.api.deleteProfile(profile.id));
      const profiles = this.state.profiles.filter((p) => p.id !== profile.id);
      this.showProfile(this.state.selectedProfileId === profile.id ? null : this.state.selectedProfileId, { profiles });
      this.showInfo(`Deleted “${profile.name}”.`);
    } catch (error) {
      this.handleError(error, { profile });
    }
  }

  /**
   * Copies the selected profile (its key too) as “NAME copy” and shows the copy. It has the
   * same source and URL, so the model list shown stays.
   */
  async duplicateSelectedProfile(): Promise<ProfileSummary | null> {
    const profile = selectedProfile(this.state);
    if (!profile) return null;
    try {
      // In turn with the other profile writes: an edit saved on the way out of a field goes first.
      const copy = await this.serial(() => this.api.duplicateProfile(profile.id));
      this.upsertProfile(copy);
      this.showProfile(copy.id, { models: this.state.selectedProfileId === profile.id ? this.state.models : null });
      this.showInfo(`Duplicated “${profile.name}” as “${copy.name}”.`);
      return copy;
    } catch (error) {
      this.handleError(error, { profile });
      return null;
    }
  }

  /**
   * "Delete all my data": the database, backups and every keychain entry Switchboard made.
   * Resolves with what was removed; rejects with the error (nothing is shown in the chat: the
   * dialog that asked shows it).
   */
  async deleteAllData(): Promise<ResetReport> {
    return this.api.deleteAllData();
  }

  /** Quits the app. */
  async quitApp(): Promise<void> {
    await this.api.quitApp();
  }

  /** The database's snapshots, newest first, with what there is now. */
  async listSnapshots(): Promise<SnapshotList> {
    return this.api.listSnapshots();
  }

  /**
   * Replaces the data with a snapshot (the data it replaces is snapshotted first). Rejects with
   * the error, which the dialog that asked shows; on success the window must reload.
   */
  async restoreSnapshot(id: string): Promise<RestoreReport> {
    return this.api.restoreSnapshot(id);
  }

  /** Turns "Connect to the last profile on launch" on or off. */
  async setAutoConnect(on: boolean): Promise<boolean> {
    const before: AppSettings = this.state.settings ?? DEFAULT_SETTINGS;
    if (before.autoConnect === on && this.state.settings !== null) return true;
    const next: AppSettings = { ...before, autoConnect: on };
    this.store.update({ settings: next });
    try {
      await this.api.saveSettings(next);
      return true;
    } catch (error) {
      this.store.update({ settings: before });
      this.handleError(error);
      return false;
    }
  }

  /** Stores a key for the selected profile (an existing one: a new profile keeps it for Connect). */
  async saveKey(key: string): Promise<boolean> {
    const profile = selectedProfile(this.state);
    if (!profile || key === "") return false;
    try {
      const updated = await this.keychain(() => this.api.setApiKey(profile.id, key));
      this.upsertProfile(updated);
      this.store.update((s) => ({ keyError: null, keySaves: s.keySaves + 1 }));
      return true;
    } catch (error) {
      this.handleError(error, { profile });
      return false;
    }
  }

  /** Removes the selected profile's key from the keychain. */
  async clearKey(): Promise<void> {
    const profile = selectedProfile(this.state);
    if (!profile) return;
    try {
      this.upsertProfile(await this.keychain(() => this.api.clearApiKey(profile.id)));
    } catch (error) {
      this.handleError(error, { profile });
    }
  }

  /** Makes `modelId` the selected profile's model. */
  async chooseModel(modelId: string): Promise<ProfileSummary> {
    const profile = selectedProfile(this.state);
    if (!profile) throw new Error("no profile selected");
    return this.chooseModelOf(profile, modelId);
  }

  /** Makes `modelId` the model of `profile` (shown or not). */
  private async chooseModelOf(profile: ProfileSummary, modelId: string): Promise<ProfileSummary> {
    if (profile.model === modelId) return profile;
    const saved = await this.serial(() => this.api.saveProfile({ ...draftFromProfile(profile), model: modelId }));
    this.upsertProfile(saved.profile);
    if (this.state.connection.profileId === profile.id && this.state.connection.state === "connected") {
      this.setConnection({ ...this.state.connection, model: saved.profile.model });
    }
    return saved.profile;
  }

  /** Re-reads the model list of the selected profile. */
  async refreshModels(options: { quiet?: boolean } = {}): Promise<ModelInfo[] | null> {
    const profile = selectedProfile(this.state);
    if (!profile) return null;
    this.setBusy("models", true);
    const seq = ++this.modelsSeq;
    try {
      const models = await this.api.listModels(profile.id);
      if (this.modelsStillWanted(seq, profile.id)) this.store.update({ models });
      return models;
    } catch (error) {
      if (!options.quiet) this.handleError(error, { profile });
      return null;
    } finally {
      this.setBusy("models", false);
    }
  }

  /** Sends a short test message with the form's profile and model. */
  async testMessage(form: ProfileForm): Promise<void> {
    if (this.state.busy.test) return;
    this.setBusy("test", true);
    this.store.update({ testResult: null });
    const shown = this.state.selectedProfileId;
    let profile: ProfileSummary | null = null;
    try {
      profile = await this.saveForm(form);
      const model = profile.model;
      const report = await this.api.testMessage(profile.id, model);
      this.store.update({ testResult: { ok: true, report } });
    } catch (error) {
      if (this.showUrlProblem(error, shown, { focus: true })) return;
      const ipc = toIpcError(error);
      this.store.update({ testResult: { ok: false, text: describeError(ipc).text } });
      this.handleError(ipc, { profile });
    } finally {
      this.setBusy("test", false);
    }
  }

  /**
   * "Find local servers": probes this computer's usual ports (about 1.5 s) and lists what
   * answered. `auto` marks the search the first launch runs by itself.
   */
  async findLocalServers(options: { auto?: boolean } = {}): Promise<readonly Found[]> {
    if (this.state.localServers.status === "searching") return this.state.localServers.found;
    const auto = options.auto ?? false;
    this.store.update({ localServers: { status: "searching", found: [], auto } });
    try {
      const found = await this.api.detectServers();
      this.store.update({ localServers: { status: "done", found, auto } });
      return found;
    } catch (error) {
      this.store.update({ localServers: { status: "failed", found: [], auto } });
      // The automatic search is a convenience: its failure is not worth a banner.
      if (!auto) this.handleError(error);
      return [];
    }
  }

  /** Saves a profile for a found server, selects it and connects. */
  async addFoundServer(found: Found): Promise<boolean> {
    const draft = draftForFound(found, this.state.profiles.map((p) => p.name));
    let profile: ProfileSummary;
    try {
      const saved = await this.serial(() => this.api.saveProfile(draft));
      profile = saved.profile;
    } catch (error) {
      this.handleError(error);
      return false;
    }
    this.upsertProfile(profile);
    await this.selectProfile(profile.id, { connect: true });
    const { connection } = this.state;
    return connection.profileId === profile.id && connection.state === "connected";
  }

  /** The normalised form of a URL, for the live preview under the URL field. */
  previewUrl(source: ProviderKind, url: string): Promise<NormalizedUrl> {
    return this.api.previewUrl(source, url);
  }

  /**
   * Creates or updates the profile from the form and stores a typed key.
   * Skips the save when nothing changed.
   */
  private async saveForm(form: ProfileForm): Promise<ProfileSummary> {
    let profile: ProfileSummary | undefined;
    const existing = this.state.profiles.find((p) => p.id === form.draft.id);
    if (form.draft.id === null || !existing) {
      const source = sourceOf(this.state, form.draft.source);
      const name = form.draft.name.trim()
        ? form.draft.name.trim()
        : uniqueName(source?.label ?? "Profile", this.state.profiles.map((p) => p.name));
      const saved = await this.saveDraft({ ...form.draft, id: null, name }, null);
      profile = saved.profile;
      this.upsertProfile(profile);
      this.showProfile(profile.id, { urlNotice: changesNotice(saved.urlChanges) });
    } else if (draftDiffers(form.draft, existing)) {
      const saved = await this.saveDraft(form.draft, existing);
      profile = saved.profile;
      this.upsertProfile(profile);
      // A save that touches the URL says what normalising it changed, or nothing when nothing did.
      const urlEdited = form.draft.url !== existing.url || profile.url !== existing.url;
      if (urlEdited && this.state.selectedProfileId === profile.id) {
        this.store.update({ urlNotice: changesNotice(saved.urlChanges) });
      }
      const { connection } = this.state;
      if (connection.profileId === profile.id && connection.state === "connected" && connection.model !== profile.model) {
        this.setConnection({ ...connection, model: profile.model });
      }
      // Another source serves other models: the old list no longer applies.
      if (profile.source !== existing.source && this.state.selectedProfileId === profile.id) this.store.update({ models: null });
    } else {
      profile = existing;
    }
    if (form.key !== "") {
      const id = profile.id;
      profile = await this.keychain(() => this.api.setApiKey(id, form.key));
      this.upsertProfile(profile);
      this.store.update((s) => ({ keyError: null, keySaves: s.keySaves + 1 }));
    }
    // The URL as saved is a good one.
    if (this.state.selectedProfileId === profile.id) this.clearUrlError();
    return profile;
  }

  /**
   * Saves `draft` (`before`: the stored profile it edits). A URL that cannot be used is not
   * sent: an empty one is refused here, and when the save fails as an invalid request, the
   * backend's URL check tells whether the URL was the reason. Either way a `UrlProblem`.
   */
  private async saveDraft(draft: ProfileDraft, before: ProfileSummary | null): Promise<SavedProfile> {
    if (draft.url.trim() === "") throw new UrlProblem(EMPTY_URL);
    try {
      return await this.serial(() => this.api.saveProfile(draft));
    } catch (error) {
      if (toIpcError(error).kind === "invalidRequest" && draft.url !== before?.url) {
        const why = await this.api.previewUrl(draft.source, draft.url).then(
          () => null,
          (refusal: unknown) => toIpcError(refusal).message,
        );
        if (why !== null) throw new UrlProblem(why);
      }
      throw error;
    }
  }

  /**
   * Says a `UrlProblem` at the URL field (`focus`: and moves there), if the form it came from
   * (the one of profile `shown`) is still shown. False for any other error.
   */
  private showUrlProblem(error: unknown, shown: string | null, options: { focus: boolean }): boolean {
    if (!(error instanceof UrlProblem)) return false;
    if (this.state.selectedProfileId !== shown) return true;
    this.store.update(options.focus ? { urlError: error.message, drawerOpen: true } : { urlError: error.message });
    if (options.focus) this.requestFocus("url");
    return true;
  }

  private upsertProfile(profile: ProfileSummary): void {
    const profiles = this.state.profiles.some((p) => p.id === profile.id)
      ? this.state.profiles.map((p) => (p.id === profile.id ? profile : p))
      : [...this.state.profiles, profile];
    this.store.update({ profiles });
  }

  private setConnection(connection: ConnectionChanged): void {
    this.store.update({ connection });
  }

  private setBusy(key: keyof AppState["busy"], value: boolean): void {
    this.store.update((s) => ({ busy: { ...s.busy, [key]: value } }));
  }

  /** A keychain write, in turn with the other profile writes, shown as busy while it waits. */
  private async keychain<T>(task: () => Promise<T>): Promise<T> {
    this.setBusy("key", true);
    try {
      return await this.serial(task);
    } finally {
      this.setBusy("key", false);
    }
  }

  /** Runs profile writes one at a time, in call order. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- chats

  /** Reloads the chat list. */
  async refreshChats(): Promise<void> {
    try {
      this.store.update({ chats: await this.api.listChats() });
    } catch (error) {
      this.handleError(error);
    }
  }

  /** What a chat switch resets: the messages and everything about them. */
  private static readonly NO_CONVERSATION = {
    messages: [] as readonly UiMessage[],
    hasOlder: false,
    loadingOlder: false,
    editing: null,
    regenerateOffer: null,
    reveal: null,
    requestPreview: null,
  } satisfies Partial<AppState>;

  /** An empty conversation; the backend stores it with its first message. */
  newChat(): void {
    this.store.update((s) => ({
      ...Controller.NO_CONVERSATION,
      chatSession: s.chatSession + 1,
      chatId: null,
      chatTitle: null,
      chatModel: null,
      loadingChat: false,
      sidebarOpen: false,
    }));
    this.requestFocus("composer");
  }

  /** Shows a stored chat, on its latest page of messages (`reveal`: then brings this one into view). */
  async openChat(chatId: string, options: { reveal?: string | null } = {}): Promise<void> {
    const session = this.state.chatSession + 1;
    const chat = this.state.chats.find((c) => c.id === chatId);
    this.store.update({
      ...Controller.NO_CONVERSATION,
      chatSession: session,
      chatId,
      chatTitle: chat?.title ?? null,
      chatModel: chat?.model ?? null,
      loadingChat: true,
      sidebarOpen: false,
    });
    try {
      const view = await this.api.loadChat(chatId);
      if (this.state.chatSession !== session) return; // another chat was opened meanwhile
      const generation = this.state.generation;
      const streamingHere = generation && !generation.done && generation.chatId === chatId;
      // A new reply still streaming into this chat is drawn from the generation, not from the
      // store; a message being rewritten or continued stays in place and is drawn from it.
      const messages = view.messages
        .filter((m) => !(streamingHere && generation.action === "send" && m.id === generation.messageId))
        .map(fromStored);
      this.store.update({
        chatTitle: view.chat.title,
        chatModel: view.chat.model,
        messages,
        hasOlder: view.hasOlder,
        loadingChat: false,
        generationSession: streamingHere ? session : this.state.generationSession,
        reveal: options.reveal ? { messageId: options.reveal, seq: ++this.revealSeq } : null,
      });
      await this.useProfileOf(view.chat);
    } catch (error) {
      if (this.state.chatSession === session) this.store.update({ loadingChat: false });
      this.handleError(error);
    }
  }

  /**
   * A chat goes on with the profile it used last: opening it makes that profile (when it still
   * exists) the selected one, and connects to it unless it is the active connection already.
   */
  private async useProfileOf(chat: Chat): Promise<void> {
    const id = chat.profileId;
    if (!id || !this.state.profiles.some((p) => p.id === id)) return;
    const { connection } = this.state;
    const active = connection.profileId === id && connection.state !== "idle";
    if (active) {
      if (this.state.selectedProfileId !== id) await this.selectProfile(id);
      return;
    }
    await this.selectProfile(id, { connect: true });
  }

  /**
   * Adds the page of messages before the first one shown. Resolves with how many were added
   * (0 when there are none, one is already on its way, or another chat was opened meanwhile).
   */
  async loadOlder(): Promise<number> {
    const { chatId, hasOlder, loadingOlder, messages } = this.state;
    const first = messages.find((m) => m.seq !== null);
    if (!chatId || !hasOlder || loadingOlder || !first || first.seq === null) return 0;
    const session = this.state.chatSession;
    this.store.update({ loadingOlder: true });
    try {
      const page = await this.api.loadMessages(chatId, first.seq);
      if (this.state.chatSession !== session) return 0;
      const known = new Set(this.state.messages.map((m) => m.id));
      const older = page.filter((m) => !known.has(m.id)).map(fromStored);
      this.store.update((s) => ({
        messages: older.length > 0 ? [...older, ...s.messages] : s.messages,
        hasOlder: moreBefore(page),
        loadingOlder: false,
      }));
      return older.length;
    } catch (error) {
      if (this.state.chatSession === session) this.store.update({ loadingOlder: false });
      this.handleError(error);
      return 0;
    }
  }

  /** Opens a search hit's chat, bringing the message that matched into view when it is loaded. */
  async openHit(chatId: string, messageId: string | null): Promise<void> {
    await this.openChat(chatId, { reveal: messageId });
  }

  setChatFilter(filter: string): void {
    this.store.update({ chatFilter: filter });
  }

  /**
   * Sends `text` as the next user message and streams the reply.
   * Resolves false when nothing was sent (no profile, a reply already streaming, or the
   * backend refused to start), so the composer can give the text back.
   */
  async send(text: string): Promise<boolean> {
    const input = text.trim();
    if (input === "" || isGenerating(this.state)) return false;
    const profile = selectedProfile(this.state);
    if (!profile) {
      this.handleError({ kind: "notConfigured", message: "Connect to a model first." });
      return false;
    }
    const n = ++this.seq;
    const userKey = `local-user-${n}`;
    const session = this.state.chatSession;
    const generation = createGeneration(`local-reply-${n}`, profile.model, this.state.chatId, profile.source);
    this.store.update((s) => ({
      messages: [...s.messages, pendingUserMessage(userKey, input)],
      generation,
      generationSession: session,
      editing: null,
      regenerateOffer: null,
    }));
    try {
      const started = await this.api.startGeneration(
        { profileId: profile.id, chatId: this.state.chatId, input, model: profile.model },
        (event) => this.onChatEvent(generation.localId, event),
      );
      this.updateGeneration(generation.localId, (g) => acknowledge(g, started));
      this.store.update((s) => ({
        chatId: s.chatSession === session && s.chatId === null ? started.chatId : s.chatId,
        messages: s.messages.map((m) => (m.key === userKey ? { ...m, id: started.userMessageId ?? null } : m)),
      }));
      const current = this.state.generation;
      if (current?.localId === generation.localId && current.stopRequested && !current.done) {
        await this.api.cancelGeneration(started.generationId);
      }
      if (this.state.chatId === started.chatId && !this.state.chats.some((c) => c.id === started.chatId)) {
        void this.refreshChats();
      }
      return true;
    } catch (error) {
      const ipc = toIpcError(error);
      this.updateGeneration(generation.localId, (g) => failToStart(g, ipc));
      // Nothing was streamed: take the message back so the composer can offer it again.
      this.store.update((s) => ({
        messages: s.messages.filter((m) => m.key !== userKey),
        generation: s.generation?.localId === generation.localId ? null : s.generation,
      }));
      this.handleError(ipc, { profile });
      return false;
    }
  }

  /**
   * "What will be sent": asks the backend for the request that sending `text` next would make
   * (the conversation so far when it is empty) and opens the panel with it. Runs after any
   * pending profile save, so the preview reflects the drawer's latest edits.
   */
  async previewRequest(text: string): Promise<boolean> {
    if (this.state.busy.preview) return false;
    const chosen = selectedProfile(this.state);
    if (!chosen) {
      this.handleError({ kind: "notConfigured", message: "Connect to a model first." });
      return false;
    }
    let profile = chosen;
    const session = this.state.chatSession;
    const chatId = this.state.chatId;
    const input = text.trim();
    this.setBusy("preview", true);
    try {
      const preview = await this.serial(() => {
        // A save queued before this may have changed the profile (its model, say).
        const current = selectedProfile(this.state) ?? chosen;
        profile = current;
        return this.api.previewRequest({ profileId: current.id, chatId, input, model: current.model });
      });
      if (this.state.chatSession !== session) return false; // another chat is on screen now
      this.store.update({ requestPreview: preview });
      return true;
    } catch (error) {
      this.handleError(error, { profile });
      return false;
    } finally {
      this.setBusy("preview", false);
    }
  }

  /** Closes "What will be sent" and gives focus back to the button that opened it. */
  closeRequestPreview(): void {
    if (this.state.requestPreview === null) return;
    this.store.update({ requestPreview: null });
    this.requestFocus("preview");
  }

  /** Stops the streaming reply; its text so far stays, marked "stopped". */
  async stop(): Promise<void> {
    const generation = this.state.generation;
    if (!generation || generation.done) return;
    this.updateGeneration(generation.localId, requestStop);
    if (generation.generationId) {
      try {
        await this.api.cancelGeneration(generation.generationId);
      } catch (error) {
        this.handleError(error);
      }
    }
  }

  // ---------------------------------------------------------------- working on messages

  /** The message with this key in the chat on screen. */
  private messageByKey(key: string): UiMessage | null {
    return this.state.messages.find((m) => m.key === key) ?? null;
  }

  /** Whether the reply being written is this message (a new version of it, or more of it). */
  private isBeingWritten(message: UiMessage): boolean {
    const generation = this.state.generation;
    return generation !== null && !generation.done && isTargetOf(generation, message);
  }

  /**
   * Writes a new version (swipe) of a reply, by default the last one; the earlier versions stay.
   * Resolves false when nothing started.
   */
  async regenerate(key: string | null = null): Promise<boolean> {
    const message = key === null ? lastReply(this.state.messages) : this.messageByKey(key);
    if (!message || message.role !== "assistant") return false;
    return this.startOn(message, "regenerate");
  }

  /** Continues a reply where it ends (by default the last one). Resolves false when nothing started. */
  async continueReply(key: string | null = null): Promise<boolean> {
    const message = key === null ? lastReply(this.state.messages) : this.messageByKey(key);
    if (!message || message.role !== "assistant" || message.content === "") return false;
    return this.startOn(message, "continue");
  }

  /** "Regenerate from here", after editing the last user message: a new version of the reply after it. */
  async regenerateFrom(userKey: string): Promise<boolean> {
    const reply = messageAfter(this.state.messages, userKey);
    this.store.update({ regenerateOffer: null });
    if (!reply || reply.role !== "assistant") return false;
    return this.regenerate(reply.key);
  }

  private async startOn(message: UiMessage, action: GenerationTarget["action"]): Promise<boolean> {
    if (isGenerating(this.state) || message.id === null || message.state === "streaming") return false;
    const profile = selectedProfile(this.state);
    if (!profile) {
      this.handleError({ kind: "notConfigured", message: "Connect to a model first." });
      return false;
    }
    const target: GenerationTarget = {
      action,
      key: message.key,
      id: message.id,
      seq: message.seq,
      content: message.content,
      reasoning: message.reasoning,
      swipeIndex: message.swipeIndex,
      swipeCount: message.swipeCount,
    };
    const n = ++this.seq;
    const generation = createGeneration(`local-${action}-${n}`, profile.model, this.state.chatId, profile.source, target);
    this.store.update({
      generation,
      generationSession: this.state.chatSession,
      editing: null,
      regenerateOffer: null,
    });
    const onEvent = (event: ChatEvent): void => this.onChatEvent(generation.localId, event);
    try {
      const started = await (action === "regenerate"
        ? this.api.regenerate(profile.id, target.id, onEvent)
        : this.api.continueReply(profile.id, target.id, onEvent));
      this.updateGeneration(generation.localId, (g) => acknowledge(g, started));
      const current = this.state.generation;
      if (current?.localId === generation.localId && current.stopRequested && !current.done) {
        await this.api.cancelGeneration(started.generationId);
      }
      return true;
    } catch (error) {
      const ipc = toIpcError(error);
      // Nothing was written: the message shows as it was.
      this.store.update((s) => ({ generation: s.generation?.localId === generation.localId ? null : s.generation }));
      this.handleError(ipc, { profile });
      return false;
    }
  }

  /** Shows version `index` of a message. */
  async selectSwipe(key: string, index: number): Promise<boolean> {
    const message = this.messageByKey(key);
    if (!message || message.id === null || this.isBeingWritten(message)) return false;
    if (index < 0 || index >= message.swipeCount || index === message.swipeIndex) return false;
    const session = this.state.chatSession;
    try {
      const updated = await this.api.selectSwipe(message.id, index);
      if (this.state.chatSession === session) this.replaceMessage(key, updated);
      return true;
    } catch (error) {
      this.handleError(error);
      return false;
    }
  }

  /**
   * ←/→ on the last reply: the version before or after the one shown. → on the last version
   * writes a new one, as in SillyTavern.
   */
  async swipeLast(direction: -1 | 1): Promise<boolean> {
    if (isGenerating(this.state)) return false;
    const reply = lastReply(this.state.messages);
    if (!reply || reply.id === null) return false;
    const index = reply.swipeIndex + direction;
    if (index < 0) return false;
    if (index >= reply.swipeCount) return this.regenerate(reply.key);
    return this.selectSwipe(reply.key, index);
  }

  /** Opens the inline editor on a message. */
  startEdit(key: string): boolean {
    const message = this.messageByKey(key);
    if (!message || message.id === null || message.state === "streaming" || this.isBeingWritten(message)) return false;
    this.store.update({ editing: key, regenerateOffer: null });
    return true;
  }

  /** ↑ in an empty composer: edits the last message (`role`: the last one of that role). */
  editLast(role: UiMessage["role"] | null = null): boolean {
    const message = lastMessage(this.state.messages, role);
    return message ? this.startEdit(message.key) : false;
  }

  /** Closes the inline editor without saving. */
  cancelEdit(): void {
    if (this.state.editing !== null) this.store.update({ editing: null });
  }

  /**
   * Saves an edited message. After an edit of the last user message that a reply follows,
   * "Regenerate from here" is offered. Resolves false (the editor stays open) when saving failed.
   */
  async saveEdit(key: string, content: string): Promise<boolean> {
    const message = this.messageByKey(key);
    if (!message || message.id === null) return false;
    if (content === message.content) {
      this.cancelEdit();
      return true;
    }
    if (this.isBeingWritten(message)) return false;
    const session = this.state.chatSession;
    try {
      const updated = await this.api.editMessage(message.id, content);
      if (this.state.chatSession !== session) return true;
      this.replaceMessage(key, updated);
      const lastUser = lastMessage(this.state.messages, "user");
      const reply = messageAfter(this.state.messages, key);
      const offer = message.role === "user" && lastUser?.key === key && reply?.role === "assistant";
      this.store.update((s) => ({
        editing: s.editing === key ? null : s.editing,
        regenerateOffer: offer ? key : null,
      }));
      return true;
    } catch (error) {
      this.handleError(error);
      return false;
    }
  }

  /** Deletes a message with all its versions (the view asks to confirm first). */
  async deleteMessage(key: string): Promise<boolean> {
    const message = this.messageByKey(key);
    if (!message || message.id === null || this.isBeingWritten(message)) return false;
    const session = this.state.chatSession;
    try {
      await this.api.deleteMessage(message.id);
      if (this.state.chatSession === session) {
        this.store.update((s) => ({
          messages: s.messages.filter((m) => m.key !== key),
          editing: s.editing === key ? null : s.editing,
          regenerateOffer: null,
        }));
      }
      void this.refreshChats();
      return true;
    } catch (error) {
      this.handleError(error);
      return false;
    }
  }

  /** A new chat with the history up to and including this message; opens it. */
  async branchFrom(key: string): Promise<Chat | null> {
    const message = this.messageByKey(key);
    const chatId = this.state.chatId;
    if (!message || message.id === null || chatId === null) return null;
    try {
      const branch = await this.api.branchChat(chatId, message.id);
      this.store.update((s) => ({ chats: [branch, ...s.chats.filter((c) => c.id !== branch.id)] }));
      await this.openChat(branch.id);
      this.requestFocus("composer");
      void this.refreshChats();
      return branch;
    } catch (error) {
      this.handleError(error);
      return null;
    }
  }

  private replaceMessage(key: string, message: StoredMessage): void {
    this.store.update((s) => ({ messages: s.messages.map((m) => (m.key === key ? restored(message, key) : m)) }));
  }

  // ---------------------------------------------------------------- the chat list

  /** Shows the title field of a chat in the list. */
  startRename(chatId: string): void {
    this.store.update({ renaming: chatId });
  }

  cancelRename(): void {
    if (this.state.renaming !== null) this.store.update({ renaming: null });
  }

  /** Renames a chat (an empty or unchanged title just closes the field). */
  async renameChat(chatId: string, title: string): Promise<boolean> {
    const chat = this.state.chats.find((c) => c.id === chatId);
    const trimmed = title.trim();
    this.store.update((s) => ({ renaming: s.renaming === chatId ? null : s.renaming }));
    if (trimmed === "" || trimmed === chat?.title) return false;
    try {
      const renamed = await this.api.renameChat(chatId, trimmed);
      this.upsertChat(renamed);
      if (this.state.chatId === chatId) this.store.update({ chatTitle: renamed.title });
      return true;
    } catch (error) {
      this.handleError(error);
      return false;
    }
  }

  /** Pins a chat to the top of the list, or unpins it. */
  async togglePin(chatId: string): Promise<boolean> {
    const chat = this.state.chats.find((c) => c.id === chatId);
    if (!chat) return false;
    try {
      this.upsertChat(await this.api.pinChat(chatId, !chat.pinned));
      return true;
    } catch (error) {
      this.handleError(error);
      return false;
    }
  }

  /** Deletes a chat and offers "Undo" for a few seconds. */
  async deleteChat(chatId: string): Promise<boolean> {
    const chat = this.state.chats.find((c) => c.id === chatId);
    try {
      await this.api.deleteChat(chatId);
    } catch (error) {
      this.handleError(error);
      return false;
    }
    const wasOpen = this.state.chatId === chatId;
    const undo: UndoDelete = { id: ++this.undoSeq, chatId, title: chat?.title || "Untitled chat", wasOpen };
    this.store.update((s) => ({
      chats: s.chats.filter((c) => c.id !== chatId),
      search: { ...s.search, hits: s.search.hits.filter((h) => h.chatId !== chatId) },
      renaming: s.renaming === chatId ? null : s.renaming,
      undo,
    }));
    if (wasOpen) this.newChat();
    this.requestFocus("undo");
    return true;
  }

  /** Brings the chat just deleted back (and opens it again if it was open). */
  async undoDelete(): Promise<boolean> {
    const undo = this.state.undo;
    if (!undo) return false;
    this.store.update({ undo: null });
    try {
      await this.api.restoreChat(undo.chatId);
      await this.refreshChats();
      if (undo.wasOpen && this.state.chatId === null && this.state.messages.length === 0) {
        await this.openChat(undo.chatId);
      }
      return true;
    } catch (error) {
      this.handleError(error);
      return false;
    }
  }

  /** Stops offering "Undo" (`id`: only if that offer is still the one shown). */
  dismissUndo(id: number | null = null): void {
    const undo = this.state.undo;
    if (undo && (id === null || undo.id === id)) this.store.update({ undo: null });
  }

  /**
   * Searches titles and messages of every chat for `query`; the hits of the latest search land.
   * An empty query clears them.
   */
  async searchChats(query: string): Promise<void> {
    const trimmed = query.trim();
    const seq = ++this.searchSeq;
    if (trimmed === "") {
      this.store.update({ search: { query: "", status: "idle", hits: [] } });
      return;
    }
    this.store.update((s) => ({ search: { ...s.search, query: trimmed, status: "searching" } }));
    try {
      const hits = await this.api.searchChats(trimmed);
      if (seq === this.searchSeq) this.store.update({ search: { query: trimmed, status: "done", hits } });
    } catch (error) {
      if (seq !== this.searchSeq) return;
      this.store.update({ search: { query: trimmed, status: "failed", hits: [] } });
      this.handleError(error);
    }
  }

  // ---------------------------------------------------------------- files

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
      this.handleError(error);
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
    if (results.some((r) => (r.report?.chats.length ?? 0) > 0)) await this.refreshChats();
    // A backup's profiles: the backend says so too (ProfilesChanged), but the list must not wait.
    if (results.some((r) => (r.report?.profiles.length ?? 0) > 0)) await this.refreshProfiles();
    const summary = importSummary(results);
    this.showNotice(summary.text, summary.ok ? "info" : "error");
    return results;
  }

  /** Writes a chat into the Downloads folder as `format`; the toast says where. */
  async exportChat(chatId: string, format: ExportFormat): Promise<ExportedFile | null> {
    if (this.state.busy.export) return null;
    const title = this.state.chats.find((c) => c.id === chatId)?.title || (this.state.chatId === chatId ? this.state.chatTitle : null);
    this.setBusy("export", true);
    try {
      const file = await this.api.exportChat(chatId, format);
      this.showNotice(`Exported “${title || "Untitled chat"}” to ${file.path}`, "info", file.path);
      return file;
    } catch (error) {
      this.handleError(error);
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
      this.showNotice(
        `Backed up ${count(chats.length, "chat")} and ${count(profiles.length, "profile")} (no keys) to ${file.path}`,
        "info",
        file.path,
      );
      return file;
    } catch (error) {
      this.handleError(error);
      return null;
    } finally {
      this.setBusy("export", false);
    }
  }

  /** Stops showing the notice (`id`: only if that one is still shown). */
  dismissNotice(id: number | null = null): void {
    const notice = this.state.notice;
    if (notice && (id === null || notice.id === id)) this.store.update({ notice: null });
  }

  private showNotice(text: string, tone: "info" | "error", path: string | null = null): void {
    this.store.update({ notice: { id: ++this.noticeSeq, tone, text, path } });
  }

  private upsertChat(chat: Chat): void {
    this.store.update((s) => ({
      chats: s.chats.some((c) => c.id === chat.id) ? s.chats.map((c) => (c.id === chat.id ? chat : c)) : [chat, ...s.chats],
    }));
  }

  private onChatEvent(localId: string, event: ChatEvent): void {
    const before = this.state.generation;
    if (!before || before.localId !== localId) return;
    const after = applyEvent(before, event);
    if (after === before) return;
    this.store.update({ generation: after });
    if (event.type === "started" && before.stopRequested) {
      void this.api.cancelGeneration(event.generationId).catch(() => undefined);
    }
    if (event.type === "started" && this.state.generationSession === this.state.chatSession && this.state.chatId === null) {
      this.store.update({ chatId: event.chatId });
    }
    if (after.done) this.finishGeneration(after.localId);
  }

  /** Moves an ended reply into the archived messages (of its chat, if still on screen). */
  private finishGeneration(localId: string): void {
    const generation = this.state.generation;
    if (!generation || generation.localId !== localId) return;
    const onScreen = this.state.generationSession === this.state.chatSession;
    const message: UiMessage = fromGeneration(generation);
    const place = (messages: readonly UiMessage[]): readonly UiMessage[] => {
      if (!onScreen) return messages;
      if (generation.action === "send") return [...messages, message];
      // A new version or more of a message: it takes the place of the message it was written on.
      return messages.map((m) => (isTargetOf(generation, m) ? { ...message, key: m.key, seq: m.seq } : m));
    };
    this.store.update((s) => ({
      messages: place(s.messages),
      generation: null,
      generationSession: null,
    }));
    if (generation.error && generation.state === "failed") {
      this.handleError(generation.error, { profile: selectedProfile(this.state) });
    }
    void this.refreshChats();
  }

  private updateGeneration(localId: string, change: (generation: Generation) => Generation): void {
    const generation = this.state.generation;
    if (generation && generation.localId === localId) this.store.update({ generation: change(generation) });
  }

  // ---------------------------------------------------------------- window chrome

  toggleDrawer(open = !this.state.drawerOpen): void {
    this.store.update({ drawerOpen: open });
    this.requestFocus(open ? "drawer" : "composer");
  }

  toggleSidebar(open = !this.state.sidebarOpen): void {
    this.store.update({ sidebarOpen: open });
    if (open) this.requestFocus("search");
  }

  requestFocus(target: FocusTarget): void {
    this.store.update({ focus: { target, seq: ++this.focusSeq } });
  }

  /**
   * A link from a reply with address `href` and visible `text` was clicked: only http(s) and
   * mailto links open, in the system browser; one whose text is not its address first shows
   * where it goes (`linkPrompt`) and opens on `confirmLink`.
   */
  async openLink(href: string, text: string = href): Promise<void> {
    const decision = decideLink(href, text);
    switch (decision.action) {
      case "refuse":
        this.showInfo(decision.reason);
        return;
      case "confirm":
        this.store.update({ linkPrompt: { url: decision.url, destination: decision.destination } });
        return;
      case "open":
        await this.openExternal(decision.url);
        return;
      default:
        assertNever(decision);
    }
  }

  /** Opens the link waiting in `linkPrompt`. */
  async confirmLink(): Promise<void> {
    const prompt = this.state.linkPrompt;
    if (!prompt) return;
    this.store.update({ linkPrompt: null });
    await this.openExternal(prompt.url);
  }

  /** Drops the link waiting in `linkPrompt`. */
  cancelLink(): void {
    if (this.state.linkPrompt) this.store.update({ linkPrompt: null });
  }

  private async openExternal(url: string): Promise<void> {
    try {
      await this.api.openExternal(url);
    } catch (error) {
      this.handleError(error);
    }
  }

  /** The backend kept the window on the app's pages: say what was not opened. */
  private onNavigationRefused(refused: NavigationRefused): void {
    const url = refused.url.length > 200 ? `${refused.url.slice(0, 199)}…` : refused.url;
    this.showInfo(
      refused.newWindow
        ? `Switchboard opens no other windows: ${url} was not opened.`
        : `Switchboard's window shows only its own pages: ${url} was not opened.`,
    );
  }

  dismissBanner(): void {
    this.store.update({ banner: null });
  }

  private dismissBannerOfKinds(kinds: readonly ErrorKind[]): void {
    const banner = this.state.banner;
    if (banner && banner.kind && kinds.includes(banner.kind)) this.dismissBanner();
  }

  private showInfo(text: string): void {
    this.store.update({
      banner: { id: ++this.bannerSeq, tone: "info", kind: null, text, hint: null, detail: null, retryAt: null, action: null },
    });
  }

  // ---------------------------------------------------------------- errors

  /**
   * Shows an error and does what its kind calls for: focus the key field, open the drawer or the
   * model picker, count down a rate limit, or nothing for a cancellation.
   */
  handleError(
    error: unknown,
    context: { profile?: ProfileSummary | null; retry?: () => void } = {},
  ): void {
    if (this.showUrlProblem(error, this.state.selectedProfileId, { focus: false })) return;
    const ipc: IpcError = toIpcError(error);
    const profile = context.profile ?? selectedProfile(this.state);
    const description = describeError(ipc, { profileName: profile?.name, url: profile?.url });
    const action = description.action;
    let retryAt: number | null = null;
    let button: BannerAction | null = null;
    switch (action.type) {
      case "ignore":
        return;
      case "focusKey":
        this.store.update({ drawerOpen: true, keyError: description.text });
        this.requestFocus("key");
        break;
      case "openDrawer":
        this.store.update({ drawerOpen: true });
        this.requestFocus("drawer");
        break;
      case "focusModel":
        this.store.update({ drawerOpen: true });
        this.requestFocus("model");
        break;
      case "retryAfter":
        retryAt = action.ms === null ? null : this.now() + action.ms;
        if (context.retry) button = { label: "Retry", run: context.retry };
        break;
      case "checkServer":
      case "retryLater":
        if (context.retry) button = { label: "Retry", run: context.retry };
        break;
      case "showDetail":
        break;
      default:
        assertNever(action);
    }
    const banner: Banner = {
      id: ++this.bannerSeq,
      tone: "error",
      kind: ipc.kind,
      text: description.text,
      hint: description.hint,
      detail: description.detail,
      retryAt,
      action: button,
    };
    this.store.update({ banner });
  }
}

/** Whether `generation` writes `message` (a new version of it, or more of it). */
function isTargetOf(generation: Generation, message: UiMessage): boolean {
  if (generation.action === "send") return false;
  return message.key === generation.targetKey || (generation.messageId !== null && message.id === generation.messageId);
}

function connectionOf(
  profile: ProfileSummary,
  state: ConnectionChanged["state"],
  model: string | null,
  message: string,
): ConnectionChanged {
  return { profileId: profile.id, profileName: profile.name, state, model, message };
}

/** The backend's own words for an empty URL (endpoint.rs). */
const EMPTY_URL = "The URL is empty.";

/** A URL that cannot be used: said at the URL field, not in the banner, and not saved. */
class UrlProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UrlProblem";
  }
}

function changesNotice(changes: readonly string[]): string | null {
  return changes.length > 0 ? `Normalised: ${changes.join("; ")}` : null;
}
