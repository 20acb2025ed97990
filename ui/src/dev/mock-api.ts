/**
 * An in-memory backend for trying the window in a plain browser and for tests.
 *
 * It behaves like the Rust shell closely enough to exercise every state: profiles with
 * normalised URLs and unique names, keys that only report `hasKey`, a status check that emits
 * `connectionChanged`, model lists (empty for TabbyAPI, so the manual model field shows), and
 * streamed replies with reasoning, stops and failures. Magic inputs pick the failures:
 * - key `bad` → `auth` on Connect and on send;
 * - a URL on port 9 → `network`;
 * - a message containing `fail` → `failed` after some text; `429` → `rateLimited`;
 *   `think` → reasoning first; `slow` → a long reply.
 * Claude profiles start every reply with their prefill, and `previewRequest` builds the request
 * each source's API would get (Messages API for Claude, chat completions, or a text-completion
 * prompt built with the profile's instruct template). Text-completion sources behave like theirs:
 * KoboldAI United and the Horde answer all at once, the Horde after a few `queued` events, and
 * `historyTrimmed` (and `contextUsed`, for the meter) says when the oldest messages did not fit
 * the context (or the message says `trim`). `detectServers` finds KoboldCpp and Ollama unless `localServers` says otherwise.
 * Scenarios (`?mock=NAME` in dev): "" first launch, `chat` a connected profile with chats,
 * `nolocal` a first launch with no local servers, `long` the chats plus one of 10,000 messages
 * (`LONG_CHAT_ID`), the newest, for paging and windowing.
 *
 * Chats work as the core's do: listed pinned first, then newest; opened on their latest page
 * or the page around a search hit, older and newer pages on request (`mock-pages.ts`); replies
 * regenerated as new versions (swipes) or continued; messages edited and deleted; chats
 * branched, renamed, pinned, deleted (undoable, as messages and profiles are) and searched by every word of the query, the
 * snippet's runs marking each word. Sending in a chat records its profile and model, as the core does.
 *
 * Attachments work as `mock-attachments.ts` says. Files work as `mock-files.ts` says. Settings start with auto-connect on (`autoConnect: false`
 * in the options turns it off).
 *
 * Never part of a production build: `main.ts` imports it only under `import.meta.env.DEV`.
 */

import type {
  AppSettings,
  Chat,
  ChatEvent,
  ConnectionChanged,
  HistoryTrimmed,
  IpcError,
  NavigationRefused,
  ProfileSummary,
  SearchHit,
  SnapshotInfo,
  StoredMessage,
  TrayAction,
  Unsubscribe,
} from "../api";
import { AppError } from "../api";
import { hasEveryWord, markWords } from "../state/history";
import { MOCK_SNAPSHOTS, DAMAGED_DATABASE, DEFAULT_CONTEXT_SIZE, MOCK_SOURCES, MOCK_TEMPLATES, MOCK_LOCAL_SERVERS, MODELS, REPLY } from "./mock-data";
import { promptOf, seedChatFixture, seedLongChatFixture, type Seeding, type Version, versionOf } from "./mock-seed";
import { doctorReport } from "./mock-doctor";
import { snippetOf } from "./mock-files";
import { latestPage, pageAfter, pageAround, pageBefore } from "./mock-pages";
import { checkServerOf, ipcError, withoutNulls, prefillOf, sourceInfo, usesText, textPromptOf, turnsOf, previewOf } from "./mock-wire";
import { profileCommands } from "./mock-profiles";
import { chatTargetCommands } from "./mock-target";
import { transferCommands } from "./mock-transfer";
import { mockAttachments } from "./mock-attachments";

import type { MockApi, MockOptions } from "./mock-types";
export type { MockApi, MockOptions } from "./mock-types";
export { LONG_CHAT_ID, LONG_CHAT_SIZE, MOCK_DOWNLOADS, MOCK_LOCAL_SERVERS, MOCK_SOURCES, MOCK_TEMPLATES } from "./mock-data";

