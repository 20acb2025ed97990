/**
 * Deleting with undo, the same for chats, messages and profiles: each goes at once and is
 * offered back for `UNDO_MS` — by the toast's Undo, by Ctrl+Z (the newest first), and by the
 * "Deleted · Undo" placeholder that holds its row's place until the pointer leaves the list.
 * `undoStack` holds the offers still open, oldest first; `undo` is the newest (the toast's).
 *
 * Must not: delete or restore anything itself (each part does that for its own kind, and
 * offers the undo here), nor time the offers (the toast does, as it shows them).
 */

import type { UndoDelete, UndoKind } from "./app-state";
import { Part } from "./context";

/** How long a deletion stays offered back. */
export const UNDO_MS = 10_000;

/** A deletion to offer back: everything but the offer's id and place. */
export type UndoOffer = Omit<UndoDelete, "id" | "holding">;

export class Undo extends Part {
  private seq = 0;

  /** Offers a deletion back (the newest offer: the toast's, Ctrl+Z's); focus goes to its Undo. */
  offer(offer: UndoOffer): UndoDelete {
    const entry: UndoDelete = { ...offer, id: ++this.seq, holding: true };
    this.setStack([...this.state.undoStack, entry]);
    this.parts.window.requestFocus("undo");
    return entry;
  }

  /** Brings back the deletion `id` (the newest still offered when `null`); false when none was. */
  async undo(id: number | null = null): Promise<boolean> {
    const stack = this.state.undoStack;
    const entry = id === null ? stack.at(-1) : stack.find((e) => e.id === id);
    if (!entry) return false;
    this.setStack(this.state.undoStack.filter((e) => e.id !== entry.id));
    try {
      switch (entry.kind) {
        case "chat":
          return await this.parts.chats.restoreDeleted(entry);
        case "message":
          return await this.parts.conversation.restoreDeleted(entry);
        case "profile":
          return await this.parts.profiles.restoreDeleted(entry);
      }
    } catch (error) {
      this.parts.window.handleError(error);
      return false;
    }
  }

  /** Stops offering the deletion `id` (every one when `null`: the toast was closed). */
  dismiss(id: number | null = null): void {
    const stack = this.state.undoStack;
    const left = id === null ? [] : stack.filter((e) => e.id !== id);
    if (left.length !== stack.length) this.setStack(left);
  }

  /** The rows of `kind` deleted so far close up (the pointer left their list). */
  release(kind: UndoKind): void {
    const stack = this.state.undoStack;
    if (!stack.some((e) => e.kind === kind && e.holding)) return;
    this.setStack(stack.map((e) => (e.kind === kind && e.holding ? { ...e, holding: false } : e)));
  }

  private setStack(undoStack: readonly UndoDelete[]): void {
    this.store.update({ undoStack, undo: undoStack.at(-1) ?? null });
  }
}

/** The deletions of `kind` whose rows still hold their place. */
export function heldPlaces(stack: readonly UndoDelete[], kind: UndoKind): UndoDelete[] {
  return stack.filter((e) => e.kind === kind && e.holding);
}

/** A message's first words, for "Deleted “…”.". */
export function excerpt(text: string, length = 40): string {
  const flat = text.replace(/\s+/gu, " ").trim();
  if (flat === "") return "message";
  return flat.length > length ? `${flat.slice(0, length - 1).trimEnd()}…` : flat;
}
