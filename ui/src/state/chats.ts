/**
 * Chats: the list (rename, pin, delete with undo, search), opening one on its latest page of
 * messages (or, for a search hit, on the page around the message), older and newer pages, and
 * a new empty chat. A chat goes on with the profile and model it used last, or those picked in
 * its header (`setChatTarget`); opening it connects nothing and leaves the default for new
 * chats alone.
 *
 * While newer pages are not loaded (`hasNewer`) the end of the log is not the end of the chat:
 * a reply being written at the end is not shown until the pages up to it are, and sending
 * first shows the latest page again (`showLatest`), so nothing appears out of order.
 *
 * Must not: generate or edit messages (that is `conversation.ts`), nor show errors itself (it
 * hands them to `window.ts`).
 */

import { type Chat, type ChatAround, type StoredMessage, toIpcError } from "../api";
import { type AppState, chatAnswerer, type ChatTarget, type UndoDelete } from "./app-state";
import { Part } from "./context";
import type { Generation } from "./generation";
import { moreBefore, PAGE_SIZE } from "./history";
import { fromStored, type UiMessage } from "./messages";

/**
 * Whether a stored message is the new reply `generation` (streaming into its chat) writes: its
 * id, or before the backend said it, the chat's reply still being written.
 */
function isNewReply(generation: Generation, message: StoredMessage): boolean {
  if (generation.action !== "send") return false;
  return generation.messageId === null ? message.state === "streaming" : message.id === generation.messageId;
}

/** A stored chat's own profile and model, when it has a profile. */
function targetOf(chat: Chat | undefined): ChatTarget | null {
  return chat?.profileId ? { profileId: chat.profileId, model: chat.model } : null;
}

/** What a chat switch resets: the messages and everything about them. */
const NO_CONVERSATION = {
  messages: [] as readonly UiMessage[],
  hasOlder: false,
  loadingOlder: false,
  hasNewer: false,
  loadingNewer: false,
  editing: null,
  regenerateOffer: null,
  reveal: null,
  requestPreview: null,
} satisfies Partial<AppState>;

export class Chats extends Part {
  private revealSeq = 0;
  /** Bumped by each search: only the latest one's hits land. */
  private searchSeq = 0;

  /** Reloads the chat list. */
  async refreshChats(): Promise<void> {
    try {
      this.store.update({ chats: await this.api.listChats() });
    } catch (error) {
      this.parts.window.handleError(error);
    }
  }

  /** An empty conversation; the backend stores it with its first message. */
  newChat(): void {
    this.store.update((s) => ({
      ...NO_CONVERSATION,
      chatSession: s.chatSession + 1,
      chatId: null,
      chatTitle: null,
      chatModel: null,
      chatTarget: null,
      loadingChat: false,
      sidebarOpen: false,
    }));
    this.parts.window.requestFocus("composer");
  }

  /** Shows a stored chat, on its latest page of messages (`reveal`: then brings this one into view). */
  async openChat(chatId: string, options: { reveal?: string | null } = {}): Promise<void> {
    await this.show(chatId, async () => ({ ...(await this.api.loadChat(chatId)), hasNewer: false }), {
      reveal: options.reveal ?? null,
    });
  }

  /**
   * Shows the latest page of the chat on screen again (as a fresh view of it, following the
   * bottom). Resolves false when it could not be loaded, or another chat was opened meanwhile.
   */
  async showLatest(): Promise<boolean> {
    const chatId = this.state.chatId;
    if (!chatId) return true;
    return this.show(chatId, async () => ({ ...(await this.api.loadChat(chatId)), hasNewer: false }), {
      reveal: null,
    });
  }

