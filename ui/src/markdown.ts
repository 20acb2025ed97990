/**
 * Markdown for model output: marked (with TeX math by KaTeX and code colour by highlight.js),
 * then DOMPurify with a strict allow-list, always last.
 *
 * Model output is untrusted (design.md §5). Two layers keep it inert:
 * 1. marked never passes raw HTML through: HTML in the markdown is shown as text, and images
 *    become plain links (nothing loads from the network). Math (`render/math.ts`) and code
 *    (`render/highlight.ts`) are rendered to HTML here, from escaped text.
 * 2. DOMPurify keeps only the tags and attributes in `ALLOWED_TAGS`/`ALLOWED_ATTR`. Links keep
 *    their `href` only for `http:`, `https:` and `mailto:` and get `rel="noopener noreferrer"`;
 *    `class` survives only as `language-*` and `hljs`/`hljs-*` on code, KaTeX's own class
 *    names inside a `.katex` element, and `math-error`/`math-pending`. Inside `.katex` alone: KaTeX's `style`
 *    declarations (lengths, colours, a few keywords: `render/math.ts` `katexStyle`), its
 *    `svg`/`path`/`line` with their geometry, and the formula's `role`/`aria-label` (its
 *    drawing `aria-hidden`). No other
 *    `style`, no event handlers, no forms, no embedded content.
 * KaTeX's styles leave the sanitiser as `data-katex-style` and are applied through the CSSOM
 * (`el.style`) when the fragment is built: the window's CSP refuses inline style attributes.
 * Links are never followed by the webview: the chat view intercepts clicks and asks the
 * backend to open them in the system browser.
 *
 * One `Marked` instance and one DOMPurify instance are configured once at load.
 *
 * Must not: put HTML into a fragment that did not pass DOMPurify last (decorations after it are
 * built with DOM calls), or load anything from the network.
 */

import DOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";
import { escapeHtml } from "./render/escape";
import { highlightCode } from "./render/highlight";
import { preloadLibrariesSoon } from "./render/libraries";
import { katexStyle, KATEX_CLASSES, mathExtension } from "./render/math";

export { escapeHtml };

/** Tags a rendered reply may contain (`svg`, `path` and `line` only inside KaTeX's output). */
export const ALLOWED_TAGS: readonly string[] = [
  "p", "br", "strong", "em", "del", "code", "pre", "blockquote",
  "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "hr", "span",
  "table", "thead", "tbody", "tr", "th", "td", "svg", "path", "line",
];

/** Attributes a rendered reply may contain (and, inside KaTeX's output, `KATEX_ATTRIBUTES`). */
export const ALLOWED_ATTR: readonly string[] = ["href", "title", "class", "align", "start"];

/** What KaTeX's output keeps besides `ALLOWED_ATTR`, each checked by `KATEX_VALUE`. */
const KATEX_ATTRIBUTES = new Map<string, RegExp>([
  ["style", /^/],
  ["role", /^math$/],
  ["aria-label", /^[^]*$/],
  ["aria-hidden", /^true$/],
  ["width", /^[\d.]+(?:em|%)?$/],
  ["height", /^[\d.]+(?:em|%)?$/],
  ["viewbox", /^[\d.\s-]+$/],
  ["preserveaspectratio", /^[a-z]+(?: [a-z]+)?$/i],
  ["d", /^[\d.,\s\-a-z]+$/i],
  ["x1", /^[\d.]+%?$/],
  ["x2", /^[\d.]+%?$/],
  ["y1", /^[\d.]+%?$/],
  ["y2", /^[\d.]+%?$/],
  ["stroke-width", /^[\d.]+(?:em|px)?$/],
]);
/** The attribute KaTeX's styles travel in from the sanitiser to the fragment. */
const KATEX_STYLE_ATTRIBUTE = "data-katex-style";

