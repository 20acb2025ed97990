// TeX math in replies: each delimiter typeset by KaTeX, dollars in prose left alone, bad TeX
// shown as its source, and KaTeX's output sanitised like everything else.

import { beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_ATTR, ALLOWED_TAGS, renderMarkdown, sanitizeHtml, renderMarkdownHtml } from "../markdown";
import { katexStyle, mathAt, renderTex } from "./math";
import { loadLibraries } from "./libraries";

// KaTeX and highlight.js load apart from the first script; these tests start with them loaded.
beforeAll(() => loadLibraries());

/** The rendered fragment of `markdown` in a div, with its formulas. */
function rendered(markdown: string) {
  const root = document.createElement("div");
  root.append(renderMarkdown(markdown));
  const formulas = Array.from(root.querySelectorAll<HTMLElement>(".katex"));
  return {
    root,
    formulas,
    sources: formulas.map((f) => f.getAttribute("aria-label")),
    displayed: formulas.map((f) => f.parentElement?.classList.contains("katex-display") ?? false),
  };
}

describe("math delimiters", () => {
  it.each([
    ["$…$ inline", "The energy $E = mc^2$ here.", "E = mc^2", false],
    ["\\(…\\) inline", "The energy \\(E = mc^2\\) here.", "E = mc^2", false],
    ["$$…$$ displayed, on its own lines", "Sum:\n\n$$\n\\sum_{k=1}^n k\n$$\n\nDone.", "\\sum_{k=1}^n k", true],
    ["$$…$$ displayed, inside a paragraph", "So $$x^2$$ it is.", "x^2", true],
    ["\\[…\\] displayed", "Root:\n\n\\[\n\\sqrt{2}\n\\]\n\nDone.", "\\sqrt{2}", true],
    ["\\[…\\] on one line", "\\[ \\frac{a}{b} \\]", "\\frac{a}{b}", true],
    ["$$ right after a paragraph line", "Then:\n$$\na+b\n$$", "a+b", true],
  ])("%s renders KaTeX", (_name, markdown, tex, display) => {
    const { root, sources, displayed } = rendered(markdown);
    expect(sources).toEqual([tex]);
    expect(displayed).toEqual([display]);
    expect(root.querySelector(".katex .katex-html")).not.toBeNull();
    // The delimiters are gone; the prose around stays.
    expect(root.textContent).not.toContain("$");
    expect(root.textContent).not.toContain("\\(");
    expect(root.textContent).not.toContain("\\[");
  });

  it("keeps markdown inside math as TeX (no emphasis, no escapes eaten)", () => {
    const { sources, root } = rendered("Both $a_1 * b_2 * c$ and $\\{x\\}$.");
    expect(sources).toEqual(["a_1 * b_2 * c", "\\{x\\}"]);
    expect(root.querySelector("em")).toBeNull();
  });

  it("renders several formulas and the text between them", () => {
    const { sources, root } = rendered("If $a$ and $b$, then \\(a+b\\).");
    expect(sources).toEqual(["a", "b", "a+b"]);
    expect(root.textContent).toContain("If ");
    expect(root.textContent).toContain(", then ");
  });
});

describe("dollars in prose stay text", () => {
  it.each([
    ["prices", "It costs $5 and $10 today."],
    ["a price range", "Between $5-$10, or $20."],
    ["space after the opening dollar", "a $ x$ b"],
    ["space before the closing dollar", "a $x $ b"],
    ["closing dollar followed by a digit", "from $x$5 on"],
    ["escaped dollars", "\\$x\\$ is not math"],
    ["a lone dollar", "US$ and $"],
    ["math in inline code", "`$x$` is code"],
    ["math across lines for a single dollar", "a $x\ny$ b"],
    ["a blank line inside display math", "$$\na\n\nb\n$$"],
    ["empty math", "$$ $$ and \\(\\)"],
  ])("%s", (_name, markdown) => {
    const { formulas, root } = rendered(markdown);
    expect(formulas).toHaveLength(0);
    if (markdown.includes("$")) expect(root.textContent).toContain("$");
  });

  it("keeps the text of prose dollars exactly", () => {
    expect(rendered("It costs $5 and $10 today.").root.textContent?.trim()).toBe("It costs $5 and $10 today.");
  });

  it("follows pandoc: a digit after the closing dollar continues the math", () => {
    expect(mathAt("$x$5 + y$ z")?.tex).toBe("x$5 + y");
    expect(mathAt("$5 and $10")).toBeNull();
  });
});

