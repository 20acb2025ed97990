/**
 * `AppError`: the one exception type the api layer throws.
 *
 * Fallible commands resolve to `{status:"error", error: IpcError}`; the client turns that into a
 * thrown `AppError` carrying the `IpcError` unchanged. Anything else that goes wrong at the IPC
 * boundary (a command the shell does not know, no Tauri runtime at all) becomes an `internal`
 * `AppError`, so callers only ever handle one shape.
 */

import type { ErrorKind, IpcError } from "./types";

const KINDS: readonly ErrorKind[] = [
  "notConfigured",
  "auth",
  "rateLimited",
  "network",
  "providerUnavailable",
  "invalidRequest",
  "modelNotFound",
  "protocol",
  "cancelled",
  "storage",
  "secretStore",
  "internal",
];

/** A failed command, with the backend's `IpcError`. */
export class AppError extends Error {
  readonly error: IpcError;

  constructor(error: IpcError) {
    super(error.message);
    this.name = "AppError";
    this.error = error;
  }

  get kind(): ErrorKind {
    return this.error.kind;
  }
}

/** Whether a value has the shape of an `IpcError`. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.message === "string" &&
    typeof record.kind === "string" &&
    (KINDS as readonly string[]).includes(record.kind)
  );
}

/** Turns anything thrown or returned as an error into an `IpcError`. */
export function toIpcError(value: unknown): IpcError {
  if (value instanceof AppError) return value.error;
  if (isIpcError(value)) return value;
  const message =
    value instanceof Error ? value.message : typeof value === "string" ? value : "Something went wrong.";
  return { kind: "internal", message: message || "Something went wrong.", detail: null };
}

/** Wraps anything into an `AppError`. */
export function toAppError(value: unknown): AppError {
  return value instanceof AppError ? value : new AppError(toIpcError(value));
}
