/**
 * The reply being streamed, as a pure reducer over `ChatEvent`s.
 *
 * A generation starts locally (`createGeneration`) before the backend has answered, because its
 * channel can deliver events before `startGeneration` resolves. Events then fold into it with
 * `applyEvent`. Invariants kept here rather than trusted:
 * - exactly one terminal event counts (`finished`, `failed`, `cancelled`); anything after it is
 *   ignored, so a late delta cannot change a finished reply;
 * - a stop keeps the partial text and marks it `stopped`;
 * - a failure keeps the partial text and the error, marked `failed`;
 * - a `historyTrimmed` notice stays with the reply after it ends, and so does `promptCut` (the
 *   server cut the start of a prompt longer than its context);
 * - a `contextUsed` event says how full the context is (the meter by the composer shows it);
 * - a `sources` event gives the pages the reply cites, all of them so far (they replace what was
 *   known: a continued reply starts from the ones it had);
 * - the `started` event says what the reply's text is before this generation (empty for a new
 *   reply or a new version, the text so far when a reply is continued) and which version it
 *   is: the deltas that follow add to that text.
 * Functions never mutate their input; they return the same object when nothing changed.
 */

import type {
  ChatEvent,
  ContextUsed,
  GenerationStarted,
  HistoryTrimmed,
  IpcError,
  MessageState,
  ProviderKind,
  SourceLink,
  StopReason,
  Usage,
} from "../api";

/** A place in a provider's queue (AI Horde). */
export interface QueuePosition {
  position: number;
  /** Expected wait, when the provider estimates one. */
  waitSecs: number | null;
}

/** What a generation does: a new reply, a new version (swipe) of one, or more of one. */
export type GenerationAction = "send" | "regenerate" | "continue";

/** The in-flight reply. */
export interface Generation {
  /** Key for the view until the backend names the message. */
  readonly localId: string;
  /** The backend's id, once known (from the command's answer or the `started` event). */
  readonly generationId: string | null;
  readonly chatId: string | null;
  /** The stored user message this generation answers, once known. */
  readonly userMessageId: string | null;
  /** The stored reply, once known. */
  readonly messageId: string | null;
  readonly model: string | null;
  /** The source of the profile that sent it (names the queue, for one). */
  readonly source: ProviderKind | null;
  /** Reply text received so far. */
  readonly content: string;
  /** Reasoning text received so far. */
  readonly reasoning: string;
  /** Set while waiting in a queue; cleared by the first text. */
  readonly queue: QueuePosition | null;
  /** The oldest messages were left out of the prompt to fit the context. */
  readonly historyTrimmed: HistoryTrimmed | null;
  /** The server cut the prompt and read only this many of its tokens. */
  readonly promptCut: number | null;
  /** How full the context is with this request, when its size is known. */
  readonly contextUsed: ContextUsed | null;
  readonly usage: Usage | null;
  /** The pages the reply cites, numbered from 1 in this order. */
  readonly sources: readonly SourceLink[];
  /** `streaming` until the terminal event, then `complete`, `stopped` or `failed`. */
  readonly state: MessageState;
  readonly stopReason: StopReason | null;
  readonly error: IpcError | null;
  /** The user asked to stop; the `cancelled` event has not come yet. */
  readonly stopRequested: boolean;
  /** A terminal event arrived (or the start failed); nothing changes it any more. */
  readonly done: boolean;
  /** How many text events were folded in: the view uses it to skip unchanged frames. */
  readonly revision: number;
  readonly action: GenerationAction;
  /** The key of the message it rewrites or continues (shown in its place); null for a new reply. */
  readonly targetKey: string | null;
  /** The reply's position in its chat, when it is a stored message already. */
  readonly seq: number | null;
  /** Which version (swipe) of the message it writes, from 0. */
  readonly swipeIndex: number;
  /** How many versions the message has with this one. */
  readonly swipeCount: number;
}

/** Where a new version of a reply, or more of one, starts from. */
export interface GenerationTarget {
  readonly action: Exclude<GenerationAction, "send">;
  readonly key: string;
  readonly id: string;
  readonly seq: number | null;
  readonly content: string;
  readonly reasoning: string | null;
  readonly swipeIndex: number;
  readonly swipeCount: number;
  /** The pages the message cites (a continued reply keeps them). */
  readonly sources?: readonly SourceLink[];
}

/** A new generation waiting for its first event. */
export function createGeneration(
  localId: string,
  model: string | null,
  chatId: string | null,
  source: ProviderKind | null = null,
  target: GenerationTarget | null = null,
): Generation {
  const continuing = target?.action === "continue";
  return {
    localId,
    generationId: null,
    chatId,
    userMessageId: null,
    messageId: target?.id ?? null,
    model,
    source,
    // A new version starts empty (the earlier ones stay as swipes); more of a reply starts
    // from its text so far.
    content: continuing ? target.content : "",
    reasoning: continuing ? (target.reasoning ?? "") : "",
    queue: null,
    historyTrimmed: null,
    promptCut: null,
    contextUsed: null,
    usage: null,
    sources: continuing ? (target.sources ?? []) : [],
    state: "streaming",
    stopReason: null,
    error: null,
    stopRequested: false,
    done: false,
    revision: 0,
    action: target?.action ?? "send",
    targetKey: target?.key ?? null,
    seq: target?.seq ?? null,
    swipeIndex: !target ? 0 : continuing ? target.swipeIndex : target.swipeCount,
    swipeCount: !target ? 1 : continuing ? target.swipeCount : target.swipeCount + 1,
  };
}