describe("invalid TeX", () => {
  it.each([
    ["an unclosed group", "Bad: $\\frac{1}{$ here", "$\\frac{1}{$"],
    ["an unknown command", "Bad: \\(\\notacommand{x}\\) here", "\\(\\notacommand{x}\\)"],
    ["displayed", "$$\n\\left( x\n$$", "$$\n\\left( x\n$$"],
  ])("%s shows as text with an error style, not a crash", (_name, markdown, shown) => {
    const { root, formulas } = rendered(markdown);
    expect(formulas).toHaveLength(0);
    const error = root.querySelector(".math-error");
    expect(error?.textContent).toBe(shown);
    expect(error?.getAttribute("title")).toMatch(/KaTeX parse error/);
  });

  it("does not let TeX reach outside KaTeX: links, classes, styles and HTML need trust, which is off", () => {
    for (const tex of ["\\href{javascript:alert(1)}{x}", "\\htmlClass{copy-code}{x}", "\\htmlStyle{position:fixed}{x}", "\\url{https://example.com}"]) {
      const { root } = rendered(`$${tex}$`);
      expect(root.querySelector("a")).toBeNull();
      expect(root.querySelector(".copy-code")).toBeNull();
      expect(Array.from(root.querySelectorAll<HTMLElement>("*")).some((e) => e.style.position === "fixed")).toBe(false);
    }
  });
});

