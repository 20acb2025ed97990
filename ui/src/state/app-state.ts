/**
 * The window's whole state, and read-only selectors over it.
 *
 * Views draw from this and call the controller; only the controller writes it. Archived
 * messages (`messages`) are kept apart from the in-flight reply (`generation`) so a streaming
 * delta never touches the rest of the conversation.
 */

import type { DraftAttachment, ImageViewer } from "./attachments";
import type { DoctorRun } from "./doctor";
import type {
  AppSettings,
  AttachmentInfo,
  BuiltInTemplate,
  Chat,
  ContextUsed,
  ConnectionChanged,
  ErrorKind,
  Found,
  KeychainProblem,
  ModelInfo,
  ProfileSummary,
  RequestPreview,
  SearchHit,
  SourceInfo,
  TestReport,
} from "../api";
import type { Generation } from "./generation";
import { hasEveryWord, sortChats } from "./history";
import type { UiMessage } from "./messages";

/** A button on the banner. */
export interface BannerAction {
  label: string;
  run: () => void;
}

/** The one-line notice at the top of the conversation. */
export interface Banner {
  /** Changes whenever a new banner replaces the old one. */
  readonly id: number;
  readonly tone: "error" | "info";
  readonly kind: ErrorKind | null;
  readonly text: string;
  readonly hint: string | null;
  readonly detail: string | null;
  /** For rate limits: when (epoch ms) the action becomes available; the view counts down. */
  readonly retryAt: number | null;
  readonly action: BannerAction | null;
}

/** A link shown to the person before it opens: where it goes, and the whole address. */
export interface LinkPrompt {
  readonly url: string;
  /** Its host (the recipients of a mail link). */
  readonly destination: string;
}

/**
 * Elements the controller can ask the view to focus ("preview": the "Show request" button;
 * "undo": the toast's Undo after something was deleted).
 */
export type FocusTarget = "key" | "url" | "model" | "drawer" | "composer" | "search" | "preview" | "undo";

/** Searching chats: the hits for `query`, once the backend answered. */
export interface ChatSearch {
  readonly query: string;
  readonly status: "idle" | "searching" | "done" | "failed";
  readonly hits: readonly SearchHit[];
}

/** What a deletion took: a chat, a message or a profile. */
export type UndoKind = "chat" | "message" | "profile";

/** Something just deleted, offered back with "Undo" for a few seconds (see `undo.ts`). */
export interface UndoDelete {
  /** Changes with every deletion, so an old timer cannot dismiss a newer offer. */
  readonly id: number;
  readonly kind: UndoKind;
  /** The id of the chat, message or profile deleted. */
  readonly targetId: string;
  /** The chat deleted, or the chat the message was in; `null` for a profile. */
  readonly chatId: string | null;
  /** What the toast calls it: the chat's title, the profile's name, the message's first words. */
  readonly title: string;
  /** It was on screen (the open chat, the profile shown): Undo shows it again. */
  readonly wasOpen: boolean;
  /** Its row keeps its place (a "Deleted · Undo" placeholder) until the pointer leaves the list. */
  readonly holding: boolean;
  /** The chat as it was listed (chats), to hold its place in the list. */
  readonly chat?: Chat;
  /** The message as it was shown (messages), to hold its place and to put it back. */
  readonly message?: UiMessage;
}

/**
 * A short notice in the corner ("Imported 2 chats…", "Exported … to …"). `path`: a file it is
 * about, offered for copying and to show in its folder.
 */
export interface Notice {
  /** Changes with every notice, so an old timer cannot dismiss a newer one. */
  readonly id: number;
  readonly tone: "info" | "error";
  readonly text: string;
  readonly path: string | null;
}

/** A chat's own profile and model (`model` null: the profile's). */
export interface ChatTarget {
  readonly profileId: string;
  readonly model: string | null;
}

/** The settings until the backend says otherwise (the core's defaults). */
export const DEFAULT_SETTINGS: AppSettings = { autoConnect: true, theme: "system" };

/** The outcome of "Test message". */
export type TestResult = { ok: true; report: TestReport } | { ok: false; text: string };

/**
 * "Find local servers": probing the usual local ports, and what answered. `auto` marks the
 * search the first launch runs by itself.
 */
export interface LocalServers {
  readonly status: "idle" | "searching" | "done" | "failed";
  readonly found: readonly Found[];
  readonly auto: boolean;
}

/** Which slow operations are in flight (each shows a spinner on its own button). */
export interface Busy {
  readonly connect: boolean;
  readonly test: boolean;
  readonly models: boolean;
  readonly preview: boolean;
  /** A key is being written to (or removed from) the keychain, which may wait for an unlock. */
  readonly key: boolean;
  /** Chat files are being imported. */
  readonly import: boolean;
  /** A chat (or the backup) is being written to a file. */
  readonly export: boolean;
}

