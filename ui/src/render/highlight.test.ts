// Code colour by highlight.js: the fence's language, detection only for short unlabelled
// blocks, and code that stays text whatever it holds.

import hljs from "highlight.js/lib/core";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { renderMarkdown } from "../markdown";
import { AUTO_DETECT_MAX, highlightCode } from "./highlight";
import { loadLibraries } from "./libraries";

// KaTeX and highlight.js load apart from the first script; these tests start with them loaded.
beforeAll(() => loadLibraries());

/** The `<code>` element of the first code block in `markdown`, rendered. */
function codeOf(markdown: string): HTMLElement {
  const code = renderMarkdown(markdown).querySelector<HTMLElement>("pre code");
  if (code === null) throw new Error(`no code block in ${markdown}`);
  return code;
}

const scopes = (code: HTMLElement, scope: string) => Array.from(code.querySelectorAll(`.hljs-${scope}`), (s) => s.textContent);

afterEach(() => vi.restoreAllMocks());

describe("code blocks coloured by highlight.js", () => {
  it.each([
    ["rust", "fn main() {\n    let n: u32 = 42; // answer\n}", { keyword: ["fn", "let"], number: ["42"], comment: ["// answer"] }],
    ["python", "def f(x):\n    return 'hi'  # note", { keyword: ["def", "return"], string: ["'hi'"], comment: ["# note"] }],
    ["ts", "const a: number = 1;", { keyword: ["const"], number: ["1"] }],
    ["sh", "if [ -f x ]; then echo \"y\"; fi", { keyword: ["if", "then", "fi"], string: ['"y"'] }],
  ])("%s, from the fence", (language, source, expected) => {
    const code = codeOf(`\`\`\`${language}\n${source}\n\`\`\``);
    expect(code.className).toBe(`language-${language} hljs`);
    for (const [scope, texts] of Object.entries(expected)) expect(scopes(code, scope)).toEqual(texts);
    expect(code.textContent).toBe(`${source}\n`);
  });

  it("labels the block with its language and keeps the copy button", () => {
    const block = renderMarkdown("```rust\nfn main() {}\n```").querySelector(".code-block");
    expect(block?.querySelector(".code-language")?.textContent).toBe("rust");
    expect(block?.querySelector("button.copy-code")).not.toBeNull();
  });

  it("leaves a language it does not know, and text, plain", () => {
    for (const language of ["klingon", "text", "plaintext"]) {
      const code = codeOf(`\`\`\`${language}\nif (x) return 1;\n\`\`\``);
      expect(code.querySelector("span")).toBeNull();
      expect(code.className).toBe(`language-${language}`);
      expect(code.textContent).toBe("if (x) return 1;\n");
    }
  });

  it("detects the language of a short block without one", () => {
    const source = "fn main() {\n    let mut total: u64 = 0;\n    for i in 0..10 {\n        total += i;\n    }\n    println!(\"{}\", total);\n}";
    const code = codeOf(`\`\`\`\n${source}\n\`\`\``);
    expect(code.className).toBe("language-rust hljs");
    expect(scopes(code, "keyword").map((k) => k?.trim())).toEqual(["fn", "let", "mut", "for", "in"]);
    expect(code.closest(".code-block")?.querySelector(".code-language")?.textContent).toBe("rust");
    expect(code.textContent).toBe(`${source}\n`);
  });

  it("does not detect the language of a block over 20 KB", () => {
    const detect = vi.spyOn(hljs, "highlightAuto");
    const line = "def f(x):\n    return x + 1\n";
    const long = line.repeat(Math.ceil((AUTO_DETECT_MAX + 1) / line.length));
    expect(long.length).toBeGreaterThan(AUTO_DETECT_MAX);
    const code = codeOf(`\`\`\`\n${long}\`\`\``);
    expect(detect).not.toHaveBeenCalled();
    expect(code.querySelector("span")).toBeNull();
    expect(code.textContent).toBe(long);

    const short = line.repeat(Math.floor(AUTO_DETECT_MAX / line.length) - 1);
    codeOf(`\`\`\`\n${short}\`\`\``);
    expect(detect).toHaveBeenCalledTimes(1);
  });

  it("still colours a long block whose fence names its language", () => {
    const long = "let x = 1;\n".repeat(3000);
    expect(long.length).toBeGreaterThan(AUTO_DETECT_MAX);
    expect(scopes(codeOf(`\`\`\`js\n${long}\`\`\``), "keyword")).toHaveLength(3000);
  });

  it("leaves a block with a very long word (base64, a hex dump) plain: the grammars are quadratic in it", () => {
    const highlight = vi.spyOn(hljs, "highlight");
    const detect = vi.spyOn(hljs, "highlightAuto");
    const blob = "QUJD".repeat(60);
    for (const fence of ["```js", "```"]) {
      const code = codeOf(`${fence}\nconst data = ${blob};\n\`\`\``);
      expect(code.querySelector("span")).toBeNull();
      expect(code.textContent).toBe(`const data = ${blob};\n`);
    }
    expect(highlight).not.toHaveBeenCalled();
    expect(detect).not.toHaveBeenCalled();
  });

  it("keeps markup in code as text, and the sanitiser strips anything else", () => {
    const source = 'const a = "<img src=x onerror=alert(1)>"; </code><script>alert(1)</script>';
    const code = codeOf(`\`\`\`js\n${source}\n\`\`\``);
    expect(code.querySelector("img, script")).toBeNull();
    expect(code.textContent).toBe(`${source}\n`);
    expect(scopes(code, "string")).toEqual(['"<img src=x onerror=alert(1)>"']);
    for (const element of Array.from(code.querySelectorAll("*"))) {
      expect(element.tagName).toBe("SPAN");
      expect(element.getAttributeNames()).toEqual(["class"]);
      expect(element.className).toMatch(/^hljs-[\w-]+(?: \w+_{1,2})*$/);
    }
  });

  it("colours each block once while the same text renders again", () => {
    const highlight = vi.spyOn(hljs, "highlight");
    const source = "fn once() {}";
    const first = highlightCode(source, "rust");
    expect(highlightCode(source, "rust")).toBe(first);
    expect(highlight).toHaveBeenCalledTimes(1);
  });
});
