// The sanitiser against an XSS corpus: nothing executable may survive, while ordinary markdown
// (code blocks, lists, links, tables) must.

import { describe, expect, it } from "vitest";
import { ALLOWED_ATTR, ALLOWED_TAGS, isMarkupFree, renderMarkdown, renderMarkdownHtml, sanitizeHtml, markdownBlocks } from "./markdown";

/** Parses sanitised output and fails on anything that could run or load. */
function assertInert(html: string): void {
  const template = document.createElement("template");
  template.innerHTML = html;
  const root = template.content;
  for (const element of Array.from(root.querySelectorAll("*"))) {
    const tag = element.tagName.toLowerCase();
    expect(ALLOWED_TAGS, `tag <${tag}> in ${html}`).toContain(tag);
    for (const attribute of Array.from(element.attributes)) {
      const name = attribute.name.toLowerCase();
      expect(name.startsWith("on"), `event handler ${name} in ${html}`).toBe(false);
      expect([...ALLOWED_ATTR, "rel"], `attribute ${name} in ${html}`).toContain(name);
      if (name === "href") {
        const href = attribute.value.replace(/[\u0000-\u0020\u007f-\u00a0]/g, "");
        expect(href, `href in ${html}`).toMatch(/^(https?:|mailto:)/i);
      }
    }
  }
  // Whatever survives as markup (attribute values included) must name no script or data URL;
  // the same words inside text nodes are harmless and may stay.
  for (const element of Array.from(root.querySelectorAll("*"))) {
    for (const attribute of Array.from(element.attributes)) {
      const value = attribute.value.replace(/[\u0000-\u0020\u007f-\u00a0]/g, "").toLowerCase();
      for (const marker of ["javascript:", "vbscript:", "data:", "expression("]) {
        expect(value, `"${marker}" in ${attribute.name} of ${html}`).not.toContain(marker);
      }
    }
  }
}

