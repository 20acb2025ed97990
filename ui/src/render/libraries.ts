/**
 * KaTeX and highlight.js (`render/typeset.ts`), loaded apart from the window's first script: on
 * the first reply that needs them, or a moment after start-up, whichever comes first.
 *
 * Until they are there, math shows as its source and code without colour; each render that
 * had to do without them is counted (`provisionalRenders`), so `render/markdown-view.ts` can
 * render those blocks again once `loadLibraries()` resolves.
 *
 * Must not: import `render/typeset.ts` statically.
 */

type Libraries = typeof import("./typeset");

let loaded: Libraries | null = null;
let loading: Promise<Libraries> | null = null;
let provisional = 0;

/** Loads the libraries (once); resolves when they are ready. */
export function loadLibraries(): Promise<Libraries> {
  loading ??= import("./typeset").then((libraries) => (loaded = libraries));
  return loading;
}

/**
 * The libraries if they are loaded; else null, with their loading started and this render
 * counted as provisional.
 */
export function libraries(): Libraries | null {
  if (loaded === null) {
    provisional++;
    void loadLibraries();
  }
  return loaded;
}

/** How many renders so far did without the libraries. */
export function provisionalRenders(): number {
  return provisional;
}

/** Starts loading the libraries a moment after start-up (off the window's first frames). */
export function preloadLibrariesSoon(delayMs = 1500): void {
  setTimeout(() => void loadLibraries(), delayMs);
}
