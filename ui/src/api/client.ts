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
  AppStatus,
  BuiltInTemplate,
  Chat,
  ChatEvent,
  ChatView,
  ConnectionChanged,
  ConnectResult,
  Found,
  GenerationStarted,
  ModelInfo,
  NormalizedUrl,
  ProfileDraft,
  ProfileSummary,
  ProviderKind,
  RequestPreview,
  SavedProfile,
  SourceInfo,
  StartGeneration,
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
  /** Local servers answering on the usual ports (takes up to about 1.5 s). */
  detectServers(): Promise<Found[]>;
  listProfiles(): Promise<ProfileSummary[]>;
  /** Creates the profile when `draft.id` is null, else updates it. */
  saveProfile(draft: ProfileDraft): Promise<SavedProfile>;
  deleteProfile(profileId: string): Promise<void>;
  previewUrl(source: ProviderKind, url: string): Promise<NormalizedUrl>;
  /** Stores the key in the OS keychain; the key never comes back, only `hasKey`. */
  setApiKey(profileId: string, key: string): Promise<ProfileSummary>;
  clearApiKey(profileId: string): Promise<ProfileSummary>;
  /** Status check (unless bypassed) and model list; makes the profile the active one. */
  connect(profileId: string): Promise<ConnectResult>;
  listModels(profileId: string): Promise<ModelInfo[]>;
  testMessage(profileId: string, model: string | null): Promise<TestReport>;
  appState(): Promise<AppStatus>;
  listChats(): Promise<Chat[]>;
  loadChat(chatId: string): Promise<ChatView>;
  /** Returns as soon as the generation is registered; its events go to `onEvent`. */
  startGeneration(request: StartGeneration, onEvent: (event: ChatEvent) => void): Promise<GenerationStarted>;
  /**
   * The request `request` would send, after post-processing, with keys redacted. Sends and
   * saves nothing; an empty `input` shows the conversation so far.
   */
  previewRequest(request: StartGeneration): Promise<RequestPreview>;
  /** True when a running generation was told to stop. */
  cancelGeneration(generationId: string): Promise<boolean>;
  /** Opens an http(s) link in the system browser. */
  openExternal(url: string): Promise<void>;
  onConnectionChanged(listener: (change: ConnectionChanged) => void): Promise<Unsubscribe>;
  onProfilesChanged(listener: () => void): Promise<Unsubscribe>;
  onTrayAction(listener: (action: TrayAction) => void): Promise<Unsubscribe>;
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

/** The backend over Tauri IPC. */
export const tauriApi: Api = {
  listSources: () => plain(() => commands.listSources()),
  listTemplates: () => plain(() => commands.listTemplates()),
  detectServers: () => call(() => commands.detectServers()),
  listProfiles: () => call(() => commands.listProfiles()),
  saveProfile: (draft) => call(() => commands.saveProfile(draft)),
  deleteProfile: async (profileId) => {
    await call(() => commands.deleteProfile(profileId));
  },
  previewUrl: (source, url) => call(() => commands.previewUrl(source, url)),
  setApiKey: (profileId, key) => call(() => commands.setApiKey(profileId, key)),
  clearApiKey: (profileId) => call(() => commands.clearApiKey(profileId)),
  connect: (profileId) => call(() => commands.connect(profileId)),
  listModels: (profileId) => call(() => commands.listModels(profileId)),
  testMessage: (profileId, model) => call(() => commands.testMessage(profileId, model)),
  appState: () => plain(() => commands.appState()),
  listChats: () => call(() => commands.listChats()),
  loadChat: (chatId) => call(() => commands.loadChat(chatId)),
  startGeneration: (request, onEvent) => {
    const channel = new Channel<ChatEvent>();
    channel.onmessage = onEvent;
    return call(() => commands.startGeneration(request, channel));
  },
  previewRequest: (request) => call(() => commands.previewRequest(request)),
  cancelGeneration: (generationId) => plain(() => commands.cancelGeneration(generationId)),
  openExternal: async (url) => {
    await call(() => commands.openExternal(url));
  },
  onConnectionChanged: (listener) =>
    plain(() => events.connectionChanged.listen((event) => listener(event.payload))),
  onProfilesChanged: (listener) => plain(() => events.profilesChanged.listen(() => listener())),
  onTrayAction: (listener) => plain(() => events.trayAction.listen((event) => listener(event.payload))),
};
