// The first view in `index.html`: the window's frame (sidebar, header, empty chat, composer) as
// plain HTML, painted as soon as the page is parsed, before the app's script has run, and
// dropped the moment the real window is ready (see `start.ts` and `.first-view` in layout.css).
//
// It is not written by hand: this test builds the real window in its first state and writes what
// it shows into `index.html` between the markers. When the window changes, the test rewrites
// the file and fails once, so the change is committed with it (like the bindings test).

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createMockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";

const INDEX_HTML = `${import.meta.dirname}/../../index.html`;
const START = "<!-- first view: written by src/views/first-view.test.ts from the real window; do not edit -->";
const END = "<!-- end of the first view -->";

/** Attributes that name other elements or act: the copy is for the eye only. */
const DROPPED_ATTRIBUTES = [
  "id", "for", "aria-controls", "aria-labelledby", "aria-describedby", "aria-keyshortcuts", "aria-live",
  "aria-relevant", "aria-expanded", "aria-busy", "aria-label", "role", "tabindex", "title", "data-testid",
  "autocomplete", "spellcheck",
];

/** The window's frame as the first view shows it: no data, nothing hidden, nothing to act on. */
function firstView(): string {
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  const unmount = mountApp(root, new Controller(createMockApi({ latency: 0 })));
  try {
    const parts = [root.querySelector("aside.sidebar"), root.querySelector("main.chat")].map((part) => {
      if (!part) throw new Error("the window has no sidebar or no chat");
      const copy = part.cloneNode(true) as Element;
      // What depends on the data (profiles, chats) is left empty; what is hidden is left out.
      for (const element of copy.querySelectorAll("[hidden], .sr-only, option, .chat-list > *")) element.remove();
      for (const element of [copy, ...copy.querySelectorAll("*")]) {
        for (const name of DROPPED_ATTRIBUTES) element.removeAttribute(name);
      }
      return copy.outerHTML;
    });
    return parts.join("\n");
  } finally {
    unmount();
    document.body.replaceChildren();
  }
}

describe("index.html's first view", () => {
  it("is the real window's first state", () => {
    const html = readFileSync(INDEX_HTML, "utf8");
    const start = html.indexOf(START);
    const end = html.indexOf(END);
    expect(start, `index.html lacks the marker ${START}`).toBeGreaterThan(-1);
    expect(end, `index.html lacks the marker ${END}`).toBeGreaterThan(start);
    const indent = html.slice(html.lastIndexOf("\n", start) + 1, start);
    const wanted = `${START}\n${firstView().split("\n").map((line) => indent + line).join("\n")}\n${indent}${END}`;
    const current = html.slice(start, end + END.length);
    if (current !== wanted) {
      writeFileSync(INDEX_HTML, html.slice(0, start) + wanted + html.slice(end + END.length));
    }
    expect(current, "index.html's first view was out of date and has been rewritten: run the tests again and commit it").toBe(wanted);
  });

  it("names no element the app looks up, so nothing can find the copy instead of the window", () => {
    const html = readFileSync(INDEX_HTML, "utf8");
    const view = html.slice(html.indexOf(START), html.indexOf(END));
    expect(view).not.toMatch(/\sid="/);
    expect(view).not.toMatch(/data-testid=/);
    expect(view).toContain("Start a conversation");
  });
});
