/**
 * The only door to the backend. Views and state modules import from here, never from
 * `../bindings` or `@tauri-apps/api`, so a regenerated bindings file only touches this folder.
 */

export { tauriApi, unwrap, type Api, type Unsubscribe } from "./client";
export { AppError, isIpcError, toAppError, toIpcError } from "./error";
export type * from "./types";
