import { describe, expect, it } from "vitest";
import { rovingTarget, setRovingStop, untabbable } from "./roving";
import { h } from "./dom";

describe("roving focus", () => {
  it("moves one row at a time without wrapping, Home and End to the ends", () => {
    expect(rovingTarget(3, 0, "ArrowDown")).toBe(1);
    expect(rovingTarget(3, 2, "ArrowDown")).toBe(2);
    expect(rovingTarget(3, 1, "ArrowUp")).toBe(0);
    expect(rovingTarget(3, 0, "ArrowUp")).toBe(0);
    expect(rovingTarget(3, 1, "Home")).toBe(0);
    expect(rovingTarget(3, 0, "End")).toBe(2);
    expect(rovingTarget(3, 0, "Enter")).toBeNull();
    expect(rovingTarget(0, 0, "ArrowDown")).toBeNull();
  });

  it("leaves exactly one Tab stop: the active row, else the first", () => {
    const rows = [0, 1, 2].map(() => h("button"));
    setRovingStop(rows, rows[1]!);
    expect(rows.map((r) => r.tabIndex)).toEqual([-1, 0, -1]);
    setRovingStop(rows, null);
    expect(rows.map((r) => r.tabIndex)).toEqual([0, -1, -1]);
    setRovingStop(rows, h("button"));
    expect(rows.map((r) => r.tabIndex)).toEqual([0, -1, -1]);
  });

  it("takes a row's own controls out of the Tab order", () => {
    const row = h("div", {}, h("button", { text: "a" }), h("a", { href: "#x", text: "b" }), h("input"));
    untabbable(row);
    expect([...row.querySelectorAll("button, a")].map((e) => (e as HTMLElement).tabIndex)).toEqual([-1, -1]);
    expect(row.querySelector("input")!.tabIndex).toBe(0);
  });
});
