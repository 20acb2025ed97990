// End-to-end tests of how replies are rendered in the real window (registered by run.mjs): TeX
// math typeset by KaTeX (its stylesheet, fonts and inline sizes under the window's CSP) and code
// coloured by highlight.js, in a reply streamed by the fake server.

/** A reply with every math delimiter, prose dollars, bad TeX and a fenced code block. */
const REPLY = [
  "Euler: $e^{i\\pi} + 1 = 0$ and \\(a^2 + b^2 = c^2\\); it costs $5 and $10, not math.",
  "",
  "$$",
  "\\int_0^1 x^2\\,dx = \\frac{1}{3}",
  "$$",
  "",
  "\\[ \\sqrt{2} \\approx 1.414 \\]",
  "",
  "```rust",
  "fn main() {",
  "    let answer: u32 = 42; // the answer",
  '    println!("{answer}");',
  "}",
  "```",
  "",
  "Broken: $\\frac{1}{$ stays as written.",
].join("\n");

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, send,
 *              lastAssistant, connectionState, openDrawer, startFake, cli
 */
export function registerRenderTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, startFake, cli } = h;

  /** Picks the saved profile `name` in the drawer's switcher and waits until it is connected. */
  async function useProfile(browser, name) {
    await openDrawer(browser);
    const id = await until(browser, "the profile in the switcher", () =>
      browser.execute(
        (name) => Array.from(document.querySelectorAll("#profile-switcher option")).find((o) => o.textContent.trim() === name)?.value ?? null,
        name,
      ),
    );
    await (await browser.$("#profile-switcher")).selectByAttribute("value", id);
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
    await browser.keys("Escape");
  }

  test("a reply's math is typeset by KaTeX and its code coloured by highlight.js, with bundled fonts under the CSP", async () => {
    const server = await startFake(["--reply", REPLY]);
    const name = "E2E Render";
    cli(["profile", "add", name, "--source", "custom", "--url", `${server.url}/v1`, "--model", "fake-model-1"]);
    const browser = await openApp();
    try {
      await useProfile(browser, name);
      await send(browser, "math and code please");
      await until(browser, "the reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete";
      });
      const seen = await until(browser, "the math's font loaded", () =>
        browser.executeAsync((done) => {
          const replies = document.querySelectorAll('#messages .message[data-role="assistant"]');
          const reply = replies[replies.length - 1].querySelector(".message-content");
          const katex = Array.from(reply.querySelectorAll(".katex"));
          const strut = reply.querySelector(".katex .katex-strut");
          document.fonts.ready.then(() =>
            done({
              inline: katex.filter((k) => !k.closest(".katex-display")).length,
              display: reply.querySelectorAll(".katex-display").length,
              labels: katex.map((k) => k.getAttribute("aria-label")),
              root: reply.querySelector(".katex-display svg") !== null,
              strutHeight: strut ? getComputedStyle(strut).height : null,
              strutStyle: strut ? strut.style.height : null,
              mathFont: getComputedStyle(reply.querySelector(".katex .mathnormal") ?? reply).fontFamily,
              mainLoaded: document.fonts.check("16px KaTeX_Main") && document.fonts.check("16px KaTeX_Math"),
              fontFaces: Array.from(document.fonts).filter((f) => f.family.includes("KaTeX") && f.status === "loaded").length,
              keywords: Array.from(reply.querySelectorAll("pre code .hljs-keyword"), (k) => k.textContent),
              codeClass: reply.querySelector("pre code")?.className ?? null,
              comment: reply.querySelector("pre code .hljs-comment")?.textContent ?? null,
              number: reply.querySelector("pre code .hljs-number")?.textContent ?? null,
              keywordColour: getComputedStyle(reply.querySelector("pre code .hljs-keyword") ?? reply).color,
              plainColour: getComputedStyle(reply.querySelector("pre code") ?? reply).color,
              badTex: reply.querySelector(".math-error")?.textContent ?? null,
              errorColour: reply.querySelector(".math-error") ? getComputedStyle(reply.querySelector(".math-error")).color : null,
              prose: reply.querySelector("p")?.textContent ?? "",
              stray: reply.querySelectorAll("[style]:not(.katex *):not(.katex)").length + reply.querySelectorAll("[data-katex-style]").length,
            }),
          );
        }).then((result) => (result.mainLoaded && result.fontFaces >= 2 ? result : null)),
      );
      assert(seen.inline === 2, `inline formulas: ${JSON.stringify(seen)}`);
      assert(seen.display === 2, `displayed formulas: ${seen.display}`);
      assert(seen.labels.includes("e^{i\\pi} + 1 = 0") && seen.labels.includes("\\sqrt{2} \\approx 1.414"), `labels: ${seen.labels}`);
      assert(seen.root, "the square root's sign (SVG) did not survive");
      // KaTeX's sizes, applied through the CSSOM: the CSP refuses style attributes.
      assert(/em$/.test(seen.strutStyle ?? "") && seen.strutHeight !== "auto" && seen.strutHeight !== "0px", `strut: ${seen.strutStyle} → ${seen.strutHeight}`);
      assert(seen.mathFont.includes("KaTeX_Math"), `math font: ${seen.mathFont}`);
      assert(seen.fontFaces >= 2, `KaTeX fonts loaded: ${seen.fontFaces}`);
      assert(seen.prose.includes("it costs $5 and $10, not math."), `prose dollars: ${seen.prose}`);
      assert(seen.codeClass === "language-rust hljs", `code class: ${seen.codeClass}`);
      for (const keyword of ["fn", "let"]) assert(seen.keywords.includes(keyword), `keywords: ${seen.keywords}`);
      assert(seen.comment === "// the answer", `comment: ${seen.comment}`);
      assert(seen.number === "42", `number: ${seen.number}`);
      assert(seen.keywordColour !== seen.plainColour, `keywords are not coloured: ${seen.keywordColour}`);
      assert(seen.badTex === "$\\frac{1}{$", `bad TeX: ${seen.badTex}`);
      assert(seen.errorColour !== null && seen.errorColour !== seen.plainColour, `bad TeX not marked: ${seen.errorColour}`);
      assert(seen.stray === 0, `${seen.stray} style attributes outside KaTeX's output or left in transit`);
      await screenshot(browser, "render-math-code");
    } finally {
      await closeApp(browser);
    }
  });
}
