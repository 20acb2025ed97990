/**
 * Profiles: which one the drawer shows, saving the form (new or edited, its URL checked), keys
 * in the keychain, deleting and duplicating. Profile writes run in turn on the shared queue.
 *
 * Must not: connect or list models (that is `connection.ts`), nor show errors itself (it hands
 * them to `window.ts`). What the drawer shows belongs to the profile shown: `showProfile` is
 * the only way to change the selection.
 */

import type { ProfileDraft, ProfileSummary, ProviderKind, NormalizedUrl, SavedProfile, ServiceAccountSaved } from "../api";
import { toIpcError } from "../api";
import { type AppState, selectedProfile, sourceOf, type UndoDelete } from "./app-state";
import { Part } from "./context";
import { draftDiffers, uniqueName } from "./profile-form";
import { UrlProblem } from "./window";

/** What the drawer's form holds when an action needs it. */
export interface ProfileForm {
  /** The profile as edited; `id` is null for a profile not saved yet. */
  draft: ProfileDraft;
  /** A newly typed API key, or "" to leave the stored one alone. */
  key: string;
}

export class Profiles extends Part {
  /** Bumped when another profile is shown and by each model-list request: only the latest lands. */
  private modelsSeq = 0;

  /** A new model-list request: its number, for `modelsStillWanted`. */
  newModelsRequest(): number {
    return ++this.modelsSeq;
  }

  /** Re-reads the profile list (after `ProfilesChanged` or a local change). */
  async refreshProfiles(): Promise<void> {
    try {
      const profiles = await this.api.listProfiles();
      const stillThere = profiles.some((p) => p.id === this.state.selectedProfileId);
      this.showProfile(stillThere ? this.state.selectedProfileId : null, { profiles });
    } catch (error) {
      this.parts.window.handleError(error);
    }
  }

