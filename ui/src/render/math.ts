/**
 * TeX math in replies: finding it in markdown (a marked extension) and typesetting it with KaTeX.
 *
 * Four delimiters: `$…$` and `\(…\)` inline, `$$…$$` and `\[…\]` displayed. A `$` in prose
 * is not math: pandoc's rules decide (the opening `$` has a non-space character right after
 * it, the closing one a non-space character right before it and no digit right after it), so
 * "$5 and $10" stays text; single-`$` math does not span lines and no math spans a blank line.
 *
 * KaTeX writes HTML only (no MathML: fewer tags for the sanitiser to let through), with
 * `trust` off (no links, classes, styles or images from the TeX) and `strict` warnings
 * silenced. TeX that does not parse shows as its source in a `.math-error` span, the error in
 * its title. Results are kept in a small cache: a streaming reply re-renders its open block on
 * every frame with the same formulas in it. Until KaTeX is loaded (`render/libraries.ts`), math
 * shows as its source in a `.math-pending` span.
 *
 * Must not: touch the DOM, or decide what survives sanitising (`markdown.ts` does, with
 * `KATEX_CLASSES` and `isKatexStyle` below).
 */

import type { MarkedExtension, Tokens } from "marked";
import { KATEX_CLASSES } from "../generated/katex-classes";
import { escapeHtml } from "./escape";
import { libraries } from "./libraries";

export { KATEX_CLASSES };

/** A piece of math found at the start of a string. */
interface MathMatch {
  /** The characters it takes, delimiters included. */
  length: number;
  /** The TeX between the delimiters. */
  tex: string;
  display: boolean;
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const BLANK_LINE = /\n[ \t]*\n/;

/** `src` from `at` up to the unescaped `close`, as math when it is some. */
function upTo(src: string, at: number, open: string, close: string, display: boolean): MathMatch | null {
  for (let i = at + open.length; i < src.length; i++) {
    if (src.startsWith(close, i)) {
      const tex = src.slice(at + open.length, i);
      if (tex.trim() === "" || BLANK_LINE.test(tex)) return null;
      return { length: i + close.length - at, tex: tex.trim(), display };
    }
    if (src[i] === "\\") i++;
  }
  return null;
}

/** Single-dollar math at `at`, by pandoc's rules (and on one line). */
function singleDollar(src: string, at: number): MathMatch | null {
  const first = src[at + 1];
  if (first === undefined || isSpace(first) || first === "$") return null;
  for (let i = at + 1; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") {
      i++;
    } else if (c === "\n") {
      return null;
    } else if (c === "$") {
      if (isSpace(src[i - 1])) return null;
      if (isDigit(src[i + 1])) continue;
      return { length: i + 1 - at, tex: src.slice(at + 1, i), display: false };
    }
  }
  return null;
}

/** Math starting exactly at `at` in `src`, if any. */
export function mathAt(src: string, at = 0): MathMatch | null {
  const c = src[at];
  if (c === "\\") {
    const next = src[at + 1];
    if (next === "(") return upTo(src, at, "\\(", "\\)", false);
    if (next === "[") return upTo(src, at, "\\[", "\\]", true);
    return null;
  }
  if (c !== "$") return null;
  return src[at + 1] === "$" ? upTo(src, at, "$$", "$$", true) : singleDollar(src, at);
}

