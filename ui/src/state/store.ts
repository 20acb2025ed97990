/**
 * A minimal observable store: one state object, replaced (never mutated) on every change.
 *
 * Listeners get the new and the previous state, so a view can compare just the slice it draws
 * and leave the DOM alone otherwise. Listeners run synchronously, in subscription order.
 */

export type Listener<S> = (state: S, previous: S) => void;

export class Store<S extends object> {
  private state: S;
  private readonly listeners = new Set<Listener<S>>();

  constructor(initial: S) {
    this.state = initial;
  }

  /** The current state. Treat it as read-only. */
  get(): S {
    return this.state;
  }

  /** Merges a patch (or the patch a function returns) into the state and notifies listeners. */
  update(patch: Partial<S> | ((state: S) => Partial<S>)): void {
    const previous = this.state;
    const changes = typeof patch === "function" ? patch(previous) : patch;
    let changed = false;
    for (const key of Object.keys(changes) as (keyof S)[]) {
      if (!Object.is(changes[key], previous[key])) {
        changed = true;
        break;
      }
    }
    if (!changed) return;
    this.state = { ...previous, ...changes };
    for (const listener of [...this.listeners]) listener(this.state, previous);
  }

  /** Calls `listener` on every change; returns the function that stops it. */
  subscribe(listener: Listener<S>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