describe("KaTeX's output through the sanitiser", () => {
  const formula = "\\sqrt{\\frac{a}{b}} + \\color{red}{x} + \\overbrace{abc}";

  it("keeps KaTeX's structure, classes and SVG, and carries its styles out of the style attribute", () => {
    const html = renderMarkdownHtml(`$$${formula}$$`);
    expect(html).toContain('class="katex-display"');
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).toContain("data-katex-style=");
  });

  it("applies KaTeX's styles through the CSSOM, leaving no attribute in transit", () => {
    const { root } = rendered(`$$${formula}$$`);
    expect(root.querySelector("[data-katex-style]")).toBeNull();
    const struts = Array.from(root.querySelectorAll<HTMLElement>(".katex .katex-strut"));
    expect(struts.length).toBeGreaterThan(0);
    expect(struts[0]?.style.height).toMatch(/em$/);
    expect(Array.from(root.querySelectorAll<HTMLElement>(".katex [style]")).some((e) => e.style.color === "red")).toBe(true);
    expect(root.querySelector(".katex svg path")?.getAttribute("d")).toMatch(/^M/);
  });

  it("strips scripts, handlers and foreign markup written inside math", () => {
    const inputs = [
      "$<img src=x onerror=alert(1)>$",
      "$x</span><script>alert(1)</script>$",
      "$$\n<svg onload=alert(1)>\n$$",
      '\\(\\text{<a href="javascript:alert(1)">x</a>}\\)',
      "$\\text{\"><img src=x onerror=alert(1)>}$",
    ];
    for (const input of inputs) {
      const { root } = rendered(input);
      expect(root.querySelector("script, img, a, iframe"), input).toBeNull();
      for (const element of Array.from(root.querySelectorAll("*"))) {
        for (const attribute of Array.from(element.attributes)) {
          expect(attribute.name.startsWith("on"), `${attribute.name} in ${input}`).toBe(false);
        }
      }
    }
  });

  it("lets no KaTeX-only markup through outside KaTeX's output", () => {
    const html = sanitizeHtml(
      '<span style="color:red" role="math" aria-label="x" class="vlist-t mord">a</span>' +
        '<svg width="1em" viewBox="0 0 1 1"><path d="M0 0"></path></svg>' +
        '<span class="katex"><span style="background:url(https://evil.example/x)">b</span>' +
        '<span style="position:fixed;inset:0">c</span><span class="copy-code vlist-t">d</span></span>',
    );
    const root = document.createElement("div");
    root.innerHTML = html;
    expect(root.querySelector("svg")).toBeNull();
    const first = root.firstElementChild;
    expect(first?.getAttributeNames()).toEqual([]);
    expect(html).not.toContain("evil.example");
    expect(html).not.toContain("fixed");
    expect(root.querySelector(".katex .vlist-t")?.className).toBe("vlist-t");
    for (const element of Array.from(root.querySelectorAll("*"))) {
      expect(ALLOWED_TAGS).toContain(element.tagName.toLowerCase());
      for (const name of element.getAttributeNames()) {
        expect([...ALLOWED_ATTR, "role", "aria-label"]).toContain(name);
      }
    }
  });

  it("loses nothing KaTeX draws with: every element, SVG attribute and style of a broad corpus survives", () => {
    const corpus = [
      "\\sqrt[3]{x^2+1}", "\\begin{array}{c|c} a & b \\\\ \\hline c & d\\end{array}", "\\overbrace{a+b}^{n}", "\\xrightarrow{abc}",
      "\\cancel{x} \\bcancel{y} \\xcancel{z}", "\\boxed{E=mc^2}", "\\colorbox{yellow}{A} \\fcolorbox{red}{blue}{B}", "\\color{#f00}{x}",
      "\\rule{1em}{2pt}", "\\left( \\frac{a}{b} \\right]", "\\widehat{abc}", "\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}",
      "\\tag{1} x", "\\pmb{x}", "\\phase{x}", "\\sout{abc}", "\\angl{n}", "\\begin{array}{c:c} a \\\\ \\hdashline c\\end{array}",
    ];
    for (const tex of corpus) {
      const typeset = renderTex(tex, true);
      expect(typeset !== null && "html" in typeset, tex).toBe(true);
      const raw = document.createElement("div");
      raw.innerHTML = typeset !== null && "html" in typeset ? typeset.html : "";
      const { root } = rendered(`$$${tex}$$`);
      const kept = root.querySelector(".katex-display");
      expect(kept?.querySelectorAll("*").length, tex).toBe(raw.querySelectorAll(".katex-display *").length);
      const styled = Array.from(raw.querySelectorAll<HTMLElement>("[style]"));
      expect(styled.every((e) => katexStyle(e.getAttribute("style") ?? "") !== null), tex).toBe(true);
      expect(kept?.querySelectorAll("[style]").length, tex).toBe(styled.length);
      for (const attribute of ["width", "height", "viewBox", "preserveAspectRatio", "d", "x1", "y2", "stroke-width"]) {
        expect(kept?.querySelectorAll(`[${attribute}]`).length, `${attribute} in ${tex}`).toBe(raw.querySelectorAll(`[${attribute}]`).length);
      }
    }
  });

  it("accepts only KaTeX's kind of style declarations", () => {
    expect(katexStyle("height:0.6833em;vertical-align:-0.05em;")).toEqual([
      ["height", "0.6833em"],
      ["vertical-align", "-0.05em"],
    ]);
    expect(katexStyle("margin:0 -0.05em;border-right-style:solid;color:#cc0000")).not.toBeNull();
    for (const bad of ["background:url(x)", "position:fixed", "height:expression(alert(1))", "color:var(--x)", "top:1em;content:'x'", "width:calc(1px + url(x))"]) {
      expect(katexStyle(bad), bad).toBeNull();
    }
  });

  it("typesets each formula once while the same text renders again", () => {
    const first = renderTex("\\int_0^1 f", true);
    expect(renderTex("\\int_0^1 f", true)).toBe(first);
    expect(renderTex("\\int_0^1 f", false)).not.toBe(first);
  });
});