  /**
   * Makes `profileId` the profile shown (null: a new one) along with `patch`. When that changes
   * the selection, what belonged to the profile shown before goes: its model list (and any list
   * still on its way), test result, key and URL messages, request preview.
   */
  showProfile(profileId: string | null, patch: Partial<AppState> = {}): void {
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
      keychainProblem: null,
      keptKeyFor: null,
      urlNotice: null,
      urlError: null,
      requestPreview: null,
      ...patch,
    });
  }

  /** Whether the model list asked for as request `seq`, for `profileId`, may be shown. */
  modelsStillWanted(seq: number, profileId: string): boolean {
    return seq === this.modelsSeq && this.state.selectedProfileId === profileId;
  }

  /** Saves edits to the selected profile (called when a field loses focus or a select changes). */
  async saveEdits(form: ProfileForm): Promise<void> {
    if (form.draft.id === null) return; // a new profile is saved by Connect or "Save as new"
    const shown = this.state.selectedProfileId;
    try {
      await this.saveForm(form);
    } catch (error) {
      // The person left the field: say what is wrong there, without pulling focus back.
      if (this.parts.window.showUrlProblem(error, shown, { focus: false })) return;
      this.parts.window.handleError(error, { profile: selectedProfile(this.state) });
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
      this.parts.window.showInfo(`Saved as “${profile.name}”.`);
    } catch (error) {
      if (this.parts.window.showUrlProblem(error, shown, { focus: true })) return;
      this.parts.window.handleError(error);
    }
  }

  /** Deletes the selected profile. */
  async deleteSelectedProfile(): Promise<void> {
    const profile = selectedProfile(this.state);
    if (!profile) return;
    // The live profile: the chat moves to another one that answers.
    const live = this.state.connection.profileId === profile.id && this.state.connection.state !== "idle";
    try {
      await this.serial(() => this.api.deleteProfile(profile.id));
      // Offered first, so that its Delete button holds its place before the form changes.
      this.parts.undo.offer({ kind: "profile", targetId: profile.id, chatId: null, title: profile.name, wasOpen: true });
      if (live) void this.parts.connection.moveOffDeleted(profile.id, profile.name);
      const profiles = this.state.profiles.filter((p) => p.id !== profile.id);
      this.showProfile(this.state.selectedProfileId === profile.id ? null : this.state.selectedProfileId, { profiles });
    } catch (error) {
      this.parts.window.handleError(error, { profile });
    }
  }

  /** Brings a deleted profile back (its key too) and shows it if no other is shown; the undo's part. */
  async restoreDeleted(undo: UndoDelete): Promise<boolean> {
    const restored = await this.serial(() => this.api.restoreProfile(undo.targetId));
    await this.refreshProfiles();
    if (restored && this.state.selectedProfileId === null && this.state.profiles.some((p) => p.id === undo.targetId)) {
      this.showProfile(undo.targetId);
    }
    return restored;
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
      this.parts.window.showInfo(`Duplicated “${profile.name}” as “${copy.name}”.`);
      return copy;
    } catch (error) {
      this.parts.window.handleError(error, { profile });
      return null;
    }
  }

  /** Stores a key for the selected profile (an existing one: a new profile keeps it for Connect). */
  async saveKey(key: string): Promise<boolean> {
    const profile = selectedProfile(this.state);
    if (!profile || key === "") return false;
    try {
      const updated = await this.keychain(() => this.api.setApiKey(profile.id, key));
      this.upsertProfile(updated);
      this.keyKept(profile.id, false);
      return true;
    } catch (error) {
      this.parts.window.handleError(error, { profile, keyUse: "save" });
      return false;
    }
  }

  /**
   * Vertex AI: has the app ask for the selected profile's service-account key file and keep it
   * in the keychain (the file never comes to the window); the account and project, or null when
   * the dialog was cancelled or the file refused (the error is shown).
   */
  async chooseServiceAccountKey(): Promise<ServiceAccountSaved | null> {
    const profile = selectedProfile(this.state);
    if (!profile) return null;
    try {
      const saved = await this.keychain(() => this.api.chooseServiceAccountKey(profile.id));
      if (saved) await this.refreshProfiles();
      return saved;
    } catch (error) {
      this.parts.window.handleError(error, { profile, keyUse: "save" });
      return null;
    }
  }

  /** Removes the selected profile's key from the keychain. */
  async clearKey(): Promise<void> {
    const profile = selectedProfile(this.state);
    if (!profile) return;
    try {
      this.upsertProfile(await this.keychain(() => this.api.clearApiKey(profile.id)));
      this.store.update((s) => ({ sessionKeys: s.sessionKeys.filter((id) => id !== profile.id) }));
    } catch (error) {
      this.parts.window.handleError(error, { profile, keyUse: "clear" });
    }
  }

  /**
   * Uses `key` for the selected profile for this session only (the keychain cannot keep it):
   * the backend holds it in memory and writes it nowhere.
   */
  async useSessionKey(key: string): Promise<boolean> {
    const profile = selectedProfile(this.state);
    if (!profile) return false;
    if (key === "") {
      this.store.update({ keyError: "Type the key in the API key field first." });
      this.parts.window.requestFocus("key");
      return false;
    }
    try {
      this.upsertProfile(await this.serial(() => this.api.useSessionKey(profile.id, key)));
      this.keyKept(profile.id, true);
      return true;
    } catch (error) {
      this.parts.window.handleError(error, { profile });
      return false;
    }
  }

  /** A key was kept for `profileId` (`session`: in memory only): the field empties, its errors go. */
  private keyKept(profileId: string, session: boolean): void {
    this.store.update((s) => {
      const others = s.sessionKeys.filter((id) => id !== profileId);
      return {
        keyError: null,
        keychainProblem: null,
        keptKeyFor: null,
        keySaves: s.keySaves + 1,
        sessionKeys: session ? [...others, profileId] : others,
      };
    });
  }

  /** The normalised form of a URL, for the live preview under the URL field. */
  previewUrl(source: ProviderKind, url: string): Promise<NormalizedUrl> {
    return this.api.previewUrl(source, url);
  }

  /**
   * Creates or updates the profile from the form and stores a typed key.
   * Skips the save when nothing changed.
   */
  async saveForm(form: ProfileForm): Promise<ProfileSummary> {
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
      // The typed key stays in the field until it is kept (the keychain may refuse it).
      this.showProfile(profile.id, {
        urlNotice: changesNotice(saved.urlChanges),
        keptKeyFor: form.key !== "" ? profile.id : null,
      });
    } else if (draftDiffers(form.draft, existing)) {
      const saved = await this.saveDraft(form.draft, existing);
      profile = saved.profile;
      this.upsertProfile(profile);
      // A save that touches the URL says what normalising it changed, or nothing when nothing did.
      const urlEdited = form.draft.url !== existing.url || profile.url !== existing.url;
      if (urlEdited && this.state.selectedProfileId === profile.id) {
        this.store.update({ urlNotice: changesNotice(saved.urlChanges) });
      }
      // A model chosen in the drawer is the one the chat on screen goes on with.
      if (profile.model !== existing.model) await this.parts.chats.followProfileModel(profile.id);
      const { connection } = this.state;
      if (connection.profileId === profile.id && connection.state === "connected" && connection.model !== profile.model) {
        this.parts.connection.setConnection({ ...connection, model: profile.model });
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
      this.keyKept(id, false);
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

  upsertProfile(profile: ProfileSummary): void {
    const profiles = this.state.profiles.some((p) => p.id === profile.id)
      ? this.state.profiles.map((p) => (p.id === profile.id ? profile : p))
      : [...this.state.profiles, profile];
    this.store.update({ profiles });
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
}

/** The backend's own words for an empty URL (endpoint.rs). */
const EMPTY_URL = "The URL is empty.";

function changesNotice(changes: readonly string[]): string | null {
  return changes.length > 0 ? `Normalised: ${changes.join("; ")}` : null;
}
