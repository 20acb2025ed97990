/**
 * The connection: connecting to a profile (a new one checked before it is saved, and saved only
 * when it connects or the person asks), the model list and the chosen model, the test message,
 * finding servers on this computer, and moving to another profile when the live one is deleted.
 * Connecting is choosing to use a profile: it becomes the default for new chats, and the chat on
 * screen goes on with it.
 *
 * Must not: save profiles or keys itself (it asks `profiles.ts`), nor show errors itself (it
 * hands them to `window.ts`). A model list lands only if it is still wanted (see
 * `Profiles.modelsStillWanted`).
 */

import type { ConnectionChanged, ErrorKind, Found, ModelInfo, ProfileSummary } from "../api";
import { toIpcError } from "../api";
import { IDLE_CONNECTION, selectedProfile, sourceOf } from "./app-state";
import { Part } from "./context";
import { describeError } from "./errors";
import { draftForFound, draftFromProfile } from "./profile-form";
import type { ProfileForm } from "./profiles";

export class Connection extends Part {
  onConnectionChanged(change: ConnectionChanged): void {
    this.store.update({ connection: change });
  }

  /** Shows another profile in the drawer (null: a new one) and, if asked, connects to it. */
  async selectProfile(profileId: string | null, options: { connect?: boolean } = {}): Promise<void> {
    this.parts.profiles.showProfile(profileId);
    if (profileId === null) return;
    if (options.connect) {
      const profile = selectedProfile(this.state);
      if (profile) await this.connect({ draft: draftFromProfile(profile), key: "" });
    } else {
      await this.refreshModels({ quiet: true });
    }
  }

  /**
   * Connect: saves the profile first (creating it, named after its source, when it is new), then
   * stores a typed key, then checks the server and lists its models.
   */
  async connect(form: ProfileForm): Promise<boolean> {
    if (this.state.busy.connect) return false;
    this.setBusy("connect", true);
    this.store.update({ keyError: null, keychainProblem: null, testResult: null });
    // A new attempt supersedes what the last one reported: its own outcome is said instead.
    this.parts.window.dismissBannerOfKinds(CONNECTION_ERRORS);
    const shown = this.state.selectedProfileId;
    let profile: ProfileSummary | null = null;
    try {
      if (!(await this.checkUnsaved(form))) return false;
      profile = await this.parts.profiles.saveForm(form);
      this.setConnection(connectionOf(profile, "checking", profile.model, "Checking…"));
      const id = profile.id;
      const seq = this.parts.profiles.newModelsRequest();
      const result = await this.serial(() => this.api.connect(id));
      profile = result.profile;
      this.parts.profiles.upsertProfile(profile);
      const models = result.models.length > 0 ? result.models : (result.status.models ?? []);
      // Another profile (or a new one) may be shown by now: its drawer keeps its own state.
      if (this.parts.profiles.modelsStillWanted(seq, id)) this.store.update({ models });
      if (result.status.urlChanged && this.state.selectedProfileId === id) {
        this.store.update({ urlNotice: `Using ${result.status.baseUrl}` });
      }
      if (!profile.model && models[0]) profile = await this.chooseModelOf(profile, models[0].id);
      this.setConnection(connectionOf(profile, "connected", profile.model, result.status.message));
      // Chosen to use: the default for new chats, and the chat on screen goes on with it.
      void this.parts.app.setDefaultProfile(profile.id);
      await this.parts.chats.useForChatOnScreen(profile.id);
      // Connected: whatever the last attempt reported is fixed.
      this.parts.window.dismissBannerOfKinds(CONNECTION_ERRORS);
      return true;
    } catch (error) {
      if (this.parts.window.showUrlProblem(error, shown, { focus: true })) return false;
      const ipc = toIpcError(error);
      if (profile) this.setConnection(connectionOf(profile, "failed", null, ipc.message));
      // Before the profile came back, the failure was in saving it (and its typed key).
      const keyUse = profile === null ? "save" : "read";
      this.parts.window.handleError(ipc, { profile, retry: () => void this.retryConnect(), keyUse });
      return false;
    } finally {
      this.setBusy("connect", false);
    }
  }

