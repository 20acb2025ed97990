/**
 * What the controller's parts share: the store, the backend (`Api`), the clock, the queue that
 * runs profile writes one after another, the busy flags, and the way each part reaches the
 * others (`parts`).
 *
 * Must not: hold any state of the window (that is the store's), call the backend itself, or be
 * used by views (they go through the `Controller`).
 */

import type { Api } from "../api";
import type { AppSettingsPart } from "./app";
import type { AppState } from "./app-state";
import type { Attachments } from "./attachments";
import type { Chats } from "./chats";
import type { Connection } from "./connection";
import type { Conversation } from "./conversation";
import type { Doctor } from "./doctor";
import type { Files } from "./files";
import type { Profiles } from "./profiles";
import type { Store } from "./store";
import type { Undo } from "./undo";
import type { WindowPart } from "./window";

/** The controller's parts, one per concern. */
export interface Parts {
  app: AppSettingsPart;
  profiles: Profiles;
  connection: Connection;
  chats: Chats;
  conversation: Conversation;
  attachments: Attachments;
  doctor: Doctor;
  files: Files;
  window: WindowPart;
  undo: Undo;
}

export class Context {
  /** Set once by the controller, right after it made its parts. */
  parts!: Parts;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly store: Store<AppState>,
    readonly api: Api,
    readonly now: () => number,
  ) {}

  get state(): AppState {
    return this.store.get();
  }

  /** Runs profile writes one at a time, in call order. */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  setBusy(key: keyof AppState["busy"], value: boolean): void {
    this.store.update((s) => ({ busy: { ...s.busy, [key]: value } }));
  }
}

/** A part of the controller: reads and writes the shared store, and reaches the other parts. */
export abstract class Part {
  constructor(protected readonly ctx: Context) {}

  protected get store(): Store<AppState> {
    return this.ctx.store;
  }

  protected get api(): Api {
    return this.ctx.api;
  }

  protected get state(): AppState {
    return this.ctx.state;
  }

  protected get parts(): Parts {
    return this.ctx.parts;
  }

  protected serial<T>(task: () => Promise<T>): Promise<T> {
    return this.ctx.serial(task);
  }

  protected setBusy(key: keyof AppState["busy"], value: boolean): void {
    this.ctx.setBusy(key, value);
  }
}
