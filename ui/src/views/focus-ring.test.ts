// The focus ring keeps at least 3:1 contrast (WCAG 2.2, non-text contrast) against every
// background it can sit on, in the light theme and in the dark theme. The colours are read
// from the style sheets themselves, so changing a variable that breaks this fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const css = (name: string): string => readFileSync(`${import.meta.dirname}/../styles/${name}`, "utf8");

/** The custom properties of the `:root` rules in `text` (the first block found of each). */
function variables(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const block of text.matchAll(/:root\s*{([^}]*)}/g)) {
    for (const [, name, value] of block[1]!.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)) found.set(name!, value!.trim());
  }
  return found;
}

/** `value` in one theme: `light-dark(light, dark)` picks its side, anything else is the same in both. */
function inTheme(value: string, theme: "light" | "dark"): string {
  const pair = /^light-dark\((.*)\)$/.exec(value);
  if (!pair) return value;
  // The comma between the two colours, not one inside rgba(…).
  let depth = 0;
  for (let i = 0; i < pair[1]!.length; i++) {
    const c = pair[1]![i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) return (theme === "light" ? pair[1]!.slice(0, i) : pair[1]!.slice(i + 1)).trim();
  }
  throw new Error(`cannot read ${value}`);
}

/** Each theme's variables: `:root` in base.css and layout.css, each `light-dark()` pair resolved. */
function themes(): { light: Map<string, string>; dark: Map<string, string> } {
  const all = new Map([...variables(css("base.css")), ...variables(css("layout.css"))]);
  expect([...all.values()].some((v) => v.startsWith("light-dark("))).toBe(true);
  const resolve = (theme: "light" | "dark") => new Map([...all].map(([name, value]) => [name, inTheme(value, theme)]));
  return { light: resolve("light"), dark: resolve("dark") };
}

type Rgba = [number, number, number, number];

/** A variable's colour, following `var(--x)` references. */
function colour(vars: Map<string, string>, name: string, depth = 0): Rgba {
  const value = vars.get(name);
  if (value === undefined || depth > 8) throw new Error(`${name} is not defined`);
  const ref = /^var\((--[\w-]+)\)$/.exec(value);
  if (ref) return colour(vars, ref[1]!, depth + 1);
  const hex = /^#([0-9a-f]{6})$/i.exec(value);
  if (hex) {
    const n = parseInt(hex[1]!, 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 1];
  }
  const rgba = /^rgba?\(\s*([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\s*\)$/.exec(value);
  if (rgba) return [Number(rgba[1]), Number(rgba[2]), Number(rgba[3]), rgba[4] === undefined ? 1 : Number(rgba[4])];
  throw new Error(`${name}: cannot read ${value}`);
}

/** `top` painted over the opaque `under`. */
function over(top: Rgba, under: Rgba): Rgba {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i]! * a + under[i]! * (1 - a)).concat(1) as Rgba;
}

function luminance([r, g, b]: Rgba): number {
  const linear = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

export function contrast(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Where a focused control's ring can be drawn: the page and the panels on it. */
const BACKGROUNDS = ["--bg", "--surface", "--surface-2", "--surface-3"];

describe("the focus ring", () => {
  it("computes contrast as WCAG does", () => {
    expect(contrast([0, 0, 0, 1], [255, 255, 255, 1])).toBeCloseTo(21, 5);
    expect(contrast([119, 119, 119, 1], [255, 255, 255, 1])).toBeCloseTo(4.48, 2);
  });

  it("is what :focus-visible draws", () => {
    expect(css("layout.css")).toMatch(/:focus-visible\s*{\s*outline-color:\s*var\(--focus-ring\);/);
  });

  for (const theme of ["light", "dark"] as const) {
    it(`keeps 3:1 against every background in the ${theme} theme`, () => {
      const vars = themes()[theme];
      for (const background of BACKGROUNDS) {
        const under = colour(vars, background);
        const ring = over(colour(vars, "--focus-ring"), under);
        const ratio = contrast(ring, under);
        expect(ratio, `${theme}: --focus-ring on ${background} is ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(3);
      }
    });
  }

  it("would fail with a translucent ring such as the one before (the check can fail)", () => {
    const under = colour(themes().light, "--bg");
    expect(contrast(over([58, 92, 204, 0.55], under), under)).toBeLessThan(3);
  });
});
