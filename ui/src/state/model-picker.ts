/**
 * What the model picker and the source search show, as data: which models match what was
 * typed (every word in the id or the name, any case), the models used lately first, and a
 * model's context and price as people read them; which sources match a search, by group.
 *
 * "Used lately" is derived from the chats, not stored: the models of this profile's chats, the
 * chat changed last first (a chat keeps the model that last answered it).
 *
 * Must not: touch the DOM, call the backend, or decide how many rows are drawn (the view caps
 * them).
 */

import type { Chat, ModelInfo, SourceInfo } from "../api";
import { groupSources } from "./profile-form";

/** A model's price: US dollars per million tokens. */
export type ModelPrice = NonNullable<ModelInfo["price"]>;

/** How many models used lately are listed first. */
export const RECENT_MODELS = 5;

/** The models of `profileId`'s chats, most recently changed chat first, each once. */
export function recentModels(chats: readonly Chat[], profileId: string | null, limit = RECENT_MODELS): string[] {
  if (profileId === null) return [];
  const used = chats
    .filter((chat) => chat.profileId === profileId && chat.model)
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .map((chat) => chat.model as string);
  return [...new Set(used)].slice(0, limit);
}

/** The words of a search, lower-cased (none for an empty search). */
export function searchWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter((word) => word !== "");
}

/** Whether every word is in one of `texts` (any case). */
export function matchesWords(words: readonly string[], ...texts: (string | null | undefined)[]): boolean {
  const haystack = texts.filter(Boolean).join("\n").toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** The models matching `query`, split into those used lately (in `recent`'s order) and the rest (in the list's order). */
export function pickerModels(
  models: readonly ModelInfo[],
  query: string,
  recent: readonly string[],
): { recent: ModelInfo[]; others: ModelInfo[] } {
  const words = searchWords(query);
  const matching = words.length === 0 ? models : models.filter((m) => matchesWords(words, m.id, m.name));
  const byId = new Map(matching.map((m) => [m.id, m]));
  const first = recent.flatMap((id) => byId.get(id) ?? []);
  const recentIds = new Set(first.map((m) => m.id));
  return { recent: first, others: matching.filter((m) => !recentIds.has(m.id)) };
}

/** Whether the typed text is a model id the list does not have (so it is offered as it is). */
export function typedIdOffered(models: readonly ModelInfo[], query: string): boolean {
  const id = query.trim();
  return id !== "" && !/\s/.test(id) && !models.some((m) => m.id === id);
}

/** A context size in tokens, short: `4K`, `128K`, `1.05M`. */
export function formatContext(tokens: number): string {
  if (tokens < 1000) return String(tokens);
  if (tokens < 1_000_000) return `${Math.round(tokens / 1000)}K`;
  return `${trimZeros((tokens / 1_000_000).toFixed(2))}M`;
}

/** Dollars as people write them: cents from a dollar up (`2.50`, `10.00`), up to four decimals below (`0.15`, `0.0375`). */
export function formatDollars(usd: number): string {
  if (usd >= 1) return usd.toFixed(2);
  const trimmed = trimZeros(usd.toFixed(4));
  const decimals = trimmed.split(".")[1]?.length ?? 0;
  return decimals < 2 ? usd.toFixed(2) : trimmed;
}

/** A price per million tokens: `free`, or `$2.50 in · $10.00 out per 1M` (empty when a figure is missing). */
export function formatPrice(price: ModelPrice): string {
  const { input, output } = price;
  if (input === null || output === null) return "";
  if (input === 0 && output === 0) return "free";
  return `$${formatDollars(input)} in · $${formatDollars(output)} out per 1M`;
}

/** What the picker shows under a model's name: its id (when the name is not it), context and price, as the API told them. */
export function modelDetail(model: ModelInfo): string {
  const parts: string[] = [];
  if (model.name && model.name !== model.id) parts.push(model.id);
  if (model.contextLength) parts.push(`${formatContext(model.contextLength)} context`);
  if (model.price) parts.push(formatPrice(model.price));
  return parts.filter((part) => part !== "").join(" · ");
}

/** The sources matching `query` (every word in the id or the name), grouped as the source list groups them; all of them for an empty query. */
export function searchSources(sources: readonly SourceInfo[], query: string): ReturnType<typeof groupSources> {
  const words = searchWords(query);
  const matching = words.length === 0 ? sources : sources.filter((s) => matchesWords(words, s.id, s.label));
  return groupSources(matching);
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}