export interface AppState {
  /** The first load finished. */
  readonly ready: boolean;
  readonly sources: readonly SourceInfo[];
  /** The built-in instruct templates (empty until loaded). */
  readonly templates: readonly BuiltInTemplate[];
  readonly profiles: readonly ProfileSummary[];
  /** The app's settings; null until loaded. */
  readonly settings: AppSettings | null;
  /**
   * The profile in the drawer (what is being edited); null while a new one is being filled in.
   * Who answers a chat is `chatAnswerer`'s.
   */
  readonly selectedProfileId: string | null;
  /** The backend's connection state, as last reported (or set locally while connecting). */
  readonly connection: ConnectionChanged;
  /**
   * Models of the selected profile's server; null when not (yet) known. Emptied whenever another
   * profile (or a new one) is shown, and only ever filled with a list asked for the one shown.
   */
  readonly models: readonly ModelInfo[] | null;
  readonly drawerOpen: boolean;
  /** Narrow windows only: the chat list is shown instead of the conversation. */
  readonly sidebarOpen: boolean;
  readonly busy: Busy;
  readonly testResult: TestResult | null;
  /** The connection doctor's last run (`state/doctor.ts`), or null. */
  readonly doctor: DoctorRun | null;
  /** Counts stored keys, so the drawer knows when to empty the key field. */
  readonly keySaves: number;
  /** An auth error, shown under the key field. */
  readonly keyError: string | null;
  /**
   * Why the keychain could not keep the key, while the key field offers to use the typed key
   * for this session only; null otherwise.
   */
  readonly keychainProblem: KeychainProblem | null;
  /** Profiles whose key is used for this session only (kept in memory by the backend). */
  readonly sessionKeys: readonly string[];
  /** The profile just created from the form whose typed key stays in the field (not yet kept). */
  readonly keptKeyFor: string | null;
  /**
   * What normalisation changed in the shown profile's saved URL, shown under the URL field.
   * Cleared when another profile is shown; replaced by each save that changes the URL.
   */
  readonly urlNotice: string | null;
  /** Why the URL in the form cannot be used (empty, unparsable), shown at the URL field. */
  readonly urlError: string | null;
  readonly localServers: LocalServers;
  readonly chats: readonly Chat[];
  readonly chatFilter: string;
  /** Bumped on every chat switch, so a reply streaming into an old chat stays out of view. */
  readonly chatSession: number;
  /** The chat on screen; null for a new chat not yet stored. */
  readonly chatId: string | null;
  readonly chatTitle: string | null;
  /** The model the chat on screen used last, as stored (null for a new chat). */
  readonly chatModel: string | null;
  /**
   * Who answers the chat on screen: the profile and model it used last (a stored chat), or those
   * picked in its header; null for a new chat that goes with the default (`defaultProfile`).
   */
  readonly chatTarget: ChatTarget | null;
  readonly loadingChat: boolean;
  /** The conversation's finished messages (the pages loaded so far, oldest first). */
  readonly messages: readonly UiMessage[];
  /** Older messages than the first loaded one exist. */
  readonly hasOlder: boolean;
  /** A page of older messages is on its way. */
  readonly loadingOlder: boolean;
  /**
   * Newer messages than the last loaded one exist: the chat was opened on an old page (a search
   * hit), so the end of the log is not the end of the chat.
   */
  readonly hasNewer: boolean;
  /** A page of newer messages is on its way. */
  readonly loadingNewer: boolean;
  /** The message being edited in place (its key). */
  readonly editing: string | null;
  /** The user message just edited, after which "Regenerate from here" is offered (its key). */
  readonly regenerateOffer: string | null;
  /** A message to bring into view once shown (a search hit); `seq` makes requests distinct. */
  readonly reveal: { readonly messageId: string; readonly seq: number } | null;
  /** The chat being renamed in the list. */
  readonly renaming: string | null;
  readonly search: ChatSearch;
  /** The newest deletion still offered back (the toast's); the last of `undoStack`. */
  readonly undo: UndoDelete | null;
  /** Every deletion still offered back, oldest first: Ctrl+Z undoes the last. */
  readonly undoStack: readonly UndoDelete[];
  /** What an import, export or backup did, while shown. */
  readonly notice: Notice | null;
  /** "N chats are already here: Skip them / Replace them / Cancel", while asked (a backup's import). */
  readonly existingChats: { readonly fileName: string; readonly count: number } | null;
  /** The reply being streamed, if any. */
  readonly generation: Generation | null;
  /** The chat session the generation belongs to. */
  readonly generationSession: number | null;
  /** How full the context was with the latest request, and in which chat (the meter). */
  readonly contextUsed: (ContextUsed & { readonly chatId: string | null }) | null;
  readonly banner: Banner | null;
  /** "What will be sent": the request the next message would make, while the panel is open. */
  readonly requestPreview: RequestPreview | null;
  /** The attachments that request carries (shown as thumbnails with their size). */
  readonly previewAttachments: readonly AttachmentInfo[];
  /** The files attached to the message being written (`attachments.ts`). */
  readonly drafts: readonly DraftAttachment[];
  /** The image shown full size, or null. */
  readonly imageViewer: ImageViewer | null;
  /** A link from a reply whose text is not its address, waiting for "Open" or "Cancel". */
  readonly linkPrompt: LinkPrompt | null;
  /** The latest focus request; `seq` makes repeated requests for one target distinct. */
  readonly focus: { readonly target: FocusTarget; readonly seq: number } | null;
}

