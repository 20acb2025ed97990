/**
 * The window's theme: "system" follows the system's light or dark, "light" and "dark" hold
 * either. The page carries it as `<html data-theme>`, which the styles read (`base.css`); the
 * app marks it before the first paint from the saved settings (`src-tauri/src/theme.rs`), and
 * this keeps it up to date once the settings are loaded or changed.
 *
 * Must not: save the theme (the controller does), nor read the system's preference (the
 * styles do, for "system").
 */

import type { Theme } from "../api";

/** The choices, in the order the switch shows them. */
export const THEMES: readonly { readonly value: Theme; readonly label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

/** Marks `root` (the page's `<html>`) with `theme`. */
export function applyTheme(root: HTMLElement, theme: Theme): void {
  if (root.dataset.theme !== theme) root.dataset.theme = theme;
}
