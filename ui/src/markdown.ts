/**
 * Markdown for model output: marked, then DOMPurify with a strict allow-list.
 *
 * Model output is untrusted (design.md §5). Two layers keep it inert:
 * 1. marked never passes raw HTML through: HTML in the markdown is shown as text, and images
 *    become plain links (nothing loads from the network).
 * 2. DOMPurify keeps only the tags and attributes in `ALLOWED_TAGS`/`ALLOWED_ATTR`. Links keep
 *    their `href` only for `http:`, `https:` and `mailto:` and get `rel="noopener noreferrer"`;
 *    `class` survives only as `language-*` on code. No `style`, no event handlers, no forms,
 *    no embedded content.
 * Links are never followed by the webview: the chat view intercepts clicks and asks the
 * backend to open them in the system browser.
 *
 * One `Marked` instance and one DOMPurify instance are configured once at load.
 */

import DOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";
import { highlightCode } from "./render/highlight";

/** Tags a rendered reply may contain. */
export const ALLOWED_TAGS: readonly string[] = [
  "p", "br", "strong", "em", "del", "code", "pre", "blockquote",
  "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "hr", "span",
  "table", "thead", "tbody", "tr", "th", "td",
];

/** Attributes a rendered reply may contain. */
export const ALLOWED_ATTR: readonly string[] = ["href", "title", "class", "align", "start"];

const SAFE_URL = /^(?:https?:|mailto:)/i;
const SAFE_CLASS = /^language-[\w+#.-]{1,40}$/;

/** Escapes text for an HTML text node or attribute. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

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
  },
});

const purifier = DOMPurify(window);

purifier.addHook("uponSanitizeAttribute", (_node, data) => {
  if (data.attrName === "class") {
    const kept = data.attrValue.split(/\s+/).filter((c) => SAFE_CLASS.test(c));
    data.attrValue = kept.join(" ");
    data.keepAttr = kept.length > 0;
  }
});

purifier.addHook("afterSanitizeAttributes", (node) => {
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
 * Markdown to a fragment ready to insert: code blocks coloured and wrapped with a language label
 * and a copy button (all built with DOM calls after sanitising, so the allow-list needs no
 * `button` and colouring cannot add markup).
 */
/**
 * One line that starts with a letter and holds no character markdown gives a meaning to (no
 * emphasis, code, link, HTML, entity, escape, table, heading or list marker, no autolink):
 * marked renders it as `<p>` + the text + `</p>\n`, whatever its length.
 */
const MARKUP_FREE = /^\p{L}[^\n\r\0\\`*_~[\]()<>!&|#@:]*$/u;

/** Whether `markdown` is a plain paragraph, rendered exactly as marked would without it. */
export function isMarkupFree(markdown: string): boolean {
  return MARKUP_FREE.test(markdown) && !/www\./i.test(markdown);
}

/**
 * Renders a sanitised fragment. A plain paragraph (`isMarkupFree`) is built directly, the same
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
  for (const pre of Array.from(fragment.querySelectorAll("pre"))) decorateCodeBlock(pre);
  return fragment;
}

function decorateCodeBlock(pre: HTMLPreElement): void {
  const code = pre.querySelector("code");
  const language = code ? languageOf(code) : null;
  if (code) highlightCode(code, language);
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
