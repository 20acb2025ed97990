/**
 * What the window does about each kind of error (design.md §4).
 *
 * Pure: `errorAction` decides from the kind (and the backend's reason, where it gives one) and
 * `describeError` words the message. The backend states facts only; the fix is worded here, in
 * the window's terms (the field to fill in), never as a command to run. The switch over
 * `ErrorKind` is exhaustive, so a new kind in the backend fails type-checking here until someone
 * decides what the window should do about it.
 */

import type { ErrorKind, ErrorReason, IpcError, KeychainProblem } from "../api";

/** The one thing the window does for an error, besides showing its message. */
export type ErrorAction =
  /** The key was refused or is missing: show the message at the key field and focus it. */
  | { type: "focusKey" }
  /** The keychain cannot keep the key: say why at the key field, offer it for this session only. */
  | { type: "keychain"; problem: KeychainProblem }
  /** Something is missing (profile, URL, model, key): open the connection drawer. */
  | { type: "openDrawer" }
  /** The server does not know the model: focus the model picker. */
  | { type: "focusModel" }
  /** Rate limited: count down, then offer to retry (`ms` null when the server gave no delay). */
  | { type: "retryAfter"; ms: number | null }
  /** The server could not be reached: ask whether it is running. */
  | { type: "checkServer" }
  /** The server is busy or down: offer to retry. */
  | { type: "retryLater" }
  /** The server refused or sent something unreadable, or a local failure: show the detail. */
  | { type: "showDetail" }
  /** The user stopped it: nothing to say. */
  | { type: "ignore" };

/** Fails type-checking when a union is not handled completely. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/** The action for one error kind. */
export function errorAction(kind: ErrorKind, retryAfterMs?: number | null, reason?: ErrorReason | null): ErrorAction {
  switch (reason?.type) {
    case "keychainUnavailable":
      return { type: "keychain", problem: reason.problem };
    case "missingKey":
    case "missingAdHocKey":
      return { type: "focusKey" };
    case "noModel":
      return { type: "focusModel" };
    case "urlCredentialsWithKey":
      return { type: "openDrawer" };
    default:
      break;
  }
  switch (kind) {
    case "auth":
      return { type: "focusKey" };
    case "notConfigured":
      return { type: "openDrawer" };
    case "modelNotFound":
      return { type: "focusModel" };
    case "rateLimited":
      return { type: "retryAfter", ms: retryAfterMs ?? null };
    case "network":
      return { type: "checkServer" };
    case "providerUnavailable":
      return { type: "retryLater" };
    case "invalidRequest":
    case "protocol":
    case "storage":
    case "secretStore":
    case "internal":
      return { type: "showDetail" };
    case "cancelled":
      return { type: "ignore" };
    default:
      return assertNever(kind);
  }
}

/** Where the error happened, for wording. */
export interface ErrorContext {
  /** The profile's name, when one was involved. */
  profileName?: string | null;
  /** The URL the profile talks to. */
  url?: string | null;
  /** What was being done with the key, for a keychain failure (default: reading it to connect). */
  keyUse?: KeyUse;
}

/** A banner's worth of words about one error. */
export interface ErrorDescription {
  kind: ErrorKind;
  /** The backend's own short message (it already names the profile and URL). */
  text: string;
  /** One sentence on what to do, or null. */
  hint: string | null;
  /** The server's words, cleaned up for display, or null. */
  detail: string | null;
  action: ErrorAction;
}

/** Words a banner and the message view use for an error. */
export function describeError(error: IpcError, context: ErrorContext = {}): ErrorDescription {
  const action = errorAction(error.kind, error.retryAfterMs, error.reason);
  if (action.type === "keychain") {
    // The backend's words name the keychain's own fix; the window says it all in its terms.
    const text = keychainText(action.problem, context.keyUse ?? "read");
    return { kind: error.kind, text, hint: SESSION_OFFER, detail: null, action };
  }
  const text = oneLine(error.message) || "Something went wrong.";
  const detail = cleanDetail(error.detail);
  return { kind: error.kind, text, hint: hintFor(action, error, context), detail, action };
}

/** What the key field offers when the keychain cannot keep a key. */
export const SESSION_OFFER =
  "You can use the key for this session only: Switchboard keeps it in memory, never writes it anywhere, and forgets it when it quits.";

/** What was being done with a key when the keychain failed. */
export type KeyUse = "save" | "read" | "clear";