export const IDLE_CONNECTION: ConnectionChanged = {
  profileId: null,
  profileName: null,
  state: "idle",
  model: null,
  message: "Not connected",
};

export function initialState(): AppState {
  return {
    ready: false,
    sources: [],
    templates: [],
    profiles: [],
    settings: null,
    selectedProfileId: null,
    connection: IDLE_CONNECTION,
    models: null,
    drawerOpen: false,
    sidebarOpen: false,
    busy: { connect: false, test: false, models: false, preview: false, key: false, import: false, export: false },
    testResult: null,
    doctor: null,
    keySaves: 0,
    keyError: null,
    keychainProblem: null,
    sessionKeys: [],
    keptKeyFor: null,
    urlNotice: null,
    urlError: null,
    localServers: { status: "idle", found: [], auto: false },
    chats: [],
    chatFilter: "",
    chatSession: 0,
    chatId: null,
    chatTitle: null,
    chatModel: null,
    chatTarget: null,
    loadingChat: false,
    messages: [],
    hasOlder: false,
    loadingOlder: false,
    hasNewer: false,
    loadingNewer: false,
    editing: null,
    regenerateOffer: null,
    reveal: null,
    renaming: null,
    search: { query: "", status: "idle", hits: [] },
    undo: null,
    undoStack: [],
    notice: null,
    existingChats: null,
    generation: null,
    generationSession: null,
    contextUsed: null,
    banner: null,
    requestPreview: null,
    previewAttachments: [],
    drafts: [],
    imageViewer: null,
    linkPrompt: null,
    focus: null,
  };
}

/** The profile in the drawer, if saved. */
export function selectedProfile(state: AppState): ProfileSummary | null {
  return state.profiles.find((p) => p.id === state.selectedProfileId) ?? null;
}

/** Source metadata by kind. */
export function sourceOf(state: AppState, kind: string | null | undefined): SourceInfo | undefined {
  return state.sources.find((s) => s.kind === kind);
}

/**
 * The connection as the status lights show it: the live one, whichever profile the drawer shows
 * (making, editing or duplicating another profile leaves the chat connected).
 */
export function shownConnection(state: AppState): ConnectionChanged {
  return state.connection;
}

/**
 * The profile new chats start with: the one last chosen to use (Connect, the left column, the
 * tray; kept in the settings), else the live connection's, else the one in the drawer. Opening
 * a chat or editing a profile never changes it.
 */
export function defaultProfile(state: AppState): ProfileSummary | null {
  for (const id of [state.settings?.defaultProfile, state.connection.profileId, state.selectedProfileId]) {
    const profile = id ? state.profiles.find((p) => p.id === id) : undefined;
    if (profile) return profile;
  }
  return null;
}

/**
 * Who answers the next message in the chat on screen: its own profile and model when it has
 * them (and the profile still exists), else the default profile with its model.
 */
export function chatAnswerer(state: AppState): { profile: ProfileSummary; model: string | null } | null {
  const target = state.chatTarget;
  const own = target ? state.profiles.find((p) => p.id === target.profileId) : undefined;
  if (target && own) return { profile: own, model: target.model || own.model };
  const profile = defaultProfile(state);
  return profile ? { profile, model: profile.model } : null;
}

/** The status line next to the light. */
export function connectionText(connection: ConnectionChanged): string {
  switch (connection.state) {
    case "idle":
      return "Not connected";
    case "checking":
      return "Checking…";
    case "connected":
      return connection.model ? `Connected · ${connection.model}` : "Connected · no model chosen";
    case "failed":
      // Only the state: what went wrong is said once, at its field or in the banner.
      return "Connection failed";
  }
}

/**
 * The status line of `shownConnection`: it names the live profile when the drawer shows another
 * one, so the line is never taken for the shown profile's.
 */
export function shownConnectionText(state: AppState): string {
  const connection = shownConnection(state);
  const text = connectionText(connection);
  const other = connection.profileId !== null && connection.profileId !== state.selectedProfileId;
  return other && connection.state !== "idle" && connection.profileName ? `${text} (${connection.profileName})` : text;
}

/** Whether a reply is streaming (in any chat). */
export function isGenerating(state: AppState): boolean {
  return state.generation !== null && !state.generation.done;
}

/** The in-flight reply, if it belongs to the chat on screen. */
export function visibleGeneration(state: AppState): Generation | null {
  return state.generation && state.generationSession === state.chatSession ? state.generation : null;
}

/** Chats whose title matches the search box: pinned ones first, then the newest. */
export function filteredChats(state: AppState): Chat[] {
  const query = state.chatFilter;
  const chats = query.trim() ? state.chats.filter((c) => hasEveryWord(c.title, query)) : state.chats;
  return sortChats(chats);
}

/** The search hits for what the search box says now (none until the backend answered it). */
export function currentHits(state: AppState): readonly SearchHit[] | null {
  const { search } = state;
  return search.status === "done" && search.query === state.chatFilter.trim() ? search.hits : null;
}