  /** Uses the typed key for this session only (the keychain cannot keep it), then connects. */
  async useSessionKey(key: string): Promise<boolean> {
    if (!(await this.parts.profiles.useSessionKey(key))) return false;
    const profile = selectedProfile(this.state);
    return profile ? this.connect({ draft: draftFromProfile(profile), key: "" }) : false;
  }

  /**
   * A profile not saved yet is checked before it is saved: when its server does not answer (or
   * refuses the key), nothing is saved, the live connection stays, and the error offers "Save
   * anyway". True when it may be saved (it answered, skips the check, or has no URL yet: the
   * save says what is wrong with that).
   */
  private async checkUnsaved(form: ProfileForm): Promise<boolean> {
    const { draft } = form;
    if (draft.id !== null || draft.bypassStatusCheck || draft.url.trim() === "") return true;
    try {
      // Checked as it will be used: through its proxy, with its CA files and route.
      await this.api.checkProfileDraft(draft.source, draft.url, form.key === "" ? null : form.key, draft.options);
      return true;
    } catch (error) {
      const ipc = toIpcError(error);
      // A URL that cannot be used: the save explains it at the URL field.
      if (ipc.kind === "invalidRequest") return true;
      const url = await this.api.previewUrl(draft.source, draft.url).then((n) => n.url, () => draft.url);
      const name = draft.name.trim() || (sourceOf(this.state, draft.source)?.label ?? "This profile");
      this.parts.window.handleError(ipc, {
        profile: { name, url },
        action: { label: "Save anyway", run: () => void this.saveAnyway(form) },
      });
      return false;
    }
  }

  /** "Save anyway": saves a profile that did not connect, without connecting. */
  private async saveAnyway(form: ProfileForm): Promise<void> {
    try {
      const profile = await this.parts.profiles.saveForm(form);
      this.parts.window.showInfo(`Saved “${profile.name}” without connecting.`);
    } catch (error) {
      if (this.parts.window.showUrlProblem(error, this.state.selectedProfileId, { focus: true })) return;
      this.parts.window.handleError(error);
    }
  }

  /**
   * The live profile `deletedId` was deleted: connects to the next profile that answers (the
   * default for new chats first), or says that none does.
   */
  async moveOffDeleted(deletedId: string, name: string): Promise<boolean> {
    const preferred = this.state.settings?.defaultProfile;
    const candidates = [...this.state.profiles]
      .filter((p) => p.id !== deletedId)
      .sort((a, b) => Number(b.id === preferred) - Number(a.id === preferred));
    const tried = new Set<string>([deletedId]);
    for (const profile of candidates) {
      // The person connected to another profile meanwhile: that one is used.
      const { connection } = this.state;
      if (connection.state === "connected" && connection.profileId !== null && !tried.has(connection.profileId)) return true;
      tried.add(profile.id);
      try {
        const result = await this.serial(() => this.api.connect(profile.id));
        this.parts.profiles.upsertProfile(result.profile);
        this.setConnection(connectionOf(result.profile, "connected", result.profile.model, result.status.message));
        void this.parts.app.setDefaultProfile(profile.id);
        this.parts.window.showInfo(`Deleted “${name}”. Now using “${result.profile.name}”.`);
        return true;
      } catch {
        // Not answering either: try the next one.
      }
    }
    this.setConnection({
      ...IDLE_CONNECTION,
      message: candidates.length === 0 ? "Not connected: no profile left." : "Not connected: no other profile answers.",
    });
    this.parts.window.showInfo(
      candidates.length === 0
        ? `Deleted “${name}”. Add a profile to chat again.`
        : `Deleted “${name}”. No other profile answers: open the drawer to fix one.`,
    );
    return false;
  }

