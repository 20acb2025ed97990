// A reply's markdown kept up to date block by block: growing text re-renders only its last
// block, and a long open block streams as plain text until it closes or the reply ends.

import { beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("../markdown", async (importOriginal) => {
  const original = await importOriginal<typeof import("../markdown")>();
  return { ...original, renderMarkdown: vi.fn(original.renderMarkdown) };
});

import { renderMarkdown } from "../markdown";
import { MarkdownView, PLAIN_AFTER } from "./markdown-view";
import { loadLibraries } from "./libraries";

// KaTeX and highlight.js load apart from the first script; these tests start with them loaded,
// and render every block at once (deferring to later frames has a test of its own).
beforeAll(() => {
  MarkdownView.renderBudgetMs = Infinity;
  return loadLibraries();
});

describe("MarkdownView", () => {
  it("renders only the blocks that changed", () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    view.set("**One.**\n\nTwo", true);
    vi.mocked(renderMarkdown).mockClear();
    view.set("**One.**\n\nTwo and three", true);
    expect(vi.mocked(renderMarkdown).mock.calls.map(([text]) => text)).toEqual(["Two and three"]);
    expect(root.querySelector("strong")?.textContent).toBe("One.");
    view.set("Other", false);
    expect(root.textContent?.trim()).toBe("Other");
    expect(root.querySelectorAll(".md-block")).toHaveLength(1);
  });

  it("streams a long open block as plain text, appended to, then renders it once at the end", () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    const intro = "Intro with *emphasis*.\n\n";
    let body = "```\n" + "x".repeat(PLAIN_AFTER);
    view.set(intro + body, true);
    const plain = root.querySelector(".md-plain");
    expect(plain?.textContent).toBe(body);
    expect(root.querySelector("em")?.textContent).toBe("emphasis");
    vi.mocked(renderMarkdown).mockClear();
    for (let i = 0; i < 5; i++) {
      body += " more";
      view.set(intro + body, true);
    }
    expect(renderMarkdown).not.toHaveBeenCalled();
    expect(root.querySelector(".md-plain")).toBe(plain);
    expect(plain?.textContent).toBe(body);

    body += "\n```";
    view.set(intro + body, false);
    expect(root.querySelector(".md-plain")).toBeNull();
    expect(root.querySelector("pre code")?.textContent).toContain("x".repeat(100) + " more more");
    expect(vi.mocked(renderMarkdown).mock.calls.map(([text]) => text)).toEqual([body]);
  });

  it("a short open block stays markdown while it streams", () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    view.set("A *short* reply", true);
    expect(root.querySelector(".md-plain")).toBeNull();
    expect(root.querySelector("em")?.textContent).toBe("short");
  });
});

describe("MarkdownView splitting a growing text", () => {
  it("splits only from the last block on, with the same blocks as a whole split", async () => {
    const { markdownBlocks } = await import("../markdown");
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    const full = "# T\n\nOne.\n\n```\ncode\n\nmore\n```\n\n- a\n\n- b\n\nLast para.\n\nEnd";
    for (let n = 1; n <= full.length; n += 3) {
      view.set(full.slice(0, n), true);
      const expected = markdownBlocks(full.slice(0, n));
      expect(root.querySelectorAll(".md-block")).toHaveLength(expected.length);
    }
    view.set(full, false);
    const whole = document.createElement("div");
    for (const block of markdownBlocks(full)) whole.append(renderMarkdown(block));
    expect(root.textContent?.replace(/\s+/g, "")).toBe(whole.textContent?.replace(/\s+/g, ""));
  });
});

