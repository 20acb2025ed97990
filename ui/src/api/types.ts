/**
 * The data types the window works with, derived from the generated command signatures.
 *
 * Every type here is read off `commands` and `events` in `../bindings.ts` rather than imported by
 * name, so a regenerated bindings file that renames or splits a type (specta emits
 * `X_Serialize`/`X_Deserialize` pairs for some structs) only needs this folder to still compile.
 * Nothing outside `api/` imports the bindings.
 */

import type { Channel } from "@tauri-apps/api/core";
import type { commands, events } from "../bindings";

type Commands = typeof commands;
type Events = typeof events;

/** What a command resolves to: `data` for `Result` commands, the value itself for plain ones. */
type Resolved<K extends keyof Commands> = Awaited<ReturnType<Commands[K]>>;
type Returned<K extends keyof Commands> =
  Resolved<K> extends { status: "ok" | "error" }
    ? Extract<Resolved<K>, { status: "ok" }>["data"]
    : Resolved<K>;
type Payload<K extends keyof Events> = Parameters<Parameters<Events[K]["listen"]>[0]>[0]["payload"];


export type SourceInfo = Returned<"listSources">[number];
export type ProviderKind = SourceInfo["kind"];
export type KeyNeed = SourceInfo["key"];
export type ApiType = SourceInfo["capabilities"]["api"];
/** A sampler setting a source accepts (`maxTokens`, `temperature`, …). */
export type Sampler = SourceInfo["samplers"][number];

export type ProfileSummary = Returned<"listProfiles">[number];
export type ProfileDraft = Parameters<Commands["saveProfile"]>[0];
/** Generation settings in the (wider) shape the backend accepts: unset fields may be null. */
export type GenParams = ProfileDraft["params"];
export type PostProcessing = ProfileSummary["postProcessing"];
export type SavedProfile = Returned<"saveProfile">;
/** How a profile's chat becomes one prompt (text completion): template and context size. */
export type InstructSettings = ProfileSummary["instruct"];
export type ConnectionOptions = ProfileSummary["options"];
/** A Vertex AI service account's key file, saved: its account and project (never the key). */
export type ServiceAccountSaved = NonNullable<Returned<"chooseServiceAccountKey">>;
/** A profile's proxy and CA certificate files. */
export type NetworkOptions = ConnectionOptions["network"];
export type ProxyChoice = NetworkOptions["proxy"];

/** A built-in instruct template, for the template picker. */
export type BuiltInTemplate = Returned<"listTemplates">[number];
export type TemplateKind = BuiltInTemplate["kind"];
export type InstructTemplate = BuiltInTemplate["template"];

/** A local server that answered the probe, with a ready profile name. */
export type Found = Returned<"detectServers">[number];
export type NormalizedUrl = Returned<"previewUrl">;

export type ConnectResult = Returned<"connect">;
export type StatusReport = ConnectResult["status"];
export type ModelInfo = Returned<"listModels">[number];
export type TestReport = Returned<"testMessage">;
/** The connection doctor's report, its steps and the fixes a front end may carry out. */
export type DoctorReport = Returned<"checkConnection">;
export type DoctorStep = DoctorReport["steps"][number];
export type DoctorAction = NonNullable<DoctorStep["action"]>;
export type StopReason = TestReport["stopReason"];

export type AppStatus = Returned<"appState">;
export type ConnectionChanged = AppStatus["connection"];
export type ConnectionState = ConnectionChanged["state"];

export type Chat = Returned<"listChats">[number];
/** A chat with its latest page of messages, and whether older ones exist. */
export type ChatView = Returned<"loadChat">;
export type StoredMessage = ChatView["messages"][number];
/** A chat opened on the page around one of its messages, and whether older and newer ones exist. */
export type ChatAround = Returned<"loadChatAround">;
/** Where a chat search matched; `snippet` is runs of text, those where a word matched flagged. */
export type SearchHit = Returned<"searchChats">[number];
/** A run of a search snippet's text, and whether a word of the search matched it. */
export type SnippetPart = SearchHit["snippet"][number];
export type MessageState = StoredMessage["state"];
export type Role = StoredMessage["role"];

export type StartGeneration = Parameters<Commands["startGeneration"]>[0];
/** An attachment as the window sees it: what it is, its size and an image's pixels (never its bytes). */
export type AttachmentInfo = Returned<"addAttachment">;
/** What attaching the files chosen in the dialog did: those attached, those refused and why. */
export type ChosenAttachments = Returned<"chooseAttachments">;
/** The request a message would send, as it goes on the wire (keys redacted). */
export type RequestPreview = Returned<"previewRequest">;
export type GenerationStarted = Returned<"startGeneration">;
export type ChatEvent = Parameters<Commands["startGeneration"]>[1] extends Channel<infer E> ? E : never;
export type Usage = Extract<ChatEvent, { type: "usage" }>["usage"];
/** A page a reply cites, shown numbered under it. */
export type SourceLink = Extract<ChatEvent, { type: "sources" }>["sources"][number];
/** The oldest messages were left out of a text-completion prompt to fit the context. */
export type HistoryTrimmed = Omit<Extract<ChatEvent, { type: "historyTrimmed" }>, "type">;
/** How full the context is with a request: the prompt and the reply reserved, of its size. */
export type ContextUsed = Omit<Extract<ChatEvent, { type: "contextUsed" }>, "type">;

/**
 * The error every fallible command can return, in its widest form (optional fields may be
 * absent or null), so errors from commands, channel events and stored messages all fit it.
 */
export type IpcError = Extract<ChatEvent, { type: "failed" }>["error"];
export type ErrorKind = IpcError["kind"];
/** What is missing or wrong, as facts the window words its own fix from. */
export type ErrorReason = NonNullable<IpcError["reason"]>;
/** Why the system keychain cannot be used. */
export type KeychainProblem = Extract<ErrorReason, { type: "keychainUnavailable" }>["problem"];

export type TrayAction = Payload<"trayAction">;

/** The backend kept the window from leaving the app's own pages (a navigation or new window). */
export type NavigationRefused = Payload<"navigationRefused">;

/** The app's settings (`autoConnect`: reconnect to the last profile on launch; `theme`). */
export type AppSettings = Returned<"getSettings">;
/** The window's colours: the system's, or always light or dark. */
export type Theme = NonNullable<AppSettings["theme"]>;
/** What "Delete all my data" removed: file names and keychain account names. */
export type ResetReport = Returned<"deleteAllData">;
/** The database's snapshots (newest first) with the chats and messages there are now. */
export type SnapshotList = Returned<"listSnapshots">;
export type SnapshotInfo = SnapshotList["snapshots"][number];
/** What a restore did: the snapshot restored and the one that keeps the data it replaced. */
export type RestoreReport = Returned<"restoreSnapshot">;

/** What importing one file did: the chats saved, the lines left out, profiles a backup restored. */
export type ImportReport = Returned<"importChatFile">;
export type SkippedLine = ImportReport["skipped"][number];
export type SkippedProfile = ImportReport["skippedProfiles"][number];
/** `"sillytavern"` (.jsonl), `"markdown"` (.md) or `"json"` (Switchboard's own). */
export type ExportFormat = Parameters<Commands["exportChat"]>[1];
/** A file saved where the person chose in the save dialog. */
export type ExportedFile = NonNullable<Returned<"exportChat">>;
/** What to do with a backup's chats that are already here: `"skip"` or `"replace"`. */
export type ExistingChats = NonNullable<Parameters<Commands["importChatFile"]>[1]>;
