import { describe, expect, it } from "vitest";
import { createLiveRegion, ParagraphAnnouncer } from "./announcer";

function announcer(): { said: string[]; a: ParagraphAnnouncer } {
  const said: string[] = [];
  return { said, a: new ParagraphAnnouncer((text) => said.push(text)) };
}

/** Feeds `text` as deltas of `size` characters, then ends it. */
function stream(a: ParagraphAnnouncer, key: string, text: string, size: number): void {
  for (let end = size; end < text.length + size; end += size) a.update(key, text.slice(0, end), false);
  a.update(key, text, true);
}

describe("the paragraph announcer", () => {
  const reply = "First paragraph,\nstill first.\n\nSecond one.\n\n\nThird and last.";

  it("says each finished paragraph once, whatever the deltas", () => {
    for (const size of [1, 3, 7, reply.length]) {
      const { said, a } = announcer();
      stream(a, "r1", reply, size);
      expect(said, `deltas of ${size}`).toEqual(["First paragraph, still first.", "Second one.", "Third and last."]);
    }
  });

  it("waits for the blank line or the end, not each delta", () => {
    const { said, a } = announcer();
    a.update("r", "Hello", false);
    a.update("r", "Hello wor", false);
    a.update("r", "Hello world.\n", false);
    expect(said).toEqual([]);
    a.update("r", "Hello world.\n\nMore", false);
    expect(said).toEqual(["Hello world."]);
    a.update("r", "Hello world.\n\nMore", true);
    a.update("r", "Hello world.\n\nMore", true);
    expect(said).toEqual(["Hello world.", "More"]);
  });

  it("keeps a code block with blank lines as one paragraph", () => {
    const { said, a } = announcer();
    stream(a, "c", "Look:\n\n```js\nlet a = 1;\n\nlet b = 2;\n```\n\nDone.", 4);
    expect(said).toEqual(["Look:", "let a = 1; let b = 2;", "Done."]);
  });

  it("starts over for a new reply and skips what a continued reply already showed", () => {
    const { said, a } = announcer();
    stream(a, "one", "A.\n\nB.", 2);
    a.update("two", "Old part.\n\nOld", false, "Old part.\n\nOld");
    a.update("two", "Old part.\n\nOld and new.\n\nNew.", true, "Old part.\n\nOld");
    expect(said).toEqual(["A.", "B.", "and new.", "New."]);
  });

  it("says nothing for an empty reply", () => {
    const { said, a } = announcer();
    a.update("e", "", false);
    a.update("e", "  \n\n", true);
    expect(said).toEqual([]);
  });
});

describe("the live region", () => {
  it("is polite and adds a line per announcement, keeping the last few", () => {
    const { element, say } = createLiveRegion();
    expect(element.getAttribute("aria-live")).toBe("polite");
    for (const text of ["1", "2", "3", "4", "5", "6"]) say(text);
    expect([...element.children].map((c) => c.textContent)).toEqual(["3", "4", "5", "6"]);
  });
});