describe("MarkdownView: a reply rendered as it streams ends as the same DOM as rendered at once", () => {
  const flood = Array.from({ length: 3000 }, (_, i) => `t${i + 1}«1765104000${i}.123»`).join(" ") + " ";
  const texts: Record<string, string> = {
    "one long paragraph without markup": flood,
    "prose, then a long paragraph without markup": "Intro *here*.\n\n" + flood,
    "a long paragraph that gains markup late": flood + " and **bold** at the end",
    "a long code block": "Code:\n\n```ts\n" + "const x = 1;\n".repeat(1500) + "```\n\nAfter.",
    "mixed markdown": "# T\n\nOne.\n\n- a\n- b\n\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nEnd www.example.com",
  };
  for (const [name, full] of Object.entries(texts)) {
    it(name, () => {
      const streamed = document.createElement("div");
      const view = new MarkdownView(streamed);
      const step = Math.max(7, Math.floor(full.length / 60));
      for (let n = 1; n < full.length; n += step) view.set(full.slice(0, n), true);
      view.set(full, true);
      const beforeEnd = streamed.innerHTML;
      view.set(full, false);
      const once = document.createElement("div");
      new MarkdownView(once).set(full, false);
      expect(streamed.innerHTML).toBe(once.innerHTML);
      if (!full.includes("```") && !full.includes("**")) expect(beforeEnd).toBe(once.innerHTML);
      // jsdom sanitises a 1,500-line coloured block slowly (WebKit does it in milliseconds).
    }, 30_000);
  }

  it("a long plain paragraph that gets its last text as the reply ends is appended to, not re-rendered", () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    view.set(flood, true);
    const paragraph = root.querySelector("p");
    vi.mocked(renderMarkdown).mockClear();
    view.set(flood + "t9999 end ", false);
    expect(renderMarkdown).not.toHaveBeenCalled();
    expect(root.querySelector("p")).toBe(paragraph);
    const once = document.createElement("div");
    new MarkdownView(once).set(flood + "t9999 end ", false);
    expect(root.innerHTML).toBe(once.innerHTML);
  });

  it("a long plain paragraph is left in place when the reply ends (no re-render)", () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    view.set(flood, true);
    const paragraph = root.querySelector("p");
    vi.mocked(renderMarkdown).mockClear();
    view.set(flood, false);
    expect(renderMarkdown).not.toHaveBeenCalled();
    expect(root.querySelector("p")).toBe(paragraph);
  });
});

describe("MarkdownView with math and code: only the open block re-renders", () => {
  it("keeps finished blocks' nodes (KaTeX, highlighted code) the same objects as more text arrives", () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    let text = "Energy: $E = mc^2$.\n\n```rust\nfn main() {}\n```\n\n$$\n\\frac{a}{b}\n$$\n\nMore";
    view.set(text, true);
    const inline = root.querySelector(".katex");
    const keyword = root.querySelector("pre code .hljs-keyword");
    const display = root.querySelector(".katex-display");
    const wrappers = Array.from(root.querySelectorAll(".md-block"));
    expect(inline).not.toBeNull();
    expect(keyword?.textContent).toBe("fn");
    expect(display).not.toBeNull();
    expect(wrappers).toHaveLength(4);
    vi.mocked(renderMarkdown).mockClear();
    for (const more of [" text with $x$", " and more", "\n\nA new block"]) {
      text += more;
      view.set(text, true);
    }
    expect(root.querySelector(".katex")).toBe(inline);
    expect(root.querySelector("pre code .hljs-keyword")).toBe(keyword);
    expect(root.querySelector(".katex-display")).toBe(display);
    expect(Array.from(root.querySelectorAll(".md-block")).slice(0, 3)).toEqual(wrappers.slice(0, 3));
    // Only the open blocks were rendered: the one that grew, then the new one.
    expect(vi.mocked(renderMarkdown).mock.calls.map(([block]) => block.split("\n")[0])).toEqual([
      "More text with $x$", "More text with $x$ and more", "More text with $x$ and more", "A new block",
    ]);
  });

  it("shows an unfinished display formula as plain text until it is closed", () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    const intro = "Intro with $x$.\n\n";
    view.set(`${intro}$$\n\\sum_{k=1}^{n}`, true);
    expect(root.querySelector(".md-plain")?.textContent).toBe("$$\n\\sum_{k=1}^{n}");
    expect(root.querySelectorAll(".katex")).toHaveLength(1);
    expect(root.querySelector(".math-error")).toBeNull();
    view.set(`${intro}$$\n\\sum_{k=1}^{n} k`, true);
    expect(root.querySelector(".md-plain")?.textContent).toBe("$$\n\\sum_{k=1}^{n} k");
    view.set(`${intro}$$\n\\sum_{k=1}^{n} k\n$$`, true);
    expect(root.querySelector(".md-plain")).toBeNull();
    expect(root.querySelector(".katex-display .katex")?.getAttribute("aria-label")).toBe("\\sum_{k=1}^{n} k");
  });

  it("shows an unfinished \\[ formula and code fence as plain text while streaming, as markdown once the reply ends", () => {
    for (const [open, close] of [["\\[\n\\sqrt{2}", "\\[\n\\sqrt{2}"], ["```js\nconst a = 1;", "```js\nconst a = 1;"]]) {
      const root = document.createElement("div");
      const view = new MarkdownView(root);
      view.set(`Intro.\n\n${open}`, true);
      expect(root.querySelector(".md-plain")?.textContent).toBe(close);
      expect(root.querySelector(".katex, pre")).toBeNull();
      view.set(`Intro.\n\n${open}`, false);
      expect(root.querySelector(".md-plain")).toBeNull();
    }
  });

  it("an open code fence grows by appending text, not by rendering again", () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    let text = "Code:\n\n```python\ndef f():";
    view.set(text, true);
    const plain = root.querySelector(".md-plain");
    vi.mocked(renderMarkdown).mockClear();
    for (const more of ["\n    return 1", "\n\n    # after a blank line", "\n"]) {
      text += more;
      view.set(text, true);
    }
    expect(renderMarkdown).not.toHaveBeenCalled();
    expect(root.querySelector(".md-plain")).toBe(plain);
    text += "```";
    view.set(text, true);
    expect(root.querySelector(".md-plain")).toBeNull();
    expect(root.querySelector("pre code.language-python .hljs-keyword")?.textContent).toBe("def");
  });
});

