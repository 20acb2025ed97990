/**
 * The dev mock's attachments, as the core's: a pasted or dropped file (base64) kept as a draft
 * when it is a PNG, JPEG, WebP or GIF image (its size in pixels read from the header) or UTF-8
 * text, refused otherwise or over 20 MB with the core's wording; the file dialog answers what
 * `willAttach` was given; drafts are discarded until sent; an image reads back as a `data:` URL;
 * a source that reads no images refuses a message carrying one before anything is saved.
 *
 * Never part of a production build.
 */

import type { Api, AttachmentInfo, ChosenAttachments, ProfileSummary } from "../api";
import { ipcError, sourceInfo, usesText } from "./mock-wire";

const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** A file the mock's dialog "chooses". */
export interface MockFile {
  name: string;
  dataBase64: string;
}

export interface AttachmentDeps {
  calls: string[];
  nextId: (prefix: string) => string;
}

export interface MockAttachments {
  commands: Pick<Api, "addAttachment" | "chooseAttachments" | "discardAttachment" | "attachmentImage">;
  /** What the next `chooseAttachments` chooses (none: cancelled). */
  willAttach(files: MockFile[]): void;
  /**
   * The drafts a message carries, bound to it; refused (nothing bound) when one is an image and
   * the profile's source reads none.
   */
  send(profile: ProfileSummary, ids: readonly string[]): AttachmentInfo[];
}

function bytesOf(base64: string): Uint8Array {
  const text = atob(base64);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function starts(bytes: Uint8Array, ...prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** An image's media type and size in pixels, from its first bytes; null for anything else. */
function imageOf(bytes: Uint8Array): { mediaType: string; width: number | null; height: number | null } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (starts(bytes, 0x89, 0x50, 0x4e, 0x47) && bytes.length >= 24) {
    return { mediaType: "image/png", width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (starts(bytes, 0x47, 0x49, 0x46) && bytes.length >= 10) {
    return { mediaType: "image/gif", width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (starts(bytes, 0xff, 0xd8, 0xff)) return { mediaType: "image/jpeg", width: null, height: null };
  if (starts(bytes, 0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...bytes.slice(8, 12)) === "WEBP") {
    return { mediaType: "image/webp", width: null, height: null };
  }
  return null;
}

export function mockAttachments(deps: AttachmentDeps): MockAttachments {
  const kept = new Map<string, { info: AttachmentInfo; data: string; sent: boolean }>();
  let toAttach: MockFile[] = [];

  function add(name: string, dataBase64: string): AttachmentInfo {
    let bytes: Uint8Array;
    try {
      bytes = bytesOf(dataBase64);
    } catch {
      throw ipcError("invalidRequest", `“${name}” could not be attached: its contents did not arrive whole.`);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw ipcError("invalidRequest", `"${name}" cannot be attached: it is too large, and the largest file that can be attached is 20.0 MB.`);
    }
    const image = imageOf(bytes);
    let info: AttachmentInfo;
    if (image) {
      info = { id: deps.nextId("attachment"), kind: "image", name, size: bytes.length, ...image };
    } else {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        throw ipcError("invalidRequest", `"${name}" cannot be attached: it is neither an image (PNG, JPEG, WebP, GIF) nor text.`);
      }
      info = { id: deps.nextId("attachment"), kind: "file", name, mediaType: "text/plain", size: bytes.length, width: null, height: null };
    }
    kept.set(info.id, { info, data: dataBase64, sent: false });
    return info;
  }

  return {
    willAttach: (files) => {
      toAttach = files;
    },
    send(profile, ids) {
      const found = ids.map((id) => {
        const entry = kept.get(id);
        if (!entry || entry.sent) throw ipcError("invalidRequest", `There is no attachment waiting with id “${id}”.`);
        return entry;
      });
      const source = sourceInfo(profile.source);
      const reads = Boolean(source?.capabilities.images) && !usesText(profile);
      const image = found.find((e) => e.info.kind === "image");
      if (image && !reads) {
        throw ipcError("invalidRequest",
          `Profile “${profile.name}” (${source?.label ?? profile.source}) does not read images, so "${image.info.name}" was not sent: remove the image, or choose a source that reads images.`);
      }
      for (const entry of found) entry.sent = true;
      return found.map((e) => e.info);
    },
    commands: {
      async addAttachment(name, dataBase64) {
        deps.calls.push(`addAttachment:${name}`);
        return add(name, dataBase64);
      },
      async chooseAttachments() {
        deps.calls.push("chooseAttachments");
        const chosen: ChosenAttachments = { attached: [], refused: [] };
        for (const file of toAttach) {
          try {
            chosen.attached.push(add(file.name, file.dataBase64));
          } catch (error) {
            chosen.refused.push({ name: file.name, message: (error as { message: string }).message });
          }
        }
        toAttach = [];
        return chosen;
      },
      async discardAttachment(id) {
        deps.calls.push(`discardAttachment:${id}`);
        const entry = kept.get(id);
        if (!entry || entry.sent) return false;
        kept.delete(id);
        return true;
      },
      async attachmentImage(id) {
        deps.calls.push(`attachmentImage:${id}`);
        const entry = kept.get(id);
        if (!entry) throw ipcError("invalidRequest", `There is no attachment with id “${id}”.`);
        if (entry.info.kind !== "image") throw ipcError("invalidRequest", `“${entry.info.name}” is not an image.`);
        return `data:${entry.info.mediaType};base64,${entry.data}`;
      },
    },
  };
}
