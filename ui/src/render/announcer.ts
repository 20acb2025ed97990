/**
 * Screen readers hear a streamed reply one finished paragraph at a time: `ParagraphAnnouncer`
 * follows the reply's text as it grows and says each paragraph once, when a blank line ends it
 * or the reply ends (never each delta). Blank lines inside a fenced code block do not end a
 * paragraph. `createLiveRegion` is the polite live region (`#reply-announcer`) it speaks
 * through: each announcement is a new line in it (older lines are dropped), so two paragraphs
 * finished in one frame are both heard.
 *
 * Must not: read the store or the DOM of the conversation; it is handed the text.
 */

import { h } from "../views/dom";

/** Lines kept in the live region (older ones are removed, which is not announced). */
const KEPT_LINES = 4;

export class ParagraphAnnouncer {
  private key: string | null = null;
  /** Where the paragraph not yet finished starts in the text. */
  private consumed = 0;
  /** Whether `consumed` is inside a fenced code block. */
  private inFence = false;
  /** The lines of the paragraph not yet finished, up to `scanned`. */
  private pending: string[] = [];
  /** How far the text has been read (always at a line's start). */
  private scanned = 0;
  private finished = false;

  constructor(private readonly say: (text: string) => void) {}

  /**
   * The reply `key` now reads `text`; `done`: it ended (its last paragraph is finished too).
   * A new key starts over. `alreadyShown`: text the reply began with (a continued reply),
   * not announced again.
   */
  update(key: string, text: string, done: boolean, alreadyShown = ""): void {
    if (key !== this.key) {
      this.key = key;
      this.consumed = 0;
      this.scanned = 0;
      this.inFence = false;
      this.pending = [];
      this.finished = false;
      if (alreadyShown !== "" && text.startsWith(alreadyShown)) {
        this.scanned = this.consumed = alreadyShown.length;
      }
    }
    if (this.finished) return;
    if (text.length < this.scanned) {
      // The text was replaced (not grown): read it again from its start, saying nothing twice.
      this.scanned = this.consumed = Math.min(this.consumed, text.length);
      this.pending = [];
    }
    let at = this.scanned;
    for (let end = text.indexOf("\n", at); end !== -1; end = text.indexOf("\n", at)) {
      this.line(text.slice(at, end));
      at = end + 1;
    }
    this.scanned = at;
    if (done) {
      this.line(text.slice(at));
      this.flush();
      this.finished = true;
    }
  }

  private line(line: string): void {
    if (/^\s*(```|~~~)/.test(line)) {
      this.inFence = !this.inFence;
      this.pending.push(line);
      return;
    }
    if (!this.inFence && line.trim() === "") this.flush();
    else this.pending.push(line);
  }

  private flush(): void {
    const paragraph = spoken(this.pending);
    this.pending = [];
    if (paragraph !== "") this.say(paragraph);
  }
}

/** A paragraph's lines as they are read out: code fences dropped, spaces collapsed. */
function spoken(lines: readonly string[]): string {
  return lines
    .filter((line) => !/^\s*(```|~~~)/.test(line))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The polite live region the announcer speaks through, and the function that speaks. */
export function createLiveRegion(): { element: HTMLElement; say: (text: string) => void } {
  const element = h("div", {
    id: "reply-announcer",
    class: "sr-only",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-atomic": "false",
    "data-testid": "reply-announcer",
  });
  const say = (text: string): void => {
    element.append(h("p", { text }));
    while (element.childElementCount > KEPT_LINES) element.firstElementChild?.remove();
  };
  return { element, say };
}
