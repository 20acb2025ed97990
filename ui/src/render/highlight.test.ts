// Syntax colour: tokens cover the text exactly and can never add markup.

import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../markdown";
import { highlightCode, tokenize } from "./highlight";

const kinds = (text: string, language: string | null) =>
  tokenize(text, language).filter((t) => t.kind !== null).map((t) => `${t.kind}:${t.text}`);

describe("tokenize", () => {
  it("finds keywords, strings, numbers and comments", () => {
    expect(kinds('const x = "a\\"b"; // note\nreturn 42;', "js")).toEqual([
      "keyword:const", 'string:"a\\"b"', "comment:// note", "keyword:return", "number:42",
    ]);
    expect(kinds("def f(): # hi\n    return 'x'", "python")).toEqual(["keyword:def", "comment:# hi", "keyword:return", "string:'x'"]);
  });

  it("always covers the whole text", () => {
    const text = "fn main() { let s = \"unterminated; /* open comment\n 0x1F 3.5e10 `tpl` }";
    for (const language of ["rust", "js", "python", "sh", null, "text"]) {
      expect(tokenize(text, language).map((t) => t.text).join("")).toBe(text);
    }
  });

  it("leaves plain and unlabelled blocks alone", () => {
    expect(tokenize("if x then y", "text")).toEqual([{ kind: null, text: "if x then y" }]);
    expect(tokenize("if x then y", null)).toEqual([{ kind: null, text: "if x then y" }]);
  });
});

describe("highlightCode", () => {
  it("colours with spans built from text, so markup in code stays text", () => {
    const code = document.createElement("code");
    code.textContent = 'const a = "<img src=x onerror=alert(1)>";';
    highlightCode(code, "js");
    expect(code.querySelector("img")).toBeNull();
    expect(code.querySelector(".tok-string")?.textContent).toBe('"<img src=x onerror=alert(1)>"');
    expect(code.textContent).toBe('const a = "<img src=x onerror=alert(1)>";');
  });

  it("runs on rendered code blocks", () => {
    const fragment = renderMarkdown("```ts\nlet n = 1;\n```");
    expect(fragment.querySelector("pre code .tok-keyword")?.textContent).toBe("let");
    expect(fragment.querySelector("pre code")?.textContent).toBe("let n = 1;\n");
  });
});