const XSS_CORPUS: [string, string][] = [
  ["script tag", "<script>alert(1)</script>"],
  ["script tag inside markdown", "Hello\n\n<script>document.title='x'</script>\n\nworld"],
  ["inline script in paragraph", "text <script>alert(1)</script> more"],
  ["img onerror", "<img src=x onerror=alert(1)>"],
  ["img onerror, no quotes, slash", "<img/src=x/onerror=alert(1)>"],
  ["markdown image with javascript", "![x](javascript:alert(1))"],
  ["markdown image with onerror attempt", "![x\" onerror=\"alert(1)](https://example.com/a.png)"],
  ["svg onload", "<svg onload=alert(1)><circle r=10></circle></svg>"],
  ["svg script", "<svg><script>alert(1)</script></svg>"],
  ["svg use href", "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>#x\"/></svg>"],
  ["math with href", "<math><mtext><a href=\"javascript:alert(1)\">x</a></mtext></math>"],
  ["math mxss", "<math><mi><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mi></math>"],
  ["iframe", "<iframe src=\"https://evil.example\"></iframe>"],
  ["iframe srcdoc", "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>"],
  ["style tag", "<style>body{display:none}</style>"],
  ["style attribute", "<p style=\"position:fixed;inset:0\">x</p>"],
  ["form and button", "<form action=\"https://evil.example\"><button formaction=\"javascript:alert(1)\">Go</button><input name=x></form>"],
  ["object/embed", "<object data=\"x.swf\"></object><embed src=\"x.swf\">"],
  ["meta refresh", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">"],
  ["base href", "<base href=\"https://evil.example/\">"],
  ["link javascript", "[click](javascript:alert(1))"],
  ["link javascript uppercase", "[click](JAVASCRIPT:alert(1))"],
  ["link javascript with entity", "[click](&#106;avascript:alert(1))"],
  ["link javascript with hex entities", "[click](&#x6A;&#x61;&#x76;&#x61;script:alert(1))"],
  ["link javascript with tab", "[click](java\tscript:alert(1))"],
  ["link javascript with encoded newline", "[click](java&#10;script:alert(1))"],
  ["link javascript in angle brackets", "[click](<javascript:alert(1)>)"],
  ["link with leading spaces", "[click](   javascript:alert(1))"],
  ["reference link javascript", "[click][x]\n\n[x]: javascript:alert(1)"],
  ["autolink javascript", "<javascript:alert(1)>"],
  ["raw anchor javascript", "<a href=\"javascript:alert(1)\">x</a>"],
  ["raw anchor entity-obfuscated", "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>"],
  ["raw anchor whitespace-obfuscated", "<a href=\" &#14;  javascript:alert(1)\">x</a>"],
  ["raw anchor vbscript", "<a href=\"vbscript:msgbox(1)\">x</a>"],
  ["data text/html link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
  ["raw data text/html link", "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>"],
  ["event handler on allowed tag", "<p onclick=\"alert(1)\">x</p><strong onmouseover=alert(1)>y</strong>"],
  ["details ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"],
  ["template", "<template><script>alert(1)</script></template>"],
  ["noscript mxss", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>"],
  ["html comment trick", "<!--<img src=x onerror=alert(1)>-->"],
  ["code block is text", "```html\n<script>alert(1)</script>\n```"],
  ["inline code is text", "`<img src=x onerror=alert(1)>`"],
  ["table cell html", "| a |\n|---|\n| <img src=x onerror=alert(1)> |"],
  ["heading with html", "# <iframe src=x></iframe>"],
  ["srcset", "<img srcset=\"x 1x\" onerror=alert(1)>"],
  ["video poster", "<video poster=javascript:alert(1)></video><audio src=x onerror=alert(1)>"],
  ["class injection", "<code class=\"language-js x-evil\" id=\"x\">a</code>"],
  ["target blank", "<a href=\"https://example.com\" target=\"_blank\">x</a>"],
];

describe("renderMarkdownHtml: nothing executable survives", () => {
  it.each(XSS_CORPUS)("%s", (_name, input) => {
    const html = renderMarkdownHtml(input);
    assertInert(html);
  });

  it.each(XSS_CORPUS)("%s (sanitizeHtml on the raw input)", (_name, input) => {
    assertInert(sanitizeHtml(input));
  });

  it("shows raw HTML as text rather than dropping it", () => {
    const html = renderMarkdownHtml("Use <b>bold</b> tags");
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt;");
    expect(html).not.toContain("<b>");
  });

  it("keeps script text from code blocks as text", () => {
    const fragment = renderMarkdown("```html\n<script>alert(1)</script>\n```");
    expect(fragment.querySelector("script")).toBeNull();
    expect(fragment.querySelector("pre code")?.textContent).toBe("<script>alert(1)</script>\n");
  });

  it("turns images into plain links and loads nothing", () => {
    const fragment = renderMarkdown("![a cat](https://example.com/cat.png)");
    expect(fragment.querySelector("img")).toBeNull();
    const link = fragment.querySelector("a");
    expect(link?.getAttribute("href")).toBe("https://example.com/cat.png");
    expect(link?.textContent).toBe("a cat");
  });

  it("keeps only language-* classes", () => {
    const html = sanitizeHtml('<code class="language-js x-evil">a</code><span class="evil">b</span>');
    expect(html).toContain('class="language-js"');
    expect(html).not.toContain("x-evil");
    expect(html).not.toContain('class="evil"');
  });
});

describe("renderMarkdown: ordinary markdown survives", () => {
  it("renders fenced code blocks with a language label and a copy button", () => {
    const fragment = renderMarkdown("```rust\nfn main() {}\n```");
    const block = fragment.querySelector(".code-block");
    expect(block).not.toBeNull();
    expect(block?.querySelector(".code-language")?.textContent).toBe("rust");
    expect(block?.querySelector("button.copy-code")).not.toBeNull();
    expect(block?.querySelector("pre code.language-rust")?.textContent).toBe("fn main() {}\n");
  });

  it("renders lists, emphasis, quotes and headings", () => {
    const html = renderMarkdownHtml("# Title\n\n- **one**\n- *two*\n\n1. first\n2. ~~second~~\n\n> quoted\n\n---");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<ul>");
    expect(html).toContain("<strong>one</strong>");
    expect(html).toContain("<em>two</em>");
    expect(html).toContain("<ol>");
    expect(html).toContain("<del>second</del>");
    expect(html).toContain("<blockquote>");
    expect(html).toContain("<hr>");
  });

  it("keeps http, https and mailto links with rel=noopener noreferrer", () => {
    const fragment = renderMarkdown(
      "[site](https://example.com/a?b=1) [plain](http://127.0.0.1:8080) [mail](mailto:a@example.com) https://auto.example.org",
    );
    const links = Array.from(fragment.querySelectorAll("a"));
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://example.com/a?b=1",
      "http://127.0.0.1:8080",
      "mailto:a@example.com",
      "https://auto.example.org",
    ]);
    for (const link of links) {
      expect(link.getAttribute("rel")).toBe("noopener noreferrer");
      expect(link.hasAttribute("target")).toBe(false);
    }
  });

  it("drops relative and unknown-scheme hrefs but keeps the text", () => {
    const fragment = renderMarkdown("[rel](/etc/passwd) [ftp](ftp://x.example) [file](file:///etc/passwd)");
    const links = Array.from(fragment.querySelectorAll("a"));
    expect(links.every((a) => !a.hasAttribute("href"))).toBe(true);
    expect(fragment.textContent).toContain("rel");
    expect(fragment.textContent).toContain("file");
  });

  it("renders tables with alignment", () => {
    const html = renderMarkdownHtml("| a | b |\n|:-:|--:|\n| 1 | 2 |");
    expect(html).toContain("<table>");
    expect(html).toContain("<thead>");
    expect(html).toContain("<tbody>");
    expect(html).toMatch(/<th align="center">a<\/th>/);
    expect(html).toMatch(/<td align="right">2<\/td>/);
  });

  it("renders task lists without form controls", () => {
    const html = renderMarkdownHtml("- [x] done\n- [ ] todo");
    expect(html).not.toContain("<input");
    expect(html).toContain("☑");
    expect(html).toContain("☐");
  });

  it("keeps the start number of an ordered list", () => {
    expect(renderMarkdownHtml("3. three\n4. four")).toContain('<ol start="3">');
  });

  it("keeps single newlines as line breaks", () => {
    expect(renderMarkdownHtml("one\ntwo")).toContain("<br>");
  });

  it("renders an unfinished code fence while streaming", () => {
    const fragment = renderMarkdown("Here:\n\n```js\nconst a = 1;");
    expect(fragment.querySelector("pre code")?.textContent).toContain("const a = 1;");
  });
});