/** Folds one channel event into the generation. */
export function applyEvent(generation: Generation, event: ChatEvent): Generation {
  if (generation.done) return generation;
  switch (event.type) {
    case "started":
      return {
        ...generation,
        generationId: event.generationId,
        chatId: event.chatId,
        messageId: event.messageId,
        model: event.model || generation.model,
        content: event.text,
        swipeIndex: event.swipeIndex,
        swipeCount: Math.max(1, event.swipeCount),
        revision: event.text === generation.content ? generation.revision : generation.revision + 1,
      };
    case "historyTrimmed":
      return { ...generation, historyTrimmed: { dropped: event.dropped, contextSize: event.contextSize } };
    case "promptCut":
      return { ...generation, promptCut: event.keptTokens };
    case "contextUsed":
      return {
        ...generation,
        contextUsed: { promptTokens: event.promptTokens, contextSize: event.contextSize, replyTokens: event.replyTokens },
      };
    case "queued":
      return { ...generation, queue: { position: event.position, waitSecs: event.waitSecs } };
    case "delta":
      if (event.text === "") return generation;
      return {
        ...generation,
        content: generation.content + event.text,
        queue: null,
        revision: generation.revision + 1,
      };
    case "reasoning":
      if (event.text === "") return generation;
      return {
        ...generation,
        reasoning: generation.reasoning + event.text,
        queue: null,
        revision: generation.revision + 1,
      };
    case "usage":
      return { ...generation, usage: event.usage };
    case "sources":
      return { ...generation, sources: event.sources };
    case "finished":
      return finish(generation, {
        state: "complete",
        stopReason: event.stopReason,
        messageId: event.messageId,
      });
    case "failed":
      return finish(generation, {
        state: "failed",
        error: event.error,
        messageId: event.messageId ?? generation.messageId,
      });
    case "cancelled":
      return finish(generation, { state: "stopped", messageId: event.messageId });
  }
}

/** Records the command's answer; events may already have filled some of it in. */
export function acknowledge(generation: Generation, started: GenerationStarted): Generation {
  return {
    ...generation,
    generationId: generation.generationId ?? started.generationId,
    chatId: generation.chatId ?? started.chatId,
    userMessageId: started.userMessageId,
  };
}

/** The user pressed Stop; the backend's `cancelled` event will end it. */
export function requestStop(generation: Generation): Generation {
  if (generation.done || generation.stopRequested) return generation;
  return { ...generation, stopRequested: true };
}

/** `startGeneration` itself failed: no events will come. */
export function failToStart(generation: Generation, error: IpcError): Generation {
  if (generation.done) return generation;
  return finish(generation, { state: error.kind === "cancelled" ? "stopped" : "failed", error });
}

function finish(generation: Generation, end: Partial<Generation>): Generation {
  return { ...generation, ...end, queue: null, done: true, revision: generation.revision + 1 };
}

/** Whether the terminal event says the user stopped it. */
export function isStopped(generation: Generation): boolean {
  return generation.done && generation.state === "stopped";
}

/**
 * Where a queued reply stands: "In the Horde's queue: position 3, about 30 s"; position 0 means a
 * worker has picked it up ("A Horde worker is writing the reply, about 12 s").
 */
export function queueLabel(queue: QueuePosition, source: ProviderKind | null = null): string {
  const horde = source === "horde";
  const secs = queue.waitSecs === null ? 0 : Math.max(0, Math.round(queue.waitSecs));
  const eta = secs > 0 ? `, about ${secs} s` : "";
  if (queue.position <= 0) {
    return `${horde ? "A Horde worker" : "The server"} is writing the reply${eta}`;
  }
  return `In ${horde ? "the Horde's" : "the"} queue: position ${queue.position}${eta}`;
}

/** The line shown above a streaming reply while it waits, or null. */
export function liveStatus(generation: Generation): string | null {
  return generation.queue ? queueLabel(generation.queue, generation.source) : null;
}

/** "7 older messages were left out to fit the 4096-token context." */
export function historyTrimmedLabel(trimmed: HistoryTrimmed): string {
  const n = trimmed.dropped;
  const what = n === 1 ? "1 older message was" : `${n} older messages were`;
  return `${what} left out to fit the ${trimmed.contextSize}-token context.`;
}

/** "The prompt was longer than the server's context: it read only the last 1,176 tokens." */
export function promptCutLabel(keptTokens: number): string {
  return `The prompt was longer than the server's context: it read only the last ${keptTokens.toLocaleString("en-US")} tokens.`;
}

/** The notices under a reply (history left out, the prompt cut by the server), or null. */
export function replyNotice(message: { historyTrimmed: HistoryTrimmed | null; promptCut?: number | null }): string | null {
  const notes = [
    message.historyTrimmed ? historyTrimmedLabel(message.historyTrimmed) : null,
    message.promptCut != null ? promptCutLabel(message.promptCut) : null,
  ].filter((note): note is string => note !== null);
  return notes.length > 0 ? notes.join(" ") : null;
}

/** "Context: 1,748 + 300 reserved for the reply, of 2,048 tokens (100%)". */
export function contextUsedLabel(used: ContextUsed): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  return `Context: ${n(used.promptTokens)} + ${n(used.replyTokens)} reserved for the reply, of ${n(used.contextSize)} tokens (${contextPercent(used)}%)`;
}

/** How full the context is, prompt and reply together, in whole percent (at most 100). */
export function contextPercent(used: ContextUsed): number {
  if (used.contextSize <= 0) return 0;
  return Math.min(100, Math.round(((used.promptTokens + used.replyTokens) / used.contextSize) * 100));
}