/** Whether the character at `at` is escaped by an odd run of backslashes before it. */
function escaped(src: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && src[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

const CANDIDATE = /[$\\]/g;

/** Where the first math in `src` starts (for marked to end a text run there), if anywhere. */
function firstMath(src: string): number | undefined {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(src); m !== null; m = CANDIDATE.exec(src)) {
    const i = m.index;
    if (!escaped(src, i) && mathAt(src, i)) return i;
    // `$$` that is not math is not two single dollars either; `\\` escapes what follows.
    if (src[i + 1] === "$" || src[i + 1] === "\\") CANDIDATE.lastIndex = i + 2;
  }
  return undefined;
}

/** Display math alone on its lines at the start of `src`: `$$`/`\[` … `$$`/`\]`, then the line's end. */
function blockMathAt(src: string, at: number): MathMatch | null {
  let start = at;
  while (start < at + 3 && src[start] === " ") start++;
  const opener = src.startsWith("$$", start) ? "$$" : src.startsWith("\\[", start) ? "\\[" : null;
  if (opener === null) return null;
  const found = upTo(src, start, opener, opener === "$$" ? "$$" : "\\]", true);
  if (found === null) return null;
  let end = start + found.length;
  while (src[end] === " " || src[end] === "\t") end++;
  if (end < src.length && src[end] !== "\n") return null;
  while (src[end] === "\n") end++;
  return { ...found, length: end - at };
}

const OPENER = /\$\$|\\\[/g;

/** Where the first display math alone on its lines starts after a line break, if anywhere. */
function firstBlockMath(src: string): number | undefined {
  OPENER.lastIndex = 0;
  for (let m = OPENER.exec(src); m !== null; m = OPENER.exec(src)) {
    const line = src.lastIndexOf("\n", m.index) + 1;
    if (line > 0 && m.index - line <= 3 && src.slice(line, m.index).trim() === "" && blockMathAt(src, line)) return line;
  }
  return undefined;
}

interface MathToken extends Tokens.Generic {
  type: "math";
  raw: string;
  tex: string;
  display: boolean;
}

/** The marked extension: inline math anywhere in text, display math as a block of its own. */
export const mathExtension: MarkedExtension = {
  extensions: [
    {
      name: "mathBlock",
      level: "block",
      start: firstBlockMath,
      tokenizer(src: string): MathToken | undefined {
        const found = blockMathAt(src, 0);
        if (!found) return undefined;
        return { type: "math", raw: src.slice(0, found.length), tex: found.tex, display: true };
      },
      renderer: (token) => `${renderMath(token as MathToken)}\n`,
    },
    {
      name: "math",
      level: "inline",
      start: firstMath,
      tokenizer(src: string): MathToken | undefined {
        const found = mathAt(src, 0);
        if (!found) return undefined;
        return { type: "math", raw: src.slice(0, found.length), tex: found.tex, display: found.display };
      },
      renderer: (token) => renderMath(token as MathToken),
    },
  ],
};

/** A math token as HTML: KaTeX's, or its source marked as an error when the TeX does not parse. */
function renderMath(token: MathToken): string {
  const typeset = renderTex(token.tex, token.display);
  if (typeset === null) return `<span class="math-pending">${escapeHtml(token.raw.trim())}</span>`;
  if ("html" in typeset) return typeset.html;
  return `<span class="math-error" title="${escapeHtml(typeset.error)}">${escapeHtml(token.raw.trim())}</span>`;
}

const CACHE_SIZE = 256;
const cache = new Map<string, { html: string } | { error: string }>();

/**
 * TeX to KaTeX's HTML (`span.katex`, in `span.katex-display` when displayed), labelled with
 * its source for screen readers; or KaTeX's message when it does not parse; null while KaTeX
 * is not loaded yet.
 */
export function renderTex(tex: string, display: boolean): { html: string } | { error: string } | null {
  const key = `${display ? "D" : "I"}${tex}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const katex = libraries()?.katex;
  if (katex === undefined) return null;
  let result: { html: string } | { error: string };
  try {
    const html = katex.renderToString(tex, { displayMode: display, output: "html", throwOnError: true, trust: false, strict: "ignore" });
    result = { html: html.replace('<span class="katex">', `<span class="katex" role="math" aria-label="${escapeHtml(tex)}">`) };
  } catch (error) {
    result = { error: error instanceof Error ? error.message : String(error) };
  }
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return result;
}

/** CSS properties KaTeX writes in `style` attributes (with lengths, colours and a few keywords). */
const KATEX_STYLE_PROPERTIES = new Set([
  "height", "width", "min-width", "top", "bottom", "left", "vertical-align", "position",
  "margin", "margin-left", "margin-right", "margin-top", "padding-left",
  "border-bottom-width", "border-top-width", "border-right-width", "border-width",
  "border-style", "border-right-style", "border-color", "color", "background-color", "text-shadow",
]);
/** One value token: a length or number, a keyword or colour name, `#hex`, or `calc()` of lengths. */
const STYLE_TOKEN = /^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:em|ex|px|pt|%)?|[a-z]+|#[0-9a-f]{3,8}|calc\([-+\d.\s%a-z]*\))$/i;

/** A `style` attribute's declarations, as KaTeX writes them; null when one is not KaTeX's kind. */
export function katexStyle(value: string): [string, string][] | null {
  const declarations: [string, string][] = [];
  for (const part of value.split(";")) {
    if (part.trim() === "") continue;
    const colon = part.indexOf(":");
    if (colon < 0) return null;
    const property = part.slice(0, colon).trim().toLowerCase();
    const text = part.slice(colon + 1).trim();
    if (!KATEX_STYLE_PROPERTIES.has(property) || text === "" || /url|expression|var|attr|image|\\/i.test(text)) return null;
    if (property === "position" && text !== "relative") return null;
    if (!text.split(/\s+/).every((token) => STYLE_TOKEN.test(token))) return null;
    declarations.push([property, text]);
  }
  return declarations;
}