const SAFE_URL = /^(?:https?:|mailto:)/i;
const LANGUAGE_CLASS = /^language-[\w+#.-]{1,40}$/;
/** highlight.js's scopes (`hljs-keyword`) and their sub-scopes (`function_`). */
const HLJS_CLASS = /^(?:hljs|hljs-[a-z][\w-]{0,40}|[a-z]{1,20}_{1,2})$/;
const SVG_TAGS = new Set(["svg", "path", "line"]);

const marked = new Marked({
  async: false,
  gfm: true,
  breaks: true,
  renderer: {
    // Raw HTML in model output is shown as written, never interpreted.
    html(token: Tokens.HTML | Tokens.Tag): string {
      const text = escapeHtml(token.text);
      return "block" in token && token.block ? `<p>${text}</p>` : text;
    },
    // Images would load from the network: show a link to them instead.
    image(token: Tokens.Image): string {
      const label = escapeHtml(token.text || token.href);
      return `<a href="${escapeHtml(token.href)}">${label}</a>`;
    },
    // Task lists without form controls.
    checkbox(token: Tokens.Checkbox): string {
      return token.checked ? "☑ " : "☐ ";
    },
    // Code coloured by highlight.js, the language from the fence or detected.
    code(token: Tokens.Code): string {
      const fence = /^\S*/.exec(token.lang ?? "")?.[0] || null;
      const { html, language } = highlightCode(token.text.replace(/\n$/, ""), fence);
      const classes: string[] = [];
      const named = fence ?? language;
      if (named !== null) classes.push(`language-${named}`);
      if (language !== null) classes.push("hljs");
      const attribute = classes.length > 0 ? ` class="${escapeHtml(classes.join(" "))}"` : "";
      return `<pre><code${attribute}>${html}\n</code></pre>\n`;
    },
  },
});
marked.use(mathExtension);
// KaTeX and highlight.js are loaded apart from the window's first script (render/libraries.ts).
preloadLibrariesSoon();

const purifier = DOMPurify(window);

/** Whether `node` is KaTeX's output (`.katex`, or its display wrapper) or inside it. */
const inKatex = (node: Element): boolean => node.closest(".katex, .katex-display") !== null;

/** Whether the class name `name` may stay on `node`. */
function classAllowed(node: Element, name: string): boolean {
  const tag = node.nodeName.toLowerCase();
  if (LANGUAGE_CLASS.test(name)) return tag === "code";
  if (HLJS_CLASS.test(name) && (tag === "code" || (tag === "span" && node.closest("code") !== null))) return true;
  if (name === "math-error" || name === "math-pending") return tag === "span";
  return KATEX_CLASSES.has(name) && inKatex(node);
}

purifier.addHook("uponSanitizeElement", (node, data) => {
  // KaTeX draws some shapes (roots, arrows, braces) as SVG; no SVG anywhere else.
  if (SVG_TAGS.has(data.tagName) && !(node instanceof Element && node.parentElement !== null && inKatex(node.parentElement))) {
    node.parentNode?.removeChild(node);
  }
});

purifier.addHook("uponSanitizeAttribute", (node, data) => {
  if (data.attrName === "class") {
    const kept = data.attrValue.split(/\s+/).filter((c) => classAllowed(node, c));
    data.attrValue = kept.join(" ");
    data.keepAttr = kept.length > 0;
    return;
  }
  const pattern = KATEX_ATTRIBUTES.get(data.attrName);
  if (pattern === undefined) return;
  const valid =
    inKatex(node) && (data.attrName === "style" ? katexStyle(data.attrValue) !== null : pattern.test(data.attrValue));
  if (valid) data.forceKeepAttr = true;
  else data.keepAttr = false;
});

purifier.addHook("afterSanitizeAttributes", (node) => {
  const style = node.getAttribute("style");
  if (style !== null) {
    // Kept only inside KaTeX's output: carried out under a name the CSP does not act on.
    node.removeAttribute("style");
    node.setAttribute(KATEX_STYLE_ATTRIBUTE, style);
  }
  if (node.nodeName !== "A") return;
  const href = node.getAttribute("href");
  // DOMPurify already checked the scheme; check again on the parsed value, whitespace and
  // control characters removed, so no obfuscation of `javascript:` can slip through.
  if (href !== null && !SAFE_URL.test(href.replace(/[\u0000-\u0020\u007f-\u00a0]/g, ""))) {
    node.removeAttribute("href");
  }
  if (node.hasAttribute("href")) node.setAttribute("rel", "noopener noreferrer");
  node.removeAttribute("target");
});

const PURIFY_CONFIG = {
  ALLOWED_TAGS: [...ALLOWED_TAGS],
  ALLOWED_ATTR: [...ALLOWED_ATTR],
  // DOMPurify checks every attribute outside its URI-safe list against this pattern; `align`
  // and `start` are plain words and numbers, so they are declared safe below.
  ALLOWED_URI_REGEXP: SAFE_URL,
  ADD_URI_SAFE_ATTR: ["align", "start"],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  KEEP_CONTENT: true,
};

/** Sanitises HTML with the reply allow-list. */
export function sanitizeHtml(html: string): string {
  return purifier.sanitize(html, PURIFY_CONFIG);
}

/** Markdown to sanitised HTML. */
export function renderMarkdownHtml(markdown: string): string {
  const html = marked.parse(markdown, { async: false });
  return sanitizeHtml(html);
}

/**
 * One line that starts with a letter and holds no character markdown gives a meaning to (no
 * emphasis, code, link, HTML, entity, escape, table, heading or list marker, no autolink):
 * marked renders it as `<p>` + the text + `</p>\n`, whatever its length.
 */
const MARKUP_FREE = /^\p{L}[^\n\r\0\\`*_~[\]()<>!&|#@:$]*$/u;

/** Whether `markdown` is a plain paragraph, rendered exactly as marked would without it. */
export function isMarkupFree(markdown: string): boolean {
  return MARKUP_FREE.test(markdown) && !/www\./i.test(markdown);
}

/**
 * Renders a sanitised fragment: code blocks wrapped with a language label and a copy button
 * (built with DOM calls after sanitising, so the allow-list needs no `button`), KaTeX's styles
 * applied through the CSSOM. A plain paragraph (`isMarkupFree`) is built directly, the same
 * nodes marked and DOMPurify would give: marked's lexer costs this webview time in proportion to
 * the square of a block's length (a long reply without a blank line took 0.4 s at its end).
 */
export function renderMarkdown(markdown: string): DocumentFragment {
  if (isMarkupFree(markdown)) {
    const fragment = document.createDocumentFragment();
    const paragraph = document.createElement("p");
    paragraph.append(document.createTextNode(markdown));
    fragment.append(paragraph, document.createTextNode("\n"));
    return fragment;
  }
  const template = document.createElement("template");
  template.innerHTML = renderMarkdownHtml(markdown);
  const fragment = template.content;
  for (const element of Array.from(fragment.querySelectorAll(`[${KATEX_STYLE_ATTRIBUTE}]`))) {
    const declarations = katexStyle(element.getAttribute(KATEX_STYLE_ATTRIBUTE) ?? "") ?? [];
    element.removeAttribute(KATEX_STYLE_ATTRIBUTE);
    if (element instanceof HTMLElement || element instanceof SVGElement) {
      for (const [property, value] of declarations) element.style.setProperty(property, value);
    }
  }
  for (const pre of Array.from(fragment.querySelectorAll("pre"))) decorateCodeBlock(pre);
  return fragment;
}

function decorateCodeBlock(pre: HTMLPreElement): void {
  const code = pre.querySelector("code");
  const language = code ? languageOf(code) : null;
  const wrapper = document.createElement("div");
  wrapper.className = "code-block";
  const bar = document.createElement("div");
  bar.className = "code-bar";
  const label = document.createElement("span");
  label.className = "code-language";
  label.textContent = language ?? "code";
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "copy-code";
  copy.textContent = "Copy";
  copy.setAttribute("aria-label", `Copy ${language ?? "code"} block`);
  bar.append(label, copy);
  pre.replaceWith(wrapper);
  wrapper.append(bar, pre);
}

/** The language of a code element from its `language-*` class, if any. */
export function languageOf(code: Element): string | null {
  for (const name of Array.from(code.classList)) {
    if (name.startsWith("language-")) return name.slice("language-".length) || null;
  }
  return null;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
/** A line that carries on the block above a blank line: indented, a list item, a quote. */
const CONTINUES = /^(?:[ \t]|[-*+][ \t]|\d{1,9}[.)][ \t]|>)/;

/**
 * Splits markdown into blocks that render alone as they do together: at a blank line outside a
 * code fence, unless the next line carries on a list, a quote or indented code. A reply growing
 * at its end changes only its last block, so only that block is parsed again (marked is
 * quadratic in the text's length in this webview's JavaScript engine; whole-reply re-parsing
 * while streaming took most of each frame).
 */
export function markdownBlocks(text: string): string[] {
  const lines = text.split("\n");
  const blocks: string[] = [];
  let start = 0;
  let fence: { char: string; length: number } | null = null;
  let previousBlank = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const blank = line.trim() === "";
    if (fence === null && previousBlank && !blank && i > start && !CONTINUES.test(line)) {
      blocks.push(lines.slice(start, i).join("\n"));
      start = i;
    }
    const marker = FENCE_OPEN.exec(line)?.[1];
    if (marker !== undefined) {
      const char = marker.charAt(0);
      if (fence === null) {
        fence = { char, length: marker.length };
      } else if (char === fence.char && marker.length >= fence.length && line.trim() === marker) {
        fence = null;
      }
    }
    previousBlank = fence === null && blank;
  }
  blocks.push(lines.slice(start).join("\n"));
  return blocks;
}

/**
 * Whether `block` ends inside a construct a streaming reply has not finished: a code fence, or
 * display math (`$$`, `\[`) not closed yet. Inline code is skipped; inline math needs nothing:
 * an unclosed `$` or `\(` is text anyway.
 */
export function unfinished(block: string): boolean {
  let fence: { char: string; length: number } | null = null;
  let prose = "";
  for (const line of block.split("\n")) {
    const marker = FENCE_OPEN.exec(line)?.[1];
    if (marker !== undefined) {
      const char = marker.charAt(0);
      if (fence === null) fence = { char, length: marker.length };
      else if (char === fence.char && marker.length >= fence.length && line.trim() === marker) fence = null;
      continue;
    }
    if (fence === null) prose += `${line}\n`;
  }
  if (fence !== null) return true;
  let display: "$$" | "\\[" | null = null;
  const text = prose.replace(/(`+)[^`]*?\1/g, "");
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      const next = text[i + 1];
      if (display === null && next === "[") display = "\\[";
      else if (display === "\\[" && next === "]") display = null;
      i++;
    } else if (c === "$" && text[i + 1] === "$") {
      if (display === null) display = "$$";
      else if (display === "$$") display = null;
      i++;
    }
  }
  return display !== null;
}
