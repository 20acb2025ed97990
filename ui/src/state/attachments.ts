/**
 * The files attached to the message being written (`drafts`): added by paste, drop or the file
 * dialog, each prepared by the backend (checked, kept as a draft until sent) while its chip says
 * so; a refused file stays as a chip with the backend's reason until removed; removing one
 * discards its draft. Sending takes the ready ones (`conversation.ts`) and clears them only once
 * the backend took the message, so a failed send loses nothing. Also the images' `data:` URLs,
 * fetched once each and kept, and the full-size view of one (`imageViewer`).
 *
 * Must not: read files itself (the view hands over a pasted or dropped file's bytes as base64,
 * the backend reads files chosen in its dialog), nor decide what a file is (the backend does).
 */

import type { AttachmentInfo } from "../api";
import { toIpcError } from "../api";
import { Part } from "./context";

/** A file in the composer: being prepared, ready to send, or refused (with why). */
export interface DraftAttachment {
  /** Stable for its life in the composer. */
  readonly key: string;
  readonly name: string;
  readonly status: "preparing" | "ready" | "refused";
  /** What the backend kept (when ready). */
  readonly info: AttachmentInfo | null;
  /** Why it was refused, as the backend said it. */
  readonly error: string | null;
}

/** The image shown full size, over the window. */
export interface ImageViewer {
  readonly id: string;
  readonly name: string;
}

/** A size as people read it, as the core words it in its limits: `512 bytes`, `15 KB`, `2.3 MB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** What a chip or thumbnail says about an attachment: its size, and an image's pixels. */
export function describeAttachment(info: AttachmentInfo): string {
  const size = formatSize(info.size);
  return info.width && info.height ? `${size}, ${info.width}×${info.height}` : size;
}

/** The drafts that go with the next message. */
export function readyAttachments(drafts: readonly DraftAttachment[]): AttachmentInfo[] {
  return drafts.flatMap((d) => (d.status === "ready" && d.info ? [d.info] : []));
}

/** Whether a file is still being prepared (sending waits for it). */
export function preparing(drafts: readonly DraftAttachment[]): boolean {
  return drafts.some((d) => d.status === "preparing");
}

export class Attachments extends Part {
  private seq = 0;
  /** Drafts removed while still being prepared: discarded as soon as they are kept. */
  private readonly dropped = new Set<string>();
  /** Each image's `data:` URL, asked for once. */
  private readonly images = new Map<string, Promise<string>>();

  /**
   * Attaches a pasted or dropped file: `read` gives its bytes as base64. The chip shows it
   * being prepared, then ready or refused with the backend's reason.
   */
  async addFile(name: string, read: () => Promise<string>): Promise<boolean> {
    const key = `attachment-${++this.seq}`;
    this.store.update((s) => ({
      drafts: [...s.drafts, { key, name, status: "preparing", info: null, error: null }],
    }));
    try {
      const info = await this.api.addAttachment(name, await read());
      if (this.dropped.delete(key)) {
        await this.discard(info.id);
        return false;
      }
      this.replace(key, { status: "ready", info });
      return true;
    } catch (error) {
      this.dropped.delete(key);
      this.replace(key, { status: "refused", error: toIpcError(error).message });
      return false;
    }
  }

  /** "Attach files…": the backend's file dialog; each file chosen attached or refused by name. */
  async choose(): Promise<void> {
    try {
      const chosen = await this.api.chooseAttachments();
      const added: DraftAttachment[] = [
        ...chosen.attached.map((info) => ({ key: `attachment-${++this.seq}`, name: info.name, status: "ready" as const, info, error: null })),
        ...chosen.refused.map((r) => ({ key: `attachment-${++this.seq}`, name: r.name, status: "refused" as const, info: null, error: r.message })),
      ];
      if (added.length > 0) this.store.update((s) => ({ drafts: [...s.drafts, ...added] }));
    } catch (error) {
      this.parts.window.handleError(error);
    }
  }

  /** Takes a file out of the composer; its draft is discarded (now, or once it is kept). */
  async remove(key: string): Promise<void> {
    const draft = this.state.drafts.find((d) => d.key === key);
    if (!draft) return;
    this.store.update((s) => ({ drafts: s.drafts.filter((d) => d.key !== key) }));
    if (draft.status === "preparing") this.dropped.add(key);
    else if (draft.info) await this.discard(draft.info.id);
  }

  /** Once a message went with these drafts: they leave the composer (refused chips too). */
  sent(keys: readonly string[]): void {
    this.store.update((s) => ({
      drafts: s.drafts.filter((d) => d.status === "preparing" || (d.status === "ready" && !keys.includes(d.key))),
    }));
  }

  /** An image's `data:` URL, to draw it; asked for once per image (a failure is asked again). */
  image(id: string): Promise<string> {
    let found = this.images.get(id);
    if (!found) {
      found = this.api.attachmentImage(id);
      this.images.set(id, found);
      found.catch(() => this.images.delete(id));
    }
    return found;
  }

  /** Shows an image full size over the window. */
  openImage(id: string, name: string): void {
    this.store.update({ imageViewer: { id, name } });
  }

  /** Closes the full-size view (the view gives focus back to the thumbnail). */
  closeImage(): void {
    if (this.state.imageViewer !== null) this.store.update({ imageViewer: null });
  }

  private replace(key: string, change: Partial<DraftAttachment>): void {
    this.store.update((s) => ({ drafts: s.drafts.map((d) => (d.key === key ? { ...d, ...change } : d)) }));
  }

  private async discard(id: string): Promise<void> {
    try {
      await this.api.discardAttachment(id);
    } catch {
      // A draft left behind is dropped by the backend after a week; nothing is lost.
    }
  }
}