  private async retryConnect(): Promise<void> {
    const profile = selectedProfile(this.state);
    if (profile) await this.connect({ draft: draftFromProfile(profile), key: "" });
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
    this.parts.profiles.upsertProfile(saved.profile);
    await this.parts.chats.followProfileModel(profile.id);
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
    const seq = this.parts.profiles.newModelsRequest();
    try {
      const models = await this.api.listModels(profile.id);
      if (this.parts.profiles.modelsStillWanted(seq, profile.id)) this.store.update({ models });
      return models;
    } catch (error) {
      if (!options.quiet) this.parts.window.handleError(error, { profile });
      return null;
    } finally {
      this.setBusy("models", false);
    }
  }

  /** The model ids `profileId`'s server lists (none when it cannot say; no error is shown). */
  async modelsOf(profileId: string): Promise<string[]> {
    try {
      return (await this.api.listModels(profileId)).map((m) => m.id);
    } catch {
      return [];
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
      profile = await this.parts.profiles.saveForm(form);
      const model = profile.model;
      const report = await this.api.testMessage(profile.id, model);
      this.store.update({ testResult: { ok: true, report } });
    } catch (error) {
      if (this.parts.window.showUrlProblem(error, shown, { focus: true })) return;
      const ipc = toIpcError(error);
      this.store.update({ testResult: { ok: false, text: describeError(ipc).text } });
      this.parts.window.handleError(ipc, { profile });
    } finally {
      this.setBusy("test", false);
    }
  }

  /**
   * "Find local servers": probes this computer's usual ports (about 1.5 s) and lists what
   * answered. `auto` marks the search the first launch runs by itself; `addPort` is probed too,
   * and remembered for later searches.
   */
  async findLocalServers(options: { auto?: boolean; addPort?: number | null } = {}): Promise<readonly Found[]> {
    if (this.state.localServers.status === "searching") return this.state.localServers.found;
    const auto = options.auto ?? false;
    this.store.update({ localServers: { status: "searching", found: [], auto } });
    try {
      const found = await this.api.detectServers(options.addPort ?? null);
      this.store.update({ localServers: { status: "done", found, auto } });
      return found;
    } catch (error) {
      this.store.update({ localServers: { status: "failed", found: [], auto } });
      // The automatic search is a convenience: its failure is not worth a banner.
      if (!auto) this.parts.window.handleError(error);
      return [];
    }
  }

  /**
   * Saves a profile for a found server and selects it; connects unless the server needs a key
   * (then the profile is left open in the drawer for its key).
   */
  async addFoundServer(found: Found): Promise<boolean> {
    const draft = draftForFound(found, this.state.profiles.map((p) => p.name));
    let profile: ProfileSummary;
    try {
      const saved = await this.serial(() => this.api.saveProfile(draft));
      profile = saved.profile;
    } catch (error) {
      this.parts.window.handleError(error);
      return false;
    }
    this.parts.profiles.upsertProfile(profile);
    await this.selectProfile(profile.id, { connect: !found.needsKey });
    if (found.needsKey) return false;
    const { connection } = this.state;
    return connection.profileId === profile.id && connection.state === "connected";
  }

  setConnection(connection: ConnectionChanged): void {
    this.store.update({ connection });
  }
}

function connectionOf(
  profile: ProfileSummary,
  state: ConnectionChanged["state"],
  model: string | null,
  message: string,
): ConnectionChanged {
  return { profileId: profile.id, profileName: profile.name, state, model, message };
}

/** The kinds of error a connection attempt can report: the next attempt's outcome replaces them. */
const CONNECTION_ERRORS: readonly ErrorKind[] = [
  "network", "auth", "notConfigured", "providerUnavailable", "rateLimited", "invalidRequest", "modelNotFound", "protocol", "secretStore",
];
