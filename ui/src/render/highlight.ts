/**
 * Syntax colour for code blocks in replies, by highlight.js: its core and a set of common
 * languages (not the whole library, to keep the bundle small).
 *
 * The language comes from the fence (`` ```rust ``, by name or alias). A block without one is
 * auto-detected among the registered languages, but only up to `AUTO_DETECT_MAX` characters,
 * and from its first 2 KB: detection runs every language's grammar over the text. A language
 * highlight.js does not know, `text`/`plaintext`, a block over `HIGHLIGHT_MAX` and one with a
 * word of 200 characters or more (base64, hex dumps: the grammars are quadratic in a word's
 * length) stay plain. highlight.js escapes
 * the code and adds only `<span class="hljs-…">`; the result still goes through the sanitiser.
 * Results are cached: a streaming reply renders its open block again on every frame. Until
 * highlight.js is loaded (`render/libraries.ts`), code shows without colour (not cached).
 *
 * Must not: touch the DOM, or be trusted to sanitise (`markdown.ts` sanitises its output).
 */

import { escapeHtml } from "./escape";
import { libraries } from "./libraries";

/** The longest block without a language that is auto-detected (20 KB). */
export const AUTO_DETECT_MAX = 20 * 1024;
/** The longest block highlighted at all, language given or not. */
export const HIGHLIGHT_MAX = 256 * 1024;

/** Languages whose blocks are left plain even though highlight.js knows them. */
const PLAIN = new Set(["plaintext", "text", "txt", "plain"]);

/** A code block's HTML: escaped text, coloured with `hljs-*` spans where a language applies. */
export interface Highlighted {
  html: string;
  /** The language the colours are for (the fence's, or the one detected), if any. */
  language: string | null;
}

type Hljs = NonNullable<ReturnType<typeof libraries>>["hljs"];

const CACHE_SIZE = 64;
const cache = new Map<string, Highlighted>();

/** `code` as HTML, coloured for `language` (the fence's), or for the detected one when none. */
export function highlightCode(code: string, language: string | null): Highlighted {
  const key = `${language ?? ""}\u0000${code}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const hljs = libraries()?.hljs;
  if (hljs === undefined) return { html: escapeHtml(code), language: null };
  const result = colour(hljs, code, language);
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return result;
}

/** A word this long makes highlight.js's grammars slow (quadratic in its length): left plain. */
const LONG_WORD = /[\w$]{200}/;
/** How much of an unlabelled block the language is detected from. */
const DETECT_SAMPLE = 2048;

function colour(hljs: Hljs, code: string, language: string | null): Highlighted {
  const plain = { html: escapeHtml(code), language: null };
  if (code.length > HIGHLIGHT_MAX || LONG_WORD.test(code)) return plain;
  if (language !== null) {
    const known = hljs.getLanguage(language);
    if (known === undefined || PLAIN.has(language.toLowerCase())) return plain;
    return { html: hljs.highlight(code, { language, ignoreIllegals: true }).value, language };
  }
  if (code.length > AUTO_DETECT_MAX || code.trim() === "") return plain;
  // Detection runs every grammar: on the block's start only (whole lines), then one highlight.
  const cut = code.length > DETECT_SAMPLE ? code.lastIndexOf("\n", DETECT_SAMPLE) : -1;
  const sample = code.length > DETECT_SAMPLE ? code.slice(0, cut > 0 ? cut : DETECT_SAMPLE) : code;
  const detected = hljs.highlightAuto(sample);
  if (!detected.language || detected.relevance < 3) return plain;
  if (sample === code) return { html: detected.value, language: detected.language };
  return { html: hljs.highlight(code, { language: detected.language, ignoreIllegals: true }).value, language: detected.language };
}