const KEY_USE: Record<KeyUse, { failed: string; again: string }> = {
  save: { failed: "This key cannot be saved", again: "save the key again" },
  read: { failed: "The saved key cannot be read", again: "connect again" },
  clear: { failed: "The saved key cannot be removed", again: "clear it again" },
};

/** Why the keychain cannot keep (or give back) a key, and how to get or unlock one. */
export function keychainText(problem: KeychainProblem, use: KeyUse = "save"): string {
  const { failed, again } = KEY_USE[use];
  const get =
    "To save keys, install and unlock a keychain, such as GNOME Keyring or KeePassXC with its Secret Service integration turned on.";
  switch (problem) {
    case "missing":
      return `${failed}: no system keychain (Secret Service) is running. ${get}`;
    case "locked":
      return `${failed}: the system keychain is locked. Unlock it (GNOME Keyring, KWallet or KeePassXC) and ${again}.`;
    case "timeout":
      return `${failed}: the system keychain is locked and was not unlocked within 10 seconds. Unlock it (GNOME Keyring, KWallet, or KeePassXC with its Secret Service integration turned on) and ${again}.`;
    case "refused":
      return `${failed}: the system keychain refused the request. ${get}`;
    default:
      return assertNever(problem);
  }
}

function hintFor(action: ErrorAction, error: IpcError, context: ErrorContext): string | null {
  switch (action.type) {
    case "focusKey":
      return error.reason?.type === "missingKey" || error.reason?.type === "missingAdHocKey"
        ? "Type the key in the API key field."
        : "Check the key in the API key field.";
    case "keychain":
      return SESSION_OFFER;
    case "openDrawer":
      return openDrawerHint(error.reason);
    case "focusModel":
      return error.reason?.type === "noModel" ? "Choose a model in the Model field." : "Pick another model.";
    case "retryAfter":
      return action.ms === null ? "Wait a moment, then retry." : null;
    case "checkServer":
      return context.url ? `Is the server running at ${context.url}?` : "Is the server running?";
    case "retryLater":
      return "The server is busy or down; try again in a little while.";
    case "showDetail":
      return detailHint(error.kind);
    case "ignore":
      return null;
    default:
      return assertNever(action);
  }
}

function openDrawerHint(reason: ErrorReason | null | undefined): string {
  switch (reason?.type) {
    case "noProfile":
      return "Choose a profile in the connection settings, or add one.";
    case "urlCredentialsWithKey":
      return "Remove the user name and password from the URL field, or clear the API key.";
    default:
      return "Finish the connection settings.";
  }
}

function detailHint(kind: ErrorKind): string | null {
  switch (kind) {
    case "protocol":
      return "The server's answer could not be read; please report this with the details.";
    case "storage":
      return "Switchboard could not read or write its data on disk.";
    case "secretStore":
      return "The system keychain is unavailable; keys are never stored in plain text instead.";
    case "internal":
      return "This is a bug in Switchboard; please report it.";
    default:
      return null;
  }
}

/** Countdown text for a rate limit: "Retry in 12 s", or "Retry" once the wait is over. */
export function retryLabel(remainingMs: number): string {
  const secs = Math.ceil(remainingMs / 1000);
  return secs > 0 ? `Retry in ${secs} s` : "Retry";
}

/** Collapses whitespace so a message is one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

const DETAIL_LIMIT = 300;

/**
 * Makes a server's error body fit for a person: the message inside a JSON body
 * (`{error:{message}}`, `{message}`, `{detail:{msg}}`, `{detail:"…"}`) rather than the JSON, one
 * line, at most 300 characters.
 */
export function cleanDetail(detail: string | null | undefined): string | null {
  if (!detail) return null;
  let text = detail.trim();
  if (text.startsWith("{") || text.startsWith("[")) {
    const inner = messageInJson(text);
    if (inner === null) return null; // JSON with no readable message: say nothing rather than dump it
    text = inner;
  }
  text = oneLine(text.replace(/<[^>]*>/g, " "));
  if (!text) return null;
  return text.length > DETAIL_LIMIT ? `${text.slice(0, DETAIL_LIMIT - 1)}…` : text;
}

function messageInJson(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text; // not JSON after all: plain text that starts with a brace
  }
  return findMessage(value, 0);
}

function findMessage(value: unknown, depth: number): string | null {
  if (depth > 4 || value === null) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.length > 0 ? findMessage(value[0], depth + 1) : null;
  if (typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  for (const key of ["message", "msg", "error", "detail", "description"]) {
    if (key in record) {
      const found = findMessage(record[key], depth + 1);
      if (found) return found;
    }
  }
  return null;
}
