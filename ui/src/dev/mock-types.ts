/**
 * The dev mock's public shapes: its options and the hooks tests use beside the `Api`.
 *
 * Types only. Never part of a production build.
 */

import type { Api, Found, NavigationRefused, Theme, TrayAction } from "../api";
import type { MockFile } from "./mock-attachments";

export interface MockOptions {
  scenario?: string;
  /** Milliseconds between streamed chunks (0 in tests). */
  tick?: number;
  /** Delay of slow operations such as Connect. */
  latency?: number;
  /** What `detectServers` finds (default: KoboldCpp and Ollama; none for the `nolocal` scenario). */
  localServers?: Found[];
  /** The saved "connect on launch" setting (default on, as in the core). */
  autoConnect?: boolean;
  /** The saved theme (default "system", as in the core). */
  theme?: Theme;
  /** Why the app "could not start" (the `damaged` scenario sets one). */
  startupProblem?: string;
  /** Why the snapshot of the day could not be taken, if it could not. */
  snapshotProblem?: string;
}

/** The mock plus hooks tests use to inspect it and fire app events. */
export interface MockApi extends Api {
  /** Every command called, in order, with its main argument. */
  readonly calls: string[];
  /** The "disk": files to import, and those `exportChat` and `backupAll` wrote, by path. */
  readonly files: Map<string, string>;
  /** What the next `chooseImportFiles` answers, as if the person chose these files. */
  willChoose(paths: string[]): void;
  /** What the next `chooseAttachments` attaches, as if the person chose these files. */
  willAttach(files: MockFile[]): void;
  /** Where the next save dialog saves (null: cancelled); unset, the suggested name in Downloads. */
  willSave(path: string | null): void;
  emitTrayAction(action: TrayAction): void;
  emitProfilesChanged(): void;
  emitNavigationRefused(refused: NavigationRefused): void;
}
