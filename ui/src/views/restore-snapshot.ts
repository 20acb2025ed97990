/**
 * "Restore from a snapshot…" in the drawer's settings: the database's snapshots (when, why,
 * chats and messages, or why one cannot be used), then a confirmation that says what changes
 * (chats and messages now and in the snapshot, and that what there is now is kept as a snapshot
 * first), then the restore, after which the window reloads itself on the restored data.
 *
 * This view only asks the controller; it never restores anything itself.
 */

import type { SnapshotInfo, SnapshotList } from "../api";
import { toIpcError } from "../api";
import type { Controller } from "../state/controller";
import { h, setText } from "./dom";

/** The elements of the restore control. */
export interface RestoreSnapshotElements {
  root: HTMLElement;
  open: HTMLButtonElement;
  dialog: HTMLElement;
  message: HTMLElement;
  list: HTMLElement;
  confirm: HTMLButtonElement;
  back: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

const INTRO =
  "Switchboard keeps a snapshot of your chats and profiles each day (the last 7) and before each upgrade or restore. Pick one to go back to:";

/** Builds the control (hidden dialog included). */
export function createRestoreSnapshot(): RestoreSnapshotElements {
  const open = h("button", {
    id: "restore-snapshot", type: "button", class: "button", "data-testid": "restore-snapshot",
    text: "Restore from a snapshot…",
  });
  const message = h("p", { id: "restore-snapshot-message", class: "field-note", text: INTRO });
  const list = h("ul", { id: "restore-snapshot-list", class: "snapshot-list" });
  const confirm = h("button", { id: "restore-snapshot-confirm", type: "button", class: "button primary", "data-testid": "restore-snapshot-confirm", text: "Restore", hidden: true });
  const back = h("button", { id: "restore-snapshot-back", type: "button", class: "button", text: "Back", hidden: true });
  const cancel = h("button", { id: "restore-snapshot-cancel", type: "button", class: "button", text: "Cancel" });
  const dialog = h("div", {
    id: "restore-snapshot-dialog", class: "restore-snapshot-dialog", role: "dialog", "aria-modal": "true",
    "aria-labelledby": "restore-snapshot-title", "aria-describedby": "restore-snapshot-message", hidden: true,
  },
    h("h3", { id: "restore-snapshot-title", class: "section-title", text: "Restore from a snapshot" }),
    message,
    list,
    h("div", { class: "drawer-footer" }, cancel, back, confirm),
  );
  const root = h("div", { class: "restore-snapshot" }, open, dialog);
  return { root, open, dialog, message, list, confirm, back, cancel };
}

const KINDS: Record<SnapshotInfo["kind"], string> = {
  daily: "daily",
  beforeUpgrade: "before an upgrade",
  beforeRestore: "before a restore",
};

/** When a snapshot was taken, in the person's own time. */
export function takenAt(snapshot: SnapshotInfo): string {
  return new Date(snapshot.takenAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** One line about a snapshot: when, why, and what it holds (or why it cannot be used). */
export function snapshotLine(snapshot: SnapshotInfo): string {
  const holds = snapshot.problem
    ? snapshot.problem
    : `${plural(snapshot.chats ?? 0, "chat", "chats")}, ${plural(snapshot.messages ?? 0, "message", "messages")}`;
  return `${takenAt(snapshot)} (${KINDS[snapshot.kind]}) — ${holds}`;
}

/** What restoring `snapshot` over the data now changes. */
export function restoreSummary(now: Pick<SnapshotList, "chats" | "messages">, snapshot: SnapshotInfo): string {
  return (
    `Restore the snapshot of ${takenAt(snapshot)}? ` +
    `Now: ${plural(now.chats, "chat", "chats")}, ${plural(now.messages, "message", "messages")}. ` +
    `In the snapshot: ${plural(snapshot.chats ?? 0, "chat", "chats")}, ${plural(snapshot.messages ?? 0, "message", "messages")}. ` +
    "What there is now is kept as a snapshot first, so you can go back to it. The window reloads afterwards."
  );
}

/** Wires the control to the controller; `reload` reloads the window after a restore. */
export function mountRestoreSnapshot(
  elements: RestoreSnapshotElements,
  controller: Controller,
  reload: () => void = () => window.location.reload(),
): void {
  const { open, dialog, message, list, confirm, back, cancel } = elements;
  let current: SnapshotList | null = null;
  let chosen: SnapshotInfo | null = null;

  const showList = (): void => {
    chosen = null;
    confirm.hidden = true;
    back.hidden = true;
    cancel.disabled = false;
    list.hidden = false;
    if (!current) return;
    setText(message, current.snapshots.length === 0
      ? "There are no snapshots yet: one is taken each day Switchboard opens your data."
      : INTRO);
    list.replaceChildren(...current.snapshots.map((snapshot) => {
      const pick = h("button", {
        type: "button", class: "button", "data-testid": "snapshot-pick", "data-snapshot-id": snapshot.id,
        "data-kind": snapshot.kind, text: "Restore…",
      });
      pick.disabled = snapshot.problem !== null;
      pick.addEventListener("click", () => choose(snapshot));
      return h("li", { class: "snapshot-row", "data-testid": "snapshot-row", "data-kind": snapshot.kind },
        h("span", { class: "snapshot-text", text: snapshotLine(snapshot) }), pick);
    }));
  };

  const choose = (snapshot: SnapshotInfo): void => {
    if (!current) return;
    chosen = snapshot;
    setText(message, restoreSummary(current, snapshot));
    list.hidden = true;
    confirm.hidden = false;
    confirm.disabled = false;
    back.hidden = false;
    confirm.focus();
  };

  const close = (): void => {
    dialog.hidden = true;
    open.focus();
  };

  open.addEventListener("click", () => {
    current = null;
    list.replaceChildren();
    showList();
    setText(message, "Looking for snapshots…");
    dialog.hidden = false;
    cancel.focus();
    void controller.listSnapshots().then(
      (snapshots) => {
        current = snapshots;
        showList();
      },
      (error: unknown) => setText(message, `Could not list the snapshots: ${toIpcError(error).message}`),
    );
  });
  cancel.addEventListener("click", close);
  back.addEventListener("click", showList);
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !cancel.disabled) {
      event.stopPropagation();
      close();
    }
  });
  confirm.addEventListener("click", () => {
    if (!chosen) return;
    confirm.disabled = true;
    back.disabled = true;
    cancel.disabled = true;
    setText(message, "Restoring…");
    void controller.restoreSnapshot(chosen.id).then(
      (report) => {
        setText(message, `Restored. What there was before is kept as the snapshot ${report.replaced.id}. Reloading…`);
        reload();
      },
      (error: unknown) => {
        setText(message, `Could not restore: ${toIpcError(error).message}`);
        back.disabled = false;
        cancel.disabled = false;
        confirm.hidden = true;
      },
    );
  });
}
