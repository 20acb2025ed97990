// KaTeX and highlight.js load apart from the window's first script: a reply rendered before
// they are there shows its math as source and its code without colour, and those blocks (only
// those) are rendered again once they have loaded. (Its own file: the libraries start unloaded.)

import { describe, expect, it } from "vitest";
import { MarkdownView } from "./markdown-view";
import { loadLibraries } from "./libraries";

describe("a reply rendered before KaTeX and highlight.js have loaded", () => {
  it("shows math as source and code plain, then renders just those blocks again once they load", async () => {
    const root = document.createElement("div");
    const view = new MarkdownView(root);
    view.set("Plain *words* here.\n\nEnergy: $E = mc^2$.\n\n```rust\nfn main() {}\n```", false);
    expect(root.querySelector(".katex")).toBeNull();
    expect(root.querySelector(".math-pending")?.textContent).toBe("$E = mc^2$");
    expect(root.querySelector("pre code")?.className).toBe("language-rust");
    expect(root.querySelector("pre code span")).toBeNull();
    const prose = root.querySelector("em");
    const [first] = Array.from(root.querySelectorAll(".md-block"));

    await loadLibraries();
    await Promise.resolve();

    expect(root.querySelector(".math-pending")).toBeNull();
    expect(root.querySelector(".katex")?.getAttribute("aria-label")).toBe("E = mc^2");
    expect(root.querySelector("pre code")?.className).toBe("language-rust hljs");
    expect(root.querySelector("pre code .hljs-keyword")?.textContent).toBe("fn");
    // The block that needed neither kept its nodes; the order of blocks is kept.
    expect(root.querySelector("em")).toBe(prose);
    expect(root.querySelector(".md-block")).toBe(first);
    expect(root.textContent?.replace(/\s+/g, " ")).toMatch(/^Plain words here\. Energy: .*rustCopyfn main\(\) \{\} $/);
  });
});
