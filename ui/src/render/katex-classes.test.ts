// The class names the sanitiser lets KaTeX's output keep are exactly those KaTeX's stylesheet
// styles (a class no rule names changes nothing on screen): ui/src/generated/katex-classes.ts is
// written from node_modules/katex/dist/katex.css, and this fails once when it was stale.

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const GENERATED = `${import.meta.dirname}/../generated/katex-classes.ts`;
const STYLESHEET = `${import.meta.dirname}/../../node_modules/katex/dist/katex.css`;

/** The class names in a stylesheet's selectors (not in its URLs or numbers). */
function classNames(css: string): string[] {
  const selectors = css.replace(/url\([^)]*\)/g, "").replace(/\{[^}]*\}/g, "{}");
  return [...new Set(Array.from(selectors.matchAll(/\.(-?[_a-zA-Z][\w-]*)/g), (m) => m[1] ?? ""))].sort();
}

function generated(names: string[]): string {
  const lines = [];
  let line = " ";
  for (const name of names) {
    const item = ` ${JSON.stringify(name)},`;
    if (line.length + item.length > 100) {
      lines.push(line);
      line = " ";
    }
    line += item;
  }
  if (line.trim() !== "") lines.push(line);
  return [
    "// Generated from KaTeX's stylesheet by src/render/katex-classes.test.ts; do not edit.",
    "// Regenerate with `npx vitest run src/render/katex-classes.test.ts` (after a KaTeX upgrade).",
    "",
    "/** The class names KaTeX's stylesheet styles: the only ones its output keeps when sanitised. */",
    "export const KATEX_CLASSES: ReadonlySet<string> = new Set([",
    ...lines,
    "]);",
    "",
  ].join("\n");
}

describe("KaTeX's class names", () => {
  it("are the ones its stylesheet styles", () => {
    const names = classNames(readFileSync(STYLESHEET, "utf8"));
    expect(names).toContain("katex");
    expect(names).toContain("katex-display");
    expect(names).toContain("vlist-t");
    const wanted = generated(names);
    const current = readFileSync(GENERATED, "utf8");
    if (current !== wanted) writeFileSync(GENERATED, wanted);
    expect(current, "generated/katex-classes.ts was out of date and has been rewritten: run the tests again and commit it").toBe(wanted);
  });
});