describe("MarkdownView: a burst of finished blocks is rendered over several frames", () => {
  const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

  it("shows the blocks past the budget as plain text, then renders them in order, the open block at once", async () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    view.set("First *one*.\n\nSecond", true);
    const first = root.querySelector(".md-block");
    MarkdownView.renderBudgetMs = -1;
    try {
      const text = "First *one*.\n\nSecond.\n\n$$\nx^2\n$$\n\n```rust\nfn a() {}\n```\n\nThird **bold**.\n\nOpen $y$";
      view.set(text, true);
      const blocks = () => Array.from(root.querySelectorAll(".md-block"));
      expect(blocks()).toHaveLength(6);
      expect(blocks()[0]).toBe(first);
      expect(blocks().slice(1, 5).map((b) => b.querySelector(".md-plain")?.textContent)).toEqual([
        "Second.\n", "$$\nx^2\n$$\n", "```rust\nfn a() {}\n```\n", "Third **bold**.\n",
      ]);
      expect(blocks()[5]?.querySelector(".katex")?.getAttribute("aria-label")).toBe("y");
      // More text while they wait: they stay deferred, not all rendered at once.
      view.set(`${text} more`, true);
      expect(root.querySelectorAll(".md-plain")).toHaveLength(4);
      await frame();
      expect(blocks()[1]?.querySelector(".md-plain")).toBeNull();
      expect(root.querySelectorAll(".md-plain")).toHaveLength(3);
      await frame();
      expect(blocks()[2]?.querySelector(".katex-display")).not.toBeNull();
      expect(root.querySelectorAll(".md-plain")).toHaveLength(2);
      await frame();
      await frame();
      expect(root.querySelector(".md-plain")).toBeNull();
      expect(blocks()[3]?.querySelector("pre code .hljs-keyword")?.textContent).toBe("fn");
      expect(blocks()[4]?.querySelector("strong")?.textContent).toBe("bold");
      expect(blocks()[0]).toBe(first);
      view.set(`${text} more`, false);
      const once = document.createElement("div");
      new MarkdownView(once).set(`${text} more`, false);
      expect(root.innerHTML).toBe(once.innerHTML);
    } finally {
      MarkdownView.renderBudgetMs = Infinity;
    }
  });
});
