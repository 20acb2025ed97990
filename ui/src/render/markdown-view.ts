/**
 * A reply's rendered markdown, kept up to date block by block.
 *
 * Must not: render a block again that did not change (a streaming reply's finished blocks
 * keep their nodes; the one exception: a block rendered before KaTeX and highlight.js were
 * loaded is rendered once more when they are), or typeset an unfinished construct while it
 * streams.
 */

import { isMarkupFree, markdownBlocks, renderMarkdown, unfinished } from "../markdown";
import { loadLibraries, provisionalRenders } from "./libraries";

/**
 * The longest open block re-rendered as markdown on every frame while a reply streams; past it
 * the block shows as plain text, appended to, until it closes or the reply ends (a block of
 * this size parses in about 15 ms in this webview, and the cost grows with its square).
 */
export const PLAIN_AFTER = 12 * 1024;

/**
 * How a block is shown: rendered markdown, plain text (the open block while it is long or
 * unfinished), or plain text for now, rendered in a later frame (`deferred`).
 */
type Mode = "markdown" | "plain" | "deferred";

/**
 * Keeps `root` showing rendered markdown, one wrapper (`.md-block`, laid out as if absent) per
 * block of `markdownBlocks`: setting a longer text re-renders only the blocks that changed.
 */
export class MarkdownView {
  private blocks: string[] = [];
  private modes: Mode[] = [];
  private readonly wrappers: HTMLElement[] = [];
  /** Wrappers of blocks rendered without KaTeX or highlight.js, to render again once loaded. */
  private readonly provisional = new Set<HTMLElement>();
  private deferredScheduled = false;

  /**
   * How long (ms) one update of a streaming reply may spend rendering finished blocks; the
   * blocks left then show as plain text and are rendered in the next frames, a budget's worth
   * each (a burst of text can finish hundreds of blocks at once). The open block always renders.
   */
  static renderBudgetMs = 8;

  constructor(private readonly root: HTMLElement) {}

  /**
   * `markdownBlocks(text)`; when `text` only grew, just its part from the next-to-last block on
   * is split again. A block starts outside any code fence, and the boundary before a block is
   * settled once that block's first line is complete, which it is when another block follows.
   */
  private blocksOf(text: string): string[] {
    const settled = this.blocks.slice(0, -2);
    const offset = settled.reduce((sum, block) => sum + block.length + 1, 0);
    const previous = this.blocks.length > 0 ? this.blocks.join("\n") : null;
    if (previous === null || settled.length === 0 || !text.startsWith(previous)) return markdownBlocks(text);
    return [...settled, ...markdownBlocks(text.slice(offset))];
  }

  /**
   * Shows `text`; `streaming`: it may still grow at its end. While it streams, its last block
   * shows as plain text when it is long (`PLAIN_AFTER`) or holds an unfinished code fence or
   * display math (`unfinished`): typeset once it is closed, or when the reply ends.
   */
  set(text: string, streaming = false): void {
    const next = this.blocksOf(text);
    const last = next.length - 1;
    const open = next[last] ?? "";
    const lastMode: Mode = streaming && (open.length > PLAIN_AFTER || unfinished(open)) ? "plain" : "markdown";
    const modeOf = (i: number): Mode => (i === last ? lastMode : "markdown");
    // A plain paragraph looks the same in both modes, so a reply's end leaves it as it is.
    // A deferred block is left to the frames that render it.
    const shownAlike = (i: number): boolean =>
      this.blocks[i] === next[i] &&
      (this.modes[i] === modeOf(i) || (this.modes[i] === "deferred" && modeOf(i) === "markdown") || isMarkupFree(next[i] ?? ""));
    let same = 0;
    while (same < this.blocks.length && same < next.length && shownAlike(same)) {
      if (this.modes[same] !== modeOf(same) && this.modes[same] !== "deferred") this.modes[same] = modeOf(same);
      same++;
    }
    // The open block, shown as plain text, only grew: append what is new. So too when the reply
    // ends with more text in a plain paragraph, which both modes show alike.
    const grown = next[same] ?? "";
    const shown = this.blocks[same] ?? "";
    const plainText = this.wrappers[same]?.firstElementChild?.firstChild;
    if (
      same === last &&
      same === this.blocks.length - 1 &&
      this.modes[same] === "plain" &&
      grown.startsWith(shown) &&
      plainText instanceof Text &&
      (modeOf(same) === "plain"
        ? isMarkupFree(grown) === isMarkupFree(shown)
        : isMarkupFree(shown) && isMarkupFree(grown))
    ) {
      plainText.appendData(grown.slice(shown.length));
      this.blocks[same] = grown;
      this.modes[same] = modeOf(same);
      return;
    }
    for (const wrapper of this.wrappers.splice(same)) wrapper.remove();
    this.blocks = this.blocks.slice(0, same);
    this.modes = this.modes.slice(0, same);
    const started = performance.now();
    for (let i = same; i < next.length; i++) {
      const block = next[i] ?? "";
      let mode = modeOf(i);
      const late = performance.now() - started > MarkdownView.renderBudgetMs;
      if (streaming && late && mode === "markdown" && i < last && !isMarkupFree(block)) mode = "deferred";
      const wrapper = this.renderBlock(block, mode);
      this.root.append(wrapper);
      this.wrappers.push(wrapper);
      this.blocks.push(block);
      this.modes.push(mode);
    }
    if (this.modes.includes("deferred")) this.renderDeferredSoon();
  }

  /** Renders the deferred blocks in the next frames, in order, a budget's worth (at least one) each. */
  private renderDeferredSoon(): void {
    if (this.deferredScheduled) return;
    this.deferredScheduled = true;
    requestAnimationFrame(() => {
      this.deferredScheduled = false;
      const started = performance.now();
      let rendered = 0;
      for (let i = 0; i < this.modes.length; i++) {
        if (this.modes[i] !== "deferred") continue;
        if (rendered > 0 && performance.now() - started > MarkdownView.renderBudgetMs) {
          this.renderDeferredSoon();
          return;
        }
        const fresh = this.renderBlock(this.blocks[i] ?? "", "markdown");
        this.wrappers[i]?.replaceWith(fresh);
        this.wrappers[i] = fresh;
        this.modes[i] = "markdown";
        rendered++;
      }
    });
  }

  /** One block's wrapper, its content rendered as `mode` says. */
  private renderBlock(block: string, mode: Mode): HTMLElement {
    const wrapper = document.createElement("div");
    wrapper.className = "md-block";
    if (mode === "plain" && isMarkupFree(block)) {
      wrapper.append(renderMarkdown(block));
    } else if (mode !== "markdown") {
      const paragraph = document.createElement("p");
      paragraph.className = "md-plain";
      paragraph.append(document.createTextNode(block));
      wrapper.append(paragraph);
    } else {
      const before = provisionalRenders();
      wrapper.append(renderMarkdown(block));
      if (provisionalRenders() !== before) this.renderWhenLoaded(wrapper);
    }
    return wrapper;
  }

  /** Renders `wrapper`'s block again once the libraries are loaded, if it is still shown. */
  private renderWhenLoaded(wrapper: HTMLElement): void {
    this.provisional.add(wrapper);
    if (this.provisional.size > 1) return;
    void loadLibraries().then(() => {
      for (const waiting of this.provisional) {
        const i = this.wrappers.indexOf(waiting);
        if (i < 0 || this.modes[i] !== "markdown") continue;
        const fresh = this.renderBlock(this.blocks[i] ?? "", "markdown");
        waiting.replaceWith(fresh);
        this.wrappers[i] = fresh;
      }
      this.provisional.clear();
    });
  }
}
