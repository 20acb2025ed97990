/**
 * Start-up, the app-wide events, the settings and the data as a whole: loads what the window
 * shows, subscribes to the backend's events, turns auto-connect on or off, keeps the theme and
 * the default profile for new chats, and passes on
 * "delete all my data", snapshots and quitting.
 *
 * Must not: keep a profile's, chat's or message's state itself; connecting, chats and errors
 * are the other parts' (it calls them).
 */

import type { AppSettings, ResetReport, RestoreReport, SnapshotList, Theme, TrayAction } from "../api";
import { DEFAULT_SETTINGS } from "./app-state";
import { Part } from "./context";
import { assertNever } from "./errors";

export class AppSettingsPart extends Part {
  /** Loads everything the window shows and subscribes to the backend's app-wide events. */
  async start(): Promise<void> {
    await Promise.all([
      this.api.onConnectionChanged((change) => this.parts.connection.onConnectionChanged(change)),
      this.api.onProfilesChanged(() => void this.parts.profiles.refreshProfiles()),
      this.api.onTrayAction((action) => this.onTrayAction(action)),
      this.api.onNavigationRefused((refused) => this.parts.window.onNavigationRefused(refused)),
    ]).catch((error: unknown) => this.parts.window.handleError(error));

    try {
      await this.load();
    } finally {
      // Whatever failed was reported in the banner; the window shows either way.
      if (!this.state.ready) this.store.update({ ready: true });
    }
    this.parts.window.requestFocus(this.state.drawerOpen ? "drawer" : "composer");
  }

  private async load(): Promise<void> {
    const [sources, templates, profiles, status, loadedSettings] = await Promise.all([
      this.api.listSources().catch((error: unknown) => (this.parts.window.handleError(error), [])),
      this.api.listTemplates().catch((error: unknown) => (this.parts.window.handleError(error), [])),
      this.api.listProfiles().catch((error: unknown) => (this.parts.window.handleError(error), [])),
      this.api.appState().catch((error: unknown) => (this.parts.window.handleError(error), null)),
      this.api.getSettings().catch((error: unknown) => (this.parts.window.handleError(error), null)),
    ]);
    const settings = loadedSettings ?? DEFAULT_SETTINGS;
    const newest = [...profiles].sort((a, b) => b.updatedAt - a.updatedAt)[0];
    // The live connection, else the profile last chosen to use (editing another one since, or
    // choosing a model, does not change it), else the newest.
    const selected =
      profiles.find((p) => p.id === status?.connection.profileId)?.id ??
      profiles.find((p) => p.id === settings.defaultProfile)?.id ??
      newest?.id ??
      null;
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
    void this.parts.chats.refreshChats();
    // A snapshot that could not be taken when the data was opened is said, not skipped.
    void this.api.snapshotProblem().then(
      (problem) => {
        if (problem) this.parts.window.showNotice(problem, "error");
      },
      () => undefined,
    );
    // First launch: look for servers on this computer once, and offer what answers.
    if (profiles.length === 0 && this.state.localServers.status === "idle") void this.parts.connection.findLocalServers({ auto: true });
    if (selected && connection.state === "idle" && settings.autoConnect) {
      // Like reopening a chat site: reconnect to the profile used last, so the status light
      // and the model list are live without a click (unless the settings say not to).
      void this.parts.connection.selectProfile(selected, { connect: true });
    } else if (selected && connection.state === "connected" && connection.profileId === selected) {
      // The model list costs a request to the server: only fetch it for a live connection.
      void this.parts.connection.refreshModels({ quiet: true });
    }
  }

  private onTrayAction(action: TrayAction): void {
    switch (action.type) {
      case "connect":
        void this.parts.connection.selectProfile(action.profileId, { connect: true });
        return;
      case "newChat":
        this.parts.chats.newChat();
        return;
      default:
        assertNever(action);
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

  /**
   * Makes `profileId` the default for new chats (after the person chose to use it), kept in the
   * settings so the next launch starts with it too. A failure to save it is not worth a banner.
   */
  async setDefaultProfile(profileId: string): Promise<void> {
    const before: AppSettings = this.state.settings ?? DEFAULT_SETTINGS;
    if (before.defaultProfile === profileId) return;
    const next: AppSettings = { ...before, defaultProfile: profileId };
    this.store.update({ settings: next });
    await this.api.saveSettings(next).catch(() => undefined);
  }

  /** Turns "Connect to the last profile on launch" on or off. */
  async setAutoConnect(on: boolean): Promise<boolean> {
    return this.changeSettings({ autoConnect: on });
  }

  /** Chooses the window's theme (shown at once; kept for the next start). */
  async setTheme(theme: Theme): Promise<boolean> {
    return this.changeSettings({ theme });
  }

  /** Saves `change` to the settings; shown at once, taken back (with the error said) when it fails. */
  private async changeSettings(change: Partial<AppSettings>): Promise<boolean> {
    const before: AppSettings = this.state.settings ?? DEFAULT_SETTINGS;
    const next: AppSettings = { ...before, ...change };
    const same = (Object.keys(change) as (keyof AppSettings)[]).every((key) => before[key] === next[key]);
    if (same && this.state.settings !== null) return true;
    this.store.update({ settings: next });
    try {
      await this.api.saveSettings(next);
      return true;
    } catch (error) {
      this.store.update({ settings: before });
      this.parts.window.handleError(error);
      return false;
    }
  }
}
