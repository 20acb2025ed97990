/**
 * The dev mock's scenarios' starting data: the `chat` scenario's profile and chats, and the
 * `long` scenario's 10,000-message chat.
 *
 * Writes only into the state it is given; holds none. Never part of a production build.
 */

import type { Chat, ConnectionChanged, IpcError, ProfileSummary, StoredMessage } from "../api";
import { DEFAULT_CONNECTION_OPTIONS, DEFAULT_INSTRUCT } from "../state/profile-form";
import { LONG_CHAT_ID, LONG_CHAT_SIZE, REPLY } from "./mock-data";

/** One version (swipe) of a message, as kept apart from the one shown. */
export type Version = Pick<StoredMessage, "content" | "reasoning" | "state" | "model" | "error">;

/** The mock's state and helpers the seeding writes through. */
export interface Seeding {
  profiles: Map<string, ProfileSummary>;
  chats: Map<string, Chat>;
  messages: Map<string, StoredMessage[]>;
  versions: Map<string, Version[]>;
  nextId: (prefix: string) => string;
  now: () => number;
  stored: (
    chatId: string, seq: number, role: StoredMessage["role"], content: string, state: StoredMessage["state"],
    model: string | null, at: number, reasoning?: string | null, error?: IpcError | null,
  ) => StoredMessage;
  versionOf: (message: StoredMessage) => Version;
}

/** The pages the seeded SSE reply cites (shown under it as "Sources"). */
export const SSE_SOURCES = [
  { url: "https://html.spec.whatwg.org/multipage/server-sent-events.html", title: "HTML Standard: Server-sent events" },
  { url: "https://developer.mozilla.org/en-US/docs/Web/API/EventSource" },
];

/** The `chat` scenario: a connected local profile and five chats, the newest with a conversation. */
export function seedChatFixture(s: Seeding): { activeProfileId: string; connection: ConnectionChanged } {
  const id = "profile-local";
  s.profiles.set(id, {
    id, name: "Local llama.cpp", source: "custom", url: "http://127.0.0.1:8080/v1", model: "llama-3.1-8b-instruct",
    params: { temperature: 0.7, maxTokens: 512, stop: [] }, systemPrompt: null, prefill: null, placeholder: null, postProcessing: "none",
    api: null, instruct: DEFAULT_INSTRUCT, bypassStatusCheck: false, options: DEFAULT_CONNECTION_OPTIONS, headers: [], createdAt: s.now() - 86_400_000 * 3, updatedAt: s.now() - 3_600_000, hasKey: false,
  });
  const connection: ConnectionChanged = { profileId: id, profileName: "Local llama.cpp", state: "connected", model: "llama-3.1-8b-instruct", message: "llama.cpp server is up" };
  const titles: [string, number][] = [
    ["Explain SSE in one paragraph", 60_000],
    ["Regex for ISO dates", 3_600_000 * 5],
    ["Rust lifetimes, gently", 86_400_000 * 1.2],
    ["Packing list for a weekend hike", 86_400_000 * 4],
    ["Summarise the Tauri security model", 86_400_000 * 20],
  ];
  for (const [title, age] of titles) {
    const chatId = s.nextId("chat");
    s.chats.set(chatId, {
      id: chatId, title, profileId: id, model: "llama-3.1-8b-instruct", pinned: false, messageCount: 0,
      createdAt: s.now() - age, updatedAt: s.now() - age, branchOf: null,
    });
    s.messages.set(chatId, []);
  }
  const first = [...s.chats.values()][0];
  if (first) {
    const at = first.createdAt;
    s.messages.set(first.id, [
      s.stored(first.id, 0, "user", "Explain SSE in one paragraph, with a tiny example.", "complete", null, at),
      {
        ...s.stored(first.id, 1, "assistant", REPLY, "complete", "llama-3.1-8b-instruct", at + 4000, "The user wants a short explanation plus a code sample; keep it tight."),
        sources: SSE_SOURCES,
      },
      s.stored(first.id, 2, "user", "And how do I stop a stream?", "complete", null, at + 9000),
      s.stored(first.id, 3, "assistant", "Call `source.close()` on the client. On the server side, stop writing and end the", "stopped", "llama-3.1-8b-instruct", at + 12000),
    ]);
  }
  return { activeProfileId: id, connection };
}

/** A chat of `LONG_CHAT_SIZE` messages, the newest, its last reply with three s.versions. */
export function seedLongChatFixture(s: Seeding, activeProfileId: string | null): void {
  const at = s.now() - LONG_CHAT_SIZE * 1000;
  s.chats.set(LONG_CHAT_ID, {
    id: LONG_CHAT_ID, title: "A very long story", profileId: activeProfileId, model: "llama-3.1-8b-instruct",
    pinned: false, messageCount: 0, createdAt: at, updatedAt: s.now(), branchOf: null,
  });
  const list: StoredMessage[] = [];
  for (let seq = 0; seq < LONG_CHAT_SIZE; seq++) {
    const user = seq % 2 === 0;
    const turn = Math.floor(seq / 2) + 1;
    const text = user
      ? `Turn ${turn}: and then what happened?`
      : `Part ${turn} of the story.${seq % 10 === 1 ? " The night was long, the road longer, and the lantern kept flickering as if it knew something the travellers did not." : ""}${seq % 14 === 3 ? `\n\n\`\`\`text\nlog entry ${turn}\n\`\`\`` : ""}`;
    list.push(s.stored(LONG_CHAT_ID, seq, user ? "user" : "assistant", text, "complete", user ? null : "llama-3.1-8b-instruct", at + seq * 1000));
  }
  const last = list.at(-1)!;
  s.versions.set(last.id, [
    { ...s.versionOf(last), content: "An earlier ending: they turned back." },
    { ...s.versionOf(last), content: "Another ending: they waited for dawn." },
    s.versionOf(last),
  ]);
  Object.assign(last, { swipeIndex: 2, swipeCount: 3 });
  s.messages.set(LONG_CHAT_ID, list);
}

/** A message's shown version, as kept beside its others. */
export function versionOf(message: StoredMessage): Version {
  return { content: message.content, reasoning: message.reasoning, state: message.state, model: message.model, error: message.error };
}

/** The user message a reply answers: the last one before it. */
export function promptOf(list: readonly StoredMessage[], reply: StoredMessage): string {
  return [...list].reverse().find((m) => m.seq < reply.seq && m.role === "user")?.content ?? "";
}
