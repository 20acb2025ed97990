/**
 * The conversation on screen: sending and streaming a reply, stopping it, "what will be sent",
 * and working on messages already there (new versions, continuing, editing, deleting,
 * branching). A generation either writes a new reply after the conversation (`send`) or works
 * on a message already there (`regenerate`, `continueReply`): then it is shown in that
 * message's place, and replaces it when it ends.
 *
 * Must not: open or list chats itself (it asks `chats.ts`), nor show errors itself (it hands
 * them to `window.ts`).
 */

import type { Chat, ChatEvent, StoredMessage } from "../api";
import { toIpcError } from "../api";
import { chatAnswerer, isGenerating, selectedProfile, type UndoDelete } from "./app-state";
import { preparing, readyAttachments } from "./attachments";
import { Part } from "./context";
import {
  acknowledge,
  applyEvent,
  createGeneration,
  failToStart,
  type Generation,
  type GenerationTarget,
  requestStop,
} from "./generation";
import { lastMessage, lastReply, messageAfter } from "./history";
import { fromGeneration, pendingUserMessage, restored, type UiMessage } from "./messages";
import { excerpt } from "./undo";

export class Conversation extends Part {
  private seq = 0;
  /** The latest page is being shown again before a send. */
  private catchingUp = false;

  /**
   * Sends `text` as the next user message, with the composer's ready attachments, and streams
   * the reply. Resolves false when nothing was sent (no profile, a reply already streaming, a
   * file still being prepared, or the backend refused to start), so the composer can give the
   * text back; the attachments leave the composer only once the backend took the message.
   */
  async send(text: string): Promise<boolean> {
    const input = text.trim();
    const drafts = this.state.drafts.filter((d) => d.status === "ready" && d.info);
    const attached = readyAttachments(drafts);
    if ((input === "" && attached.length === 0) || isGenerating(this.state) || preparing(this.state.drafts)) return false;
    // The chat's own profile and model (the header shows them), not the drawer's.
    const answerer = chatAnswerer(this.state);
    const profile = answerer?.profile;
    const model = answerer?.model ?? null;
    if (!profile) {
      this.parts.window.handleError({ kind: "notConfigured", message: "Connect to a model first." });
      return false;
    }
    // An older page on screen (a search hit): the message and its reply go after the latest
    // page, shown first (a second send meanwhile is refused, as while a reply streams).
    if (this.catchingUp) return false;
    if (this.state.hasNewer) {
      this.catchingUp = true;
      try {
        if (!(await this.parts.chats.showLatest())) return false;
      } finally {
        this.catchingUp = false;
      }
      if (isGenerating(this.state)) return false;
    }
    const n = ++this.seq;
    const userKey = `local-user-${n}`;
    const session = this.state.chatSession;
    const generation = createGeneration(`local-reply-${n}`, model, this.state.chatId, profile.source);
    this.store.update((s) => ({
      messages: [...s.messages, pendingUserMessage(userKey, input, attached)],
      generation,
      generationSession: session,
      editing: null,
      regenerateOffer: null,
    }));
    try {
      const started = await this.api.startGeneration(
        { profileId: profile.id, chatId: this.state.chatId, input, model, attachments: attached.map((a) => a.id) },
        (event) => this.onChatEvent(generation.localId, event),
      );
      this.parts.attachments.sent(drafts.map((d) => d.key));
      this.updateGeneration(generation.localId, (g) => acknowledge(g, started));
      this.store.update((s) => ({
        chatId: s.chatSession === session && s.chatId === null ? started.chatId : s.chatId,
        // A new chat is stored now, with who answered it: it keeps them from here on.
        chatTarget: s.chatSession === session ? { profileId: profile.id, model } : s.chatTarget,
        messages: s.messages.map((m) => (m.key === userKey ? { ...m, id: started.userMessageId ?? null } : m)),
      }));
      const current = this.state.generation;
      if (current?.localId === generation.localId && current.stopRequested && !current.done) {
        await this.api.cancelGeneration(started.generationId);
      }
      if (this.state.chatId === started.chatId && !this.state.chats.some((c) => c.id === started.chatId)) {
        void this.parts.chats.refreshChats();
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
      this.parts.window.handleError(ipc, { profile });
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
    const chosen = chatAnswerer(this.state);
    if (!chosen) {
      this.parts.window.handleError({ kind: "notConfigured", message: "Connect to a model first." });
      return false;
    }
    let profile = chosen.profile;
    const session = this.state.chatSession;
    const chatId = this.state.chatId;
    const input = text.trim();
    const attached = readyAttachments(this.state.drafts);
    this.setBusy("preview", true);
    try {
      const preview = await this.serial(() => {
        // A save queued before this may have changed the profile (its model, say).
        const current = chatAnswerer(this.state) ?? chosen;
        profile = current.profile;
        return this.api.previewRequest({
          profileId: current.profile.id, chatId, input, model: current.model, attachments: attached.map((a) => a.id),
        });
      });
      if (this.state.chatSession !== session) return false; // another chat is on screen now
      this.store.update({ requestPreview: preview, previewAttachments: attached });
      return true;
    } catch (error) {
      this.parts.window.handleError(error, { profile });
      return false;
    } finally {
      this.setBusy("preview", false);
    }
  }

  /** Closes "What will be sent" and gives focus back to the button that opened it. */
  closeRequestPreview(): void {
    if (this.state.requestPreview === null) return;
    this.store.update({ requestPreview: null });
    this.parts.window.requestFocus("preview");
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
        this.parts.window.handleError(error);
      }
    }
  }

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
    const answerer = chatAnswerer(this.state);
    const profile = answerer?.profile;
    const model = answerer?.model ?? null;
    if (!profile) {
      this.parts.window.handleError({ kind: "notConfigured", message: "Connect to a model first." });
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
      sources: message.sources,
    };
    const n = ++this.seq;
    const generation = createGeneration(`local-${action}-${n}`, model, this.state.chatId, profile.source, target);
    this.store.update({
      generation,
      generationSession: this.state.chatSession,
      editing: null,
      regenerateOffer: null,
    });
    const onEvent = (event: ChatEvent): void => this.onChatEvent(generation.localId, event);
    try {
      const started = await (action === "regenerate"
        ? this.api.regenerate(profile.id, target.id, onEvent, model)
        : this.api.continueReply(profile.id, target.id, onEvent, model));
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
      this.parts.window.handleError(ipc, { profile });
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
      this.parts.window.handleError(error);
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
      this.parts.window.handleError(error);
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
      // Offered first, so that its place is held in the same render that takes it out.
      this.parts.undo.offer({ kind: "message", targetId: message.id, chatId: this.state.chatId, title: excerpt(message.content), wasOpen: true, message });
      if (this.state.chatSession === session) {
        this.store.update((s) => ({
          messages: s.messages.filter((m) => m.key !== key),
          editing: s.editing === key ? null : s.editing,
          regenerateOffer: null,
        }));
      }
      void this.parts.chats.refreshChats();
      return true;
    } catch (error) {
      this.parts.window.handleError(error);
      return false;
    }
  }

  /** Brings a deleted message back, in its place if its chat is open; the undo's part. */
  async restoreDeleted(undo: UndoDelete): Promise<boolean> {
    const restored = await this.api.restoreMessage(undo.targetId);
    const message = undo.message;
    if (restored && message && this.state.chatId === undo.chatId && !this.state.messages.some((m) => m.key === message.key)) {
      this.store.update((s) => {
        const at = s.messages.findIndex((m) => m.seq !== null && message.seq !== null && m.seq > message.seq);
        const messages = [...s.messages];
        messages.splice(at === -1 ? messages.length : at, 0, message);
        return { messages, regenerateOffer: null };
      });
    }
    void this.parts.chats.refreshChats();
    return restored;
  }

  /** A new chat with the history up to and including this message; opens it. */
  async branchFrom(key: string): Promise<Chat | null> {
    const message = this.messageByKey(key);
    const chatId = this.state.chatId;
    if (!message || message.id === null || chatId === null) return null;
    try {
      const branch = await this.api.branchChat(chatId, message.id);
      this.store.update((s) => ({ chats: [branch, ...s.chats.filter((c) => c.id !== branch.id)] }));
      await this.parts.chats.openChat(branch.id);
      this.parts.window.requestFocus("composer");
      void this.parts.chats.refreshChats();
      return branch;
    } catch (error) {
      this.parts.window.handleError(error);
      return null;
    }
  }

  private replaceMessage(key: string, message: StoredMessage): void {
    this.store.update((s) => ({ messages: s.messages.map((m) => (m.key === key ? restored(message, key) : m)) }));
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
    if (event.type === "contextUsed" && after.contextUsed) {
      this.store.update({ contextUsed: { ...after.contextUsed, chatId: after.chatId } });
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
      // Only after the end of the chat: while newer pages are not loaded it comes with them.
      if (generation.action === "send") return this.state.hasNewer ? messages : [...messages, message];
      // A new version or more of a message: it takes the place of the message it was written on
      // (a new version that failed without any text is not kept: the message shows as it was).
      return messages.map((m) => {
        if (!isTargetOf(generation, m)) return m;
        if (droppedVersion(generation, m)) return m;
        return { ...message, key: m.key, seq: m.seq };
      });
    };
    this.store.update((s) => ({
      messages: place(s.messages),
      generation: null,
      generationSession: null,
    }));
    if (generation.error && generation.state === "failed") {
      this.parts.window.handleError(generation.error, { profile: chatAnswerer(this.state)?.profile ?? selectedProfile(this.state) });
    }
    void this.parts.chats.refreshChats();
  }

  private updateGeneration(localId: string, change: (generation: Generation) => Generation): void {
    const generation = this.state.generation;
    if (generation && generation.localId === localId) this.store.update({ generation: change(generation) });
  }
}

/**
 * Whether `generation` was a new version of `message` that failed before any text and so was
 * not kept (the core drops it and shows the version shown before; a failed attempt without
 * text that was the only version is replaced instead, and is shown as it ended).
 */
function droppedVersion(generation: Generation, message: UiMessage): boolean {
  return (
    generation.action === "regenerate" &&
    generation.state === "failed" &&
    generation.content === "" &&
    generation.reasoning === "" &&
    generation.swipeCount > message.swipeCount
  );
}

/** Whether `generation` writes `message` (a new version of it, or more of it). */
function isTargetOf(generation: Generation, message: UiMessage): boolean {
  if (generation.action === "send") return false;
  return message.key === generation.targetKey || (generation.messageId !== null && message.id === generation.messageId);
}