describe("markdown blocks (a reply rendered block by block)", () => {
  it("splits at blank lines outside code fences, keeping lists, quotes and indented code whole", () => {
    expect(markdownBlocks("One.\n\nTwo.\n\n\nThree.")).toEqual(["One.\n", "Two.\n\n", "Three."]);
    expect(markdownBlocks("```js\nlet a;\n\nlet b;\n```\n\nAfter.")).toEqual(["```js\nlet a;\n\nlet b;\n```\n", "After."]);
    expect(markdownBlocks("~~~~\n```\n\nstill code\n~~~~\n\nOut.")).toEqual(["~~~~\n```\n\nstill code\n~~~~\n", "Out."]);
    expect(markdownBlocks("- a\n\n- b\n\n  more of b\n\n1. c\n\n> q\n\n> q2\n\nAfter.")).toEqual(["- a\n\n- b\n\n  more of b\n\n1. c\n\n> q\n\n> q2\n", "After."]);
    expect(markdownBlocks("    code\n\n    more code\n\nText")).toEqual(["    code\n\n    more code\n", "Text"]);
    // An unclosed fence (a reply still streaming its code) keeps everything after it together.
    expect(markdownBlocks("Intro.\n\n```\nopen\n\nstill open")).toEqual(["Intro.\n", "```\nopen\n\nstill open"]);
    expect(markdownBlocks("")).toEqual([""]);
    expect(markdownBlocks("a\n\nb").join("\n")).toBe("a\n\nb");
  });

  it("joined again, the blocks are the text, and rendered they read as the whole does", () => {
    const samples = [
      "# Title\n\nA *paragraph* with `code`.\n\n- one\n- two\n\n  continued\n\n```py\nx = 1\n\ny = 2\n```\n\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nEnd.",
      "Setext\n======\n\nText\nwith breaks\n\n***\n\n1. first\n\n2. second\n\nLast **bold**.",
      "<script>alert(1)</script>\n\n[link](javascript:alert(1))\n\nplain",
    ];
    // Whitespace between block elements differs (marked's own newlines); the words do not.
    const text = (fragment: DocumentFragment | HTMLElement) => (fragment.textContent ?? "").replace(/\s+/g, "");
    for (const sample of samples) {
      const blocks = markdownBlocks(sample);
      expect(blocks.join("\n")).toBe(sample);
      const whole = text(renderMarkdown(sample));
      const root = document.createElement("div");
      for (const block of blocks) root.append(renderMarkdown(block));
      expect(text(root)).toBe(whole);
    }
  });
});

describe("plain paragraphs rendered without marked", () => {
  const plain = [
    "t1«1765104000.123» t2«1765104000.456» ",
    "Hello \"x\" it's {ok} 5 % ^ = + - , ; ? 1. 2. é",
    "trailing spaces   ",
    "tab\tinside",
    "Zürich — naïve façade",
  ];
  const marked = [
    "1. a list", "# heading", "> quote", " indented", "a *b*", "a _b_", "a `b`", "a ~b~", "a [b](c)",
    "a <b>", "a &amp; b", "a \\ b", "a | b", "a www.example.com b", "see http://x.org", "a@b.org",
    "two\nlines", "a !b", "a # b", "", "a $x$ b", "costs $5",
  ];
  it.each(plain)("%j is plain and renders exactly as marked does", (text) => {
    expect(isMarkupFree(text)).toBe(true);
    const direct = document.createElement("div");
    direct.append(renderMarkdown(text));
    expect(direct.innerHTML).toBe(renderMarkdownHtml(text));
  });
  it.each(marked)("%j goes through marked", (text) => {
    expect(isMarkupFree(text)).toBe(false);
  });
});