  /** Opens a chat on the page `load` fetches; resolves whether it is on screen. */
  private async show(
    chatId: string,
    load: () => Promise<ChatAround>,
    options: { reveal: string | null },
  ): Promise<boolean> {
    const session = this.state.chatSession + 1;
    const chat = this.state.chats.find((c) => c.id === chatId);
    this.store.update({
      ...NO_CONVERSATION,
      chatSession: session,
      chatId,
      chatTitle: chat?.title ?? null,
      chatModel: chat?.model ?? null,
      chatTarget: targetOf(chat),
      loadingChat: true,
      sidebarOpen: false,
    });
    try {
      const view = await load();
      if (this.state.chatSession !== session) return false; // another chat was opened meanwhile
      const generation = this.state.generation;
      const streamingHere = generation && !generation.done && generation.chatId === chatId;
      // A new reply still streaming into this chat is drawn from the generation, not from the
      // store (but only once the end of the chat is loaded); a message being rewritten or
      // continued stays in place and is drawn from it.
      const shown = streamingHere && !(view.hasNewer && generation.action === "send");
      const messages = view.messages
        .filter((m) => !(streamingHere && isNewReply(generation, m)))
        .map(fromStored);
      this.store.update({
        chatTitle: view.chat.title,
        chatModel: view.chat.model,
        chatTarget: targetOf(view.chat),
        messages,
        hasOlder: view.hasOlder,
        hasNewer: view.hasNewer,
        loadingChat: false,
        generationSession: shown ? session : this.state.generationSession,
        reveal: options.reveal ? { messageId: options.reveal, seq: ++this.revealSeq } : null,
      });
      return true;
    } catch (error) {
      if (this.state.chatSession === session) this.store.update({ loadingChat: false });
      this.parts.window.handleError(error);
      return false;
    }
  }

  /**
   * The header's picker: the next message of the chat on screen goes to `profileId` and `model`
   * (null: the profile's). A stored chat keeps them (its place in the list stays); a new one
   * holds them until its first message stores it. The default for new chats stays as it is.
   */
  async setChatTarget(profileId: string, model: string | null): Promise<boolean> {
    const chosen = model?.trim() || null;
    const current = chatAnswerer(this.state);
    if (current && current.profile.id === profileId && current.model === (chosen ?? current.profile.model)) return true;
    if (!this.state.profiles.some((p) => p.id === profileId)) return false;
    const target: ChatTarget = { profileId, model: chosen };
    const { chatId, chatSession } = this.state;
    const before = this.state.chatTarget;
    this.store.update({ chatTarget: target });
    if (chatId === null) return true;
    try {
      const chat = await this.api.setChatTarget(chatId, profileId, chosen);
      this.upsertChat(chat);
      if (this.state.chatSession === chatSession) this.store.update({ chatModel: chat.model });
      return true;
    } catch (error) {
      if (this.state.chatSession === chatSession) this.store.update({ chatTarget: before });
      this.parts.window.handleError(error);
      return false;
    }
  }

  /**
   * The person chose to use `profileId` (Connect, the left column, the tray): the chat on screen
   * goes on with it, with its own model (a new chat: with the default, which it now is).
   */
  async useForChatOnScreen(profileId: string): Promise<void> {
    if (this.state.chatId === null) {
      if (this.state.chatTarget !== null) this.store.update({ chatTarget: null });
      return;
    }
    if (this.state.chatTarget?.profileId === profileId) return;
    await this.setChatTarget(profileId, null);
  }

