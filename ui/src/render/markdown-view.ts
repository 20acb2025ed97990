/** A reply's rendered markdown, kept up to date block by block. */

import { markdownBlocks, renderMarkdown } from "../markdown";

/**
 * Keeps `root` showing rendered markdown, one wrapper (`.md-block`, laid out as if absent) per
 * block of `markdownBlocks`: setting a longer text re-renders only the blocks that changed.
 */
export class MarkdownView {
  private blocks: string[] = [];
  private readonly wrappers: HTMLElement[] = [];

  constructor(private readonly root: HTMLElement) {}

  /** Shows `text`. */
  set(text: string): void {
    const next = markdownBlocks(text);
    let same = 0;
    while (same < this.blocks.length && same < next.length && this.blocks[same] === next[same]) same++;
    for (const wrapper of this.wrappers.splice(same)) wrapper.remove();
    this.blocks = this.blocks.slice(0, same);
    for (const block of next.slice(same)) {
      const wrapper = document.createElement("div");
      wrapper.className = "md-block";
      wrapper.append(renderMarkdown(block));
      this.root.append(wrapper);
      this.wrappers.push(wrapper);
      this.blocks.push(block);
    }
  }
}
