/**
 * A small syntax colourer for code blocks in replies: comments, strings, numbers and keywords.
 *
 * It works on the text of an already sanitised `<code>` element and rebuilds it from text
 * nodes and `<span class="tok-…">` elements created with DOM calls, so it can never introduce
 * markup. It is deliberately generic (one keyword list for the common languages) and skips
 * very long blocks: colour is a nicety, the text is what matters.
 */

/** Blocks longer than this stay plain (keeps streaming frames cheap). */
const MAX_LENGTH = 20_000;

const HASH_COMMENT_LANGUAGES = new Set([
  "python", "py", "sh", "bash", "shell", "zsh", "console", "ruby", "rb", "yaml", "yml", "toml",
  "perl", "r", "make", "makefile", "dockerfile", "ini", "conf", "nix", "elixir", "powershell", "ps1",
]);
const SLASH_COMMENT_LANGUAGES = new Set([
  "js", "javascript", "ts", "typescript", "jsx", "tsx", "c", "h", "cpp", "c++", "cc", "hpp", "cs", "csharp",
  "java", "kotlin", "kt", "swift", "go", "rust", "rs", "scala", "dart", "php", "json5", "jsonc", "zig", "css", "scss", "less",
]);
const PLAIN_LANGUAGES = new Set(["text", "txt", "plain", "plaintext", "markdown", "md", "diff", "csv", "log"]);

const KEYWORDS = new Set(
  (
    "as async await break case catch class const continue def default del do elif else enum export extends " +
    "false final finally fn for from func function if impl import in interface is lambda let loop match mod " +
    "module mut new nil None not null or package pass private protected pub public raise return self Self " +
    "static struct super switch this throw trait true True False try type typeof use var void where while with " +
    "yield echo fi then done esac local readonly int float double char bool boolean string str long short " +
    "unsigned signed byte u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 usize isize and select FROM SELECT WHERE INSERT " +
    "UPDATE DELETE JOIN ON GROUP ORDER BY LIMIT CREATE TABLE"
  ).split(" "),
);

type TokenKind = "comment" | "string" | "number" | "keyword";

/** Splits code into plain runs and coloured tokens. Pure; exported for tests. */
export function tokenize(text: string, language: string | null): { kind: TokenKind | null; text: string }[] {
  const lang = language?.toLowerCase() ?? "";
  if (!lang || PLAIN_LANGUAGES.has(lang) || text.length > MAX_LENGTH) return [{ kind: null, text }];
  const hash = HASH_COMMENT_LANGUAGES.has(lang);
  const slash = SLASH_COMMENT_LANGUAGES.has(lang) || !hash;
  const sql = lang === "sql";
  const comment = [
    slash ? String.raw`\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)` : null,
    hash ? String.raw`#[^\n]*` : null,
    sql || lang === "lua" || lang === "haskell" ? String.raw`--[^\n]*` : null,
  ].filter(Boolean).join("|");
  const pattern = new RegExp(
    [
      `(${comment})`,
      String.raw`("(?:\\[\s\S]|[^"\\\n])*"|'(?:\\[\s\S]|[^'\\\n])*'|` + "`(?:\\\\[\\s\\S]|[^`\\\\])*`)",
      String.raw`(\b(?:0x[\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)\b)`,
      String.raw`([A-Za-z_][\w]*)`,
    ].join("|"),
    "g",
  );
  const tokens: { kind: TokenKind | null; text: string }[] = [];
  let plain = "";
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    plain += text.slice(last, index);
    last = index + match[0].length;
    const kind: TokenKind | null = match[1]
      ? "comment"
      : match[2]
        ? "string"
        : match[3]
          ? "number"
          : match[4] && KEYWORDS.has(match[4])
            ? "keyword"
            : null;
    if (kind === null) {
      plain += match[0];
      continue;
    }
    if (plain) tokens.push({ kind: null, text: plain });
    plain = "";
    tokens.push({ kind, text: match[0] });
  }
  plain += text.slice(last);
  if (plain) tokens.push({ kind: null, text: plain });
  return tokens;
}

/** Colours a `<code>` element in place, from its text only. */
export function highlightCode(code: HTMLElement, language: string | null): void {
  const tokens = tokenize(code.textContent ?? "", language);
  if (tokens.length <= 1 && tokens[0]?.kind == null) return;
  const fragment = document.createDocumentFragment();
  for (const token of tokens) {
    if (token.kind === null) {
      fragment.append(token.text);
    } else {
      const span = document.createElement("span");
      span.className = `tok-${token.kind}`;
      span.textContent = token.text;
      fragment.append(span);
    }
  }
  code.replaceChildren(fragment);
}