  /**
   * The model of `profileId` was changed in the drawer (choosing a model there is choosing to
   * use it): when the chat on screen answers with that profile, it follows the profile's model.
   */
  async followProfileModel(profileId: string): Promise<void> {
    const target = this.state.chatTarget;
    if (target?.profileId !== profileId || target.model === null) return;
    const { chatId, chatSession } = this.state;
    this.store.update({ chatTarget: { profileId, model: null } });
    if (chatId === null) return;
    try {
      const chat = await this.api.setChatTarget(chatId, profileId, null);
      this.upsertChat(chat);
      if (this.state.chatSession === chatSession) this.store.update({ chatModel: chat.model });
    } catch (error) {
      this.parts.window.handleError(error);
    }
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
      this.parts.window.handleError(error);
      return 0;
    }
  }

  /**
   * Adds the page of messages after the last one shown (while the chat was opened on an older
   * page). Resolves with how many were added (0 when there are none, one is already on its way,
   * or another chat was opened meanwhile). Once the end is loaded, a reply still being written
   * there is drawn from its generation, as when the chat opens on its latest page.
   */
  async loadNewer(): Promise<number> {
    const { chatId, hasNewer, loadingNewer, messages } = this.state;
    const last = [...messages].reverse().find((m) => m.seq !== null);
    if (!chatId || !hasNewer || loadingNewer || !last || last.seq === null) return 0;
    const session = this.state.chatSession;
    this.store.update({ loadingNewer: true });
    try {
      const page = await this.api.loadNewerMessages(chatId, last.seq);
      if (this.state.chatSession !== session) return 0;
      const more = page.length >= PAGE_SIZE;
      const generation = this.state.generation;
      const streamingHere =
        !more && generation !== null && !generation.done && generation.chatId === chatId && generation.action === "send";
      const known = new Set(this.state.messages.map((m) => m.id));
      const newer = page
        .filter((m) => !known.has(m.id) && !(streamingHere && isNewReply(generation, m)))
        .map(fromStored);
      this.store.update((s) => ({
        messages: newer.length > 0 ? [...s.messages, ...newer] : s.messages,
        hasNewer: more,
        loadingNewer: false,
        generationSession: streamingHere ? session : s.generationSession,
      }));
      return newer.length;
    } catch (error) {
      if (this.state.chatSession === session) this.store.update({ loadingNewer: false });
      this.parts.window.handleError(error);
      return 0;
    }
  }

  /**
   * Opens a search hit's chat on the page around the message that matched (whatever its age)
   * and brings that message into view; without a message (a title hit), on its latest page.
   * A message gone since the search opens the chat on its latest page.
   */
  async openHit(chatId: string, messageId: string | null): Promise<void> {
    if (messageId === null) return this.openChat(chatId);
    const load = async (): Promise<ChatAround> => {
      try {
        return await this.api.loadChatAround(chatId, messageId);
      } catch (error) {
        if (toIpcError(error).kind !== "invalidRequest") throw error;
        return { ...(await this.api.loadChat(chatId)), hasNewer: false };
      }
    };
    await this.show(chatId, load, { reveal: messageId });
  }

  setChatFilter(filter: string): void {
    this.store.update({ chatFilter: filter });
  }

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
      this.parts.window.handleError(error);
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
      this.parts.window.handleError(error);
      return false;
    }
  }

  /** Deletes a chat and offers "Undo" for a few seconds. */
  async deleteChat(chatId: string): Promise<boolean> {
    const chat = this.state.chats.find((c) => c.id === chatId);
    try {
      await this.api.deleteChat(chatId);
    } catch (error) {
      this.parts.window.handleError(error);
      return false;
    }
    const wasOpen = this.state.chatId === chatId;
    this.store.update((s) => ({
      chats: s.chats.filter((c) => c.id !== chatId),
      search: { ...s.search, hits: s.search.hits.filter((h) => h.chatId !== chatId) },
      renaming: s.renaming === chatId ? null : s.renaming,
    }));
    if (wasOpen) this.newChat();
    this.parts.undo.offer({ kind: "chat", targetId: chatId, chatId, title: chat?.title || "Untitled chat", wasOpen, ...(chat ? { chat } : {}) });
    return true;
  }

  /** Brings a deleted chat back (and opens it again if it was open); the undo's part. */
  async restoreDeleted(undo: UndoDelete): Promise<boolean> {
    await this.api.restoreChat(undo.targetId);
    await this.refreshChats();
    if (undo.wasOpen && this.state.chatId === null && this.state.messages.length === 0) {
      await this.openChat(undo.targetId);
    }
    return true;
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
      this.parts.window.handleError(error);
    }
  }

  private upsertChat(chat: Chat): void {
    this.store.update((s) => ({
      chats: s.chats.some((c) => c.id === chat.id) ? s.chats.map((c) => (c.id === chat.id ? chat : c)) : [chat, ...s.chats],
    }));
  }
}