export function createMockApi(options: MockOptions = {}): MockApi {
  const tick = options.tick ?? 30;
  const latency = options.latency ?? 450;
  const calls: string[] = [];
  const profiles = new Map<string, ProfileSummary>();
  const keys = new Map<string, string>();
  const chats = new Map<string, Chat>();
  const messages = new Map<string, StoredMessage[]>();
  /** Every version of each message that has more than one, by message id (the shown one stale). */
  const versions = new Map<string, Version[]>();
  const deleted = new Set<string>();
  /** Deleted messages, kept for their undo (with their versions). */
  const trashedMessages = new Map<string, { chatId: string; message: StoredMessage; versions: Version[] | undefined }>();
  const running = new Map<string, { cancelled: boolean }>();
  const listeners = {
    connection: new Set<(c: ConnectionChanged) => void>(),
    profiles: new Set<() => void>(),
    tray: new Set<(a: TrayAction) => void>(),
    navigation: new Set<(r: NavigationRefused) => void>(),
  };
  const files = new Map<string, string>();
  let settings: AppSettings = { autoConnect: options.autoConnect ?? true, theme: options.theme ?? "system" };
  let activeProfileId: string | null = null;
  let connection: ConnectionChanged = { profileId: null, profileName: null, state: "idle", model: null, message: "Not connected" };
  let ids = 0;
  const nextId = (prefix: string) => `${prefix}-${++ids}`;
  const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const now = () => Date.now();

  const setConnection = (change: ConnectionChanged) => {
    connection = change;
    for (const listener of listeners.connection) listener(change);
  };
  const subscribe = <T>(set: Set<T>, listener: T): Promise<Unsubscribe> => {
    set.add(listener);
    return Promise.resolve(() => set.delete(listener));
  };
  const summary = (profile: ProfileSummary): ProfileSummary => ({ ...profile, hasKey: keys.has(profile.id) });
  const profileOf = (id: string): ProfileSummary => {
    const profile = profiles.get(id);
    if (!profile) throw ipcError("notConfigured", "That profile no longer exists.");
    return profile;
  };
  const checkServer = (profile: ProfileSummary) => checkServerOf(profile, keys.get(profile.id) ?? keys.get(`session:${profile.id}`));

  if (options.scenario === "chat" || options.scenario === "relaunch" || options.scenario === "long") seedChat();
  if (options.scenario === "long") seedLongChat();
  if (options.scenario === "relaunch") {
    // The app was restarted: profiles and chats are there, nothing is connected yet.
    activeProfileId = null;
    connection = { profileId: null, profileName: null, state: "idle", model: null, message: "Not connected" };
  }

  /** The state the scenarios' seeding writes into. */
  function seeding(): Seeding {
    return { profiles, chats, messages, versions, nextId, now, stored, versionOf };
  }
  function seedChat(): void {
    ({ activeProfileId, connection } = seedChatFixture(seeding()));
  }
  function seedLongChat(): void {
    seedLongChatFixture(seeding(), activeProfileId);
  }

  function stored(
    chatId: string, seq: number, role: StoredMessage["role"], content: string, state: StoredMessage["state"],
    model: string | null, at: number, reasoning: string | null = null, error: IpcError | null = null,
  ): StoredMessage {
    return {
      id: nextId("msg"), chatId, seq, role, name: null, content, swipeIndex: 0, swipeCount: 1, reasoning, state, model,
      error: error && withoutNulls(error), createdAt: at, updatedAt: at, attachments: [], sources: [],
    };
  }

  /** Every version of a message, the shown one up to date. */
  function versionsOf(message: StoredMessage): Version[] {
    const all = versions.get(message.id) ?? [versionOf(message)];
    all[message.swipeIndex] = versionOf(message);
    versions.set(message.id, all);
    return all;
  }

  /** A chat as listed: its message count up to date. */
  const listed = (chat: Chat): Chat => ({ ...chat, messageCount: messages.get(chat.id)?.length ?? 0 });

  function liveChat(chatId: string): Chat {
    const chat = chats.get(chatId);
    if (!chat || deleted.has(chatId)) throw ipcError("invalidRequest", "That chat no longer exists.");
    return chat;
  }

  function findMessage(messageId: string): { list: StoredMessage[]; message: StoredMessage } {
    for (const [chatId, list] of messages) {
      if (deleted.has(chatId)) continue;
      const message = list.find((m) => m.id === messageId);
      if (message) return { list, message };
    }
    throw ipcError("invalidRequest", "There is no such message.");
  }

  /** Starts streaming into `reply` once the command has answered, like the real channel. */
  function streamLater(
    chatId: string, reply: StoredMessage, model: string, input: string, profile: ProfileSummary,
    trimmed: HistoryTrimmed | null, onEvent: (event: ChatEvent) => void, continuing = false,
  ): string {
    const generationId = nextId("gen");
    running.set(generationId, { cancelled: false });
    setTimeout(() => void stream(generationId, chatId, reply.id, model, input, profile, trimmed, onEvent, continuing), 0);
    return generationId;
  }

  async function stream(
    generationId: string, chatId: string, messageId: string, model: string, input: string,
    profile: ProfileSummary, trimmed: HistoryTrimmed | null, send: (event: ChatEvent) => void, continuing = false,
  ): Promise<void> {
    const control = running.get(generationId) ?? { cancelled: false };
    const reply = messages.get(chatId)?.find((m) => m.id === messageId);
    const save = (patch: Partial<StoredMessage>) => reply && Object.assign(reply, patch, { updatedAt: now() });
    send({
      type: "started", generationId, chatId, messageId, model,
      text: reply?.content ?? "", swipeIndex: reply?.swipeIndex ?? 0, swipeCount: reply?.swipeCount ?? 1,
    });
    const lower = input.toLowerCase();
    if (trimmed) [{ type: "historyTrimmed", ...trimmed } as const, { type: "contextUsed", promptTokens: trimmed.contextSize - 300, contextSize: trimmed.contextSize, replyTokens: 300 } as const].forEach(send);
    // Like the backend: the reply starts with the prefill the model continues (not when it is
    // continued: its text is there already).
    const prefill = continuing ? null : prefillOf(profile);
    if (prefill) {
      send({ type: "delta", text: prefill });
      save({ content: prefill });
    }
    try {
      if (keys.get(profile.id) === "bad") {
        throw { kind: "auth", message: `Profile “${profile.name}”: the server rejected the API key (401).`, status: 401 } satisfies IpcError;
      }
      if (lower.includes("429")) {
        throw { kind: "rateLimited", message: `Profile “${profile.name}”: too many requests (429).`, status: 429, retryAfterMs: 12_000 } satisfies IpcError;
      }
      if (lower.includes("think")) {
        for (const piece of ["Let me think about this. ", "The question is short, ", "so the answer should be too."]) {
          if (control.cancelled) break;
          await wait(tick * 3);
          send({ type: "reasoning", text: piece });
          save({ reasoning: (reply?.reasoning ?? "") + piece });
        }
      }
      if (profile.source === "horde") {
        // The Horde: a few polls in its queue, then a worker picks the request up.
        for (const [position, waitSecs] of [[3, 30], [2, 21], [1, 12], [0, 5]] as const) {
          if (control.cancelled) break;
          send({ type: "queued", position, waitSecs });
          await wait(tick * 20);
        }
      }
      const body = lower.includes("slow") ? `${REPLY}\n\n${REPLY}\n\n${REPLY}` : lower.includes("fail") ? REPLY.slice(0, 160) : REPLY;
      // Sources that do not stream answer all at once.
      const streams = sourceInfo(profile.source)?.capabilities.streaming ?? true;
      const pieces = streams ? (body.match(/[\s\S]{1,6}/g) ?? []) : [body];
      for (const piece of pieces) {
        if (control.cancelled) break;
        if (tick > 0) await wait(tick);
        send({ type: "delta", text: piece });
        save({ content: (reply?.content ?? "") + piece });
      }
      if (control.cancelled) {
        save({ state: "stopped" });
        send({ type: "cancelled", messageId });
        return;
      }
      if (lower.includes("fail")) {
        throw { kind: "network", message: `Profile “${profile.name}”: the connection to ${profile.url} was lost mid-reply.` } satisfies IpcError;
      }
      send({ type: "usage", usage: { promptTokens: 42, completionTokens: pieces.length, totalTokens: 42 + pieces.length } });
      save({ state: "complete" });
      send({ type: "finished", stopReason: "stop", messageId });
    } catch (thrown) {
      const error = thrown as IpcError;
      save({ state: "failed", error: withoutNulls(error) });
      send({ type: "failed", error, messageId });
    } finally {
      running.delete(generationId);
      const chat = chats.get(chatId);
      if (chat) chat.updatedAt = now();
    }
  }

  /** A new chat from imported messages (under `id`, a backup's, when given). */
  function importedChat(title: string, turns: readonly { role: StoredMessage["role"]; content: string; model?: string | null }[], id = nextId("chat")): Chat {
    const at = now();
    const model = [...turns].reverse().find((t) => t.model)?.model ?? null;
    const chat: Chat = { id, title, profileId: null, model, pinned: false, messageCount: 0, createdAt: at, updatedAt: at, branchOf: null };
    chats.set(id, chat);
    messages.set(id, turns.map((t, seq) => stored(id, seq, t.role, t.content, "complete", t.role === "assistant" ? (t.model ?? null) : null, at)));
    return listed(chat);
  }

  const attachments = mockAttachments({ calls, nextId });
  const api: MockApi = {
    ...attachments.commands,
    willAttach: attachments.willAttach,
    ...chatTargetCommands({ calls, profiles, liveChat, listed }),
    ...transferCommands({ calls, files, profiles, chats, messages, deleted, liveChat, importedChat, nextId, now }),
    calls,
    files,
    emitTrayAction: (action) => listeners.tray.forEach((l) => l(action)),
    emitProfilesChanged: () => listeners.profiles.forEach((l) => l()),
    emitNavigationRefused: (refused) => listeners.navigation.forEach((l) => l(refused)),

    async listSources() {
      calls.push("listSources");
      return MOCK_SOURCES;
    },
    async listTemplates() {
      calls.push("listTemplates");
      return MOCK_TEMPLATES;
    },
    async detectServers(addPort) {
      calls.push(addPort ? `detectServers:${addPort}` : "detectServers");
      // The real probe waits up to 1.5 s for the ports that do not answer.
      await wait(latency * 3);
      return (options.localServers ?? (options.scenario === "nolocal" ? [] : MOCK_LOCAL_SERVERS)).map((f) => ({ ...f }));
    },
    ...profileCommands({ calls, profiles, keys, nextId, now, summary, profileOf }),
    async connect(profileId) {
      calls.push(`connect:${profileId}`);
      const profile = profileOf(profileId);
      activeProfileId = profileId;
      const named = { profileId, profileName: profile.name };
      setConnection({ ...named, state: "checking", model: profile.model, message: "Checking…" });
      await wait(latency);
      try {
        if (!profile.bypassStatusCheck) checkServer(profile);
      } catch (error) {
        setConnection({ ...named, state: "failed", model: null, message: (error as AppError).message });
        throw error;
      }
      const models = MODELS[profile.source] ?? [];
      const model = profile.model ?? models[0]?.id ?? null;
      const message = profile.bypassStatusCheck ? "Status check skipped" : `${profile.url} is up`;
      setConnection({ ...named, state: "connected", model, message });
      return {
        profile: summary(profile),
        status: { baseUrl: profile.url, urlChanged: false, models, message },
        models,
      };
    },
    async listModels(profileId) {
      calls.push(`listModels:${profileId}`);
      const profile = profileOf(profileId);
      // NovelAI's list is fixed: it needs no request (nor key).
      if (profile.source !== "novelai") checkServer(profile);
      return MODELS[profile.source] ?? [];
    },
    async testMessage(profileId, model) {
      calls.push(`testMessage:${profileId}`);
      const profile = profileOf(profileId);
      await wait(latency);
      checkServer(profile);
      const chosen = model ?? profile.model ?? MODELS[profile.source]?.[0]?.id;
      if (!chosen) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      return { model: chosen, reply: "Hello! I can hear you.", stopReason: "stop", elapsedMs: 840 };
    },
    async checkConnection(profileId, onStep) {
      calls.push(`checkConnection:${profileId}`);
      const profile = profileOf(profileId);
      await wait(latency);
      return doctorReport(summary(profile), () => checkServer(profile), onStep);
    },
    async appState() {
      calls.push("appState");
      return { connection: { ...connection, profileId: connection.profileId ?? activeProfileId }, dataDir: "(in memory)" };
    },
    async listChats() {
      calls.push("listChats");
      return [...chats.values()]
        .filter((c) => !deleted.has(c.id))
        .map(listed)
        .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt);
    },
    async loadChat(chatId) {
      calls.push(`loadChat:${chatId}`);
      return { chat: listed(liveChat(chatId)), ...latestPage(messages.get(chatId) ?? []) };
    },
    async loadMessages(chatId, beforeSeq) {
      calls.push(`loadMessages:${chatId}:${beforeSeq}`);
      return pageBefore(messages.get(liveChat(chatId).id) ?? [], beforeSeq);
    },
    async loadChatAround(chatId, messageId) {
      calls.push(`loadChatAround:${chatId}:${messageId}`);
      return { chat: listed(liveChat(chatId)), ...pageAround(messages.get(chatId) ?? [], messageId) };
    },
    async loadNewerMessages(chatId, afterSeq) {
      calls.push(`loadNewerMessages:${chatId}:${afterSeq}`);
      return pageAfter(messages.get(liveChat(chatId).id) ?? [], afterSeq);
    },
    async regenerate(profileId, messageId, onEvent, chosen = null) {
      calls.push(`regenerate:${messageId}`);
      const profile = profileOf(profileId);
      const { list, message } = findMessage(messageId);
      if (message.role !== "assistant") throw ipcError("invalidRequest", "Only a reply can be regenerated or continued.");
      if (message.state === "streaming") throw ipcError("invalidRequest", "That reply is still being written.");
      const model = chosen || (profile.model ?? (profile.source === "horde" ? "" : null));
      if (model === null) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      const all = versionsOf(message);
      all.push({ content: "", reasoning: null, state: "streaming", model, error: null });
      Object.assign(message, { content: "", reasoning: null, state: "streaming", model, error: null, swipeIndex: all.length - 1, swipeCount: all.length });
      const chat = liveChat(message.chatId);
      chat.updatedAt = now();
      const generationId = streamLater(chat.id, message, model, promptOf(list, message), profile, null, onEvent);
      return { generationId, chatId: chat.id, userMessageId: null };
    },
    async continueReply(profileId, messageId, onEvent, chosen = null) {
      calls.push(`continueReply:${messageId}`);
      const profile = profileOf(profileId);
      const { list, message } = findMessage(messageId);
      if (message.role !== "assistant") throw ipcError("invalidRequest", "Only a reply can be regenerated or continued.");
      if (message.state === "streaming") throw ipcError("invalidRequest", "Only a reply that is not being written can be continued.");
      const model = chosen || (profile.model ?? message.model ?? "");
      Object.assign(message, { state: "streaming", error: null });
      const chat = liveChat(message.chatId);
      chat.updatedAt = now();
      const generationId = streamLater(chat.id, message, model, promptOf(list, message), profile, null, onEvent, true);
      return { generationId, chatId: chat.id, userMessageId: null };
    },
    async selectSwipe(messageId, index) {
      calls.push(`selectSwipe:${messageId}:${index}`);
      const { message } = findMessage(messageId);
      if (index < 0 || index >= message.swipeCount) {
        throw ipcError("invalidRequest", `This message has ${message.swipeCount} versions; there is no version ${index + 1}.`);
      }
      const all = versionsOf(message);
      Object.assign(message, all[index], { swipeIndex: index, updatedAt: now() });
      return { ...message };
    },
    async editMessage(messageId, content) {
      calls.push(`editMessage:${messageId}`);
      const { message } = findMessage(messageId);
      Object.assign(message, { content, updatedAt: now() });
      const chat = chats.get(message.chatId);
      if (chat) chat.updatedAt = now();
      return { ...message };
    },
    async deleteMessage(messageId) {
      calls.push(`deleteMessage:${messageId}`);
      for (const [chatId, list] of messages) {
        const index = list.findIndex((m) => m.id === messageId);
        if (index === -1 || deleted.has(chatId)) continue;
        const [message] = list.splice(index, 1);
        trashedMessages.set(messageId, { chatId, message: message!, versions: versions.get(messageId) });
        versions.delete(messageId);
        return true;
      }
      return false;
    },
    async restoreMessage(messageId) {
      calls.push(`restoreMessage:${messageId}`);
      const trashed = trashedMessages.get(messageId);
      if (!trashed) return false;
      trashedMessages.delete(messageId);
      const list = messages.get(trashed.chatId) ?? [];
      const at = list.findIndex((m) => m.seq > trashed.message.seq);
      list.splice(at === -1 ? list.length : at, 0, trashed.message);
      messages.set(trashed.chatId, list);
      if (trashed.versions) versions.set(messageId, trashed.versions);
      return true;
    },
    async branchChat(chatId, messageId) {
      calls.push(`branchChat:${chatId}:${messageId}`);
      const source = liveChat(chatId);
      const list = messages.get(chatId) ?? [];
      const through = list.find((m) => m.id === messageId);
      if (!through) throw ipcError("invalidRequest", "There is no such message in this chat.");
      const id = nextId("chat");
      const number = list.filter((m) => m.seq <= through.seq).length;
      const branch: Chat = {
        ...source, id, title: `${source.title.trim() || "Untitled chat"} — branch at message ${number}`, pinned: false, createdAt: now(), updatedAt: now(),
        branchOf: { parentId: chatId, messageId, messageNumber: number },
      };
      chats.set(id, branch);
      messages.set(id, list.filter((m) => m.seq <= through.seq).map((m) => {
        const copy: StoredMessage = { ...m, id: nextId("msg"), chatId: id, state: m.state === "streaming" ? "interrupted" : m.state };
        if (versions.has(m.id)) versions.set(copy.id, versionsOf(m).map((v) => ({ ...v })));
        return copy;
      }));
      return listed(branch);
    },
    async renameChat(chatId, title) {
      calls.push(`renameChat:${chatId}:${title}`);
      if (!title.trim()) throw ipcError("invalidRequest", "Give the chat a title.");
      const chat = liveChat(chatId);
      chat.title = title.trim();
      return listed(chat);
    },
    async pinChat(chatId, pinned) {
      calls.push(`pinChat:${chatId}:${pinned}`);
      const chat = liveChat(chatId);
      chat.pinned = pinned;
      return listed(chat);
    },
    async deleteChat(chatId) {
      calls.push(`deleteChat:${chatId}`);
      if (!chats.has(chatId) || deleted.has(chatId)) return false;
      deleted.add(chatId);
      return true;
    },
    async restoreChat(chatId) {
      calls.push(`restoreChat:${chatId}`);
      return deleted.delete(chatId);
    },
    async searchChats(query) {
      calls.push(`searchChats:${query}`);
      const needle = query.trim().toLowerCase();
      if (needle === "") return [];
      const live = [...chats.values()].filter((c) => !deleted.has(c.id)).sort((a, b) => b.updatedAt - a.updatedAt);
      const hits: SearchHit[] = live
        .filter((c) => hasEveryWord(c.title, query))
        .map((c) => ({ chatId: c.id, chatTitle: c.title, messageId: null, snippet: markWords(c.title, query) }));
      for (const chat of live) {
        const list = messages.get(chat.id) ?? [];
        for (let i = list.length - 1; i >= 0 && hits.length < 50; i--) {
          const message = list[i]!;
          if (hasEveryWord(message.content, query)) {
            hits.push({ chatId: chat.id, chatTitle: chat.title, messageId: message.id, snippet: snippetOf(message.content, query.trim()) });
          }
        }
      }
      return hits.slice(0, 50);
    },
    async startGeneration(request, onEvent) {
      calls.push(`startGeneration:${request.chatId ?? "new"}`);
      const profile = profileOf(request.profileId);
      // The Horde takes any worker's model when none is chosen.
      const model = request.model ?? profile.model ?? (profile.source === "horde" ? "" : null);
      if (model === null) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      const attached = attachments.send(profile, request.attachments ?? []);
      let chatId = request.chatId;
      if (!chatId) {
        chatId = nextId("chat");
        const title = request.input.length > 48 ? `${request.input.slice(0, 47)}…` : request.input;
        chats.set(chatId, { id: chatId, title, profileId: profile.id, model, pinned: false, messageCount: 0, createdAt: now(), updatedAt: now(), branchOf: null });
        messages.set(chatId, []);
      } else {
        // Like the core: a chat remembers the profile and model it used last.
        Object.assign(liveChat(chatId), { profileId: profile.id, model });
      }
      const list = messages.get(chatId) ?? [];
      let trimmed: HistoryTrimmed | null = null;
      if (usesText(profile)) {
        trimmed = textPromptOf(profile, model, turnsOf(list, request.input)).trimmed;
        // `trim` in the message shows the notice without a long chat.
        if (!trimmed && request.input.toLowerCase().includes("trim")) {
          trimmed = { dropped: 7, contextSize: profile.instruct.contextSize ?? DEFAULT_CONTEXT_SIZE };
        }
      }
      const seq = (list.at(-1)?.seq ?? -1) + 1;
      const user = { ...stored(chatId, seq, "user", request.input, "complete", null, now()), attachments: attached };
      const reply = stored(chatId, seq + 1, "assistant", "", "streaming", model, now());
      list.push(user, reply);
      messages.set(chatId, list);
      // Like the real channel: events start after the command has answered.
      const generationId = streamLater(chatId, reply, model, request.input, profile, trimmed, onEvent);
      return { generationId, chatId, userMessageId: user.id };
    },
    async previewRequest(request) {
      calls.push(`previewRequest:${request.chatId ?? "new"}:${request.input}`);
      const profile = profileOf(request.profileId);
      const source = MOCK_SOURCES.find((s) => s.kind === profile.source);
      if (source?.key === "required" && !keys.has(profile.id)) {
        throw ipcError("notConfigured", `Profile “${profile.name}” has no API key, and ${source.label} needs one.`, { provider: profile.source });
      }
      const model = request.model ?? profile.model ?? (profile.source === "horde" ? "" : null);
      if (model === null) throw ipcError("notConfigured", `Profile “${profile.name}” has no model: pick or type one.`);
      const history = request.chatId ? (messages.get(request.chatId) ?? []) : [];
      return previewOf(profile, model, keys.has(profile.id), history, request.input);
    },
    async startupProblem() {
      calls.push("startupProblem");
      return options.startupProblem ?? (options.scenario === "damaged" ? DAMAGED_DATABASE : null);
    },
    async getSettings() {
      calls.push("getSettings");
      return { ...settings };
    },
    async deleteAllData() {
      calls.push("deleteAllData");
      const keychainEntries = [...profiles.values()].flatMap((p) => (p.hasKey ? [`profile:${p.id}:api-key`] : []));
      profiles.clear();
      return { dataDir: "/home/me/.local/share/switchboard", files: ["switchboard.db", "switchboard.db-wal"], keychainEntries };
    },
    async quitApp() {
      calls.push("quitApp");
    },
    async listSnapshots() {
      calls.push("listSnapshots");
      const live = [...chats.keys()].filter((id) => !deleted.has(id));
      const count = live.reduce((n, id) => n + (messages.get(id)?.length ?? 0), 0);
      return { chats: live.length, messages: count, snapshots: MOCK_SNAPSHOTS.map((s) => ({ ...s })) };
    },
    async restoreSnapshot(id) {
      calls.push(`restoreSnapshot:${id}`);
      const restored = MOCK_SNAPSHOTS.find((s) => s.id === id);
      if (!restored) throw ipcError("invalidRequest", `There is no snapshot "${id}".`);
      if (restored.problem) throw ipcError("storage", `${restored.problem} Nothing was changed.`);
      const replaced: SnapshotInfo = { ...restored, id: "2026-12-07-090000-before-restore", kind: "beforeRestore", takenAt: now() };
      return { restored: { ...restored }, replaced };
    },
    async snapshotProblem() {
      calls.push("snapshotProblem");
      return options.snapshotProblem ?? null;
    },
    async saveSettings(next) {
      calls.push(`saveSettings:${JSON.stringify(next)}`);
      settings = { ...settings, ...next };
    },
    async cancelGeneration(generationId) {
      calls.push(`cancelGeneration:${generationId}`);
      const control = running.get(generationId);
      if (!control) return false;
      control.cancelled = true;
      return true;
    },
    async openExternal(url) {
      calls.push(`openExternal:${url}`);
    },
    onConnectionChanged: (listener) => subscribe(listeners.connection, listener),
    onProfilesChanged: (listener) => subscribe(listeners.profiles, listener),
    onTrayAction: (listener) => subscribe(listeners.tray, listener),
    onNavigationRefused: (listener) => subscribe(listeners.navigation, listener),
  };
  return api;
}
