// The pages a reply cites, under it: numbered, "title (host)" linking the page, an address that
// is not a web page as text; kept up to date with the version shown and the streamed reply.

import { describe, expect, it } from "vitest";
import type { ChatEvent, SourceLink } from "../api";
import { applyEvent, createGeneration } from "../state/generation";
import { fromGeneration, type UiMessage } from "../state/messages";
import { MessageView } from "./message-view";
import { renderSources, sourceHost } from "./sources-view";

const SOURCES: SourceLink[] = [
  { url: "https://en.wikipedia.org/wiki/Telephone_switchboard", title: "Telephone switchboard - Wikipedia" },
  { url: "https://www.britannica.com/technology/telephone-exchange", title: null },
  { url: "gs://bucket/notes.txt", title: "Notes" },
];

function reply(sources: readonly SourceLink[] | undefined, content = "The first switchboard [1]."): UiMessage {
  return {
    key: "m1",
    id: "m1",
    seq: 1,
    role: "assistant",
    name: null,
    content,
    reasoning: null,
    state: "complete",
    model: "sonar",
    error: null,
    stopReason: null,
    usage: null,
    historyTrimmed: null,
    swipeIndex: 0,
    swipeCount: 1,
    sources,
  };
}

function entries(root: ParentNode): { text: string; href: string | null }[] {
  return [...root.querySelectorAll("[data-testid='message-sources'] li")].map((li) => ({
    text: li.textContent ?? "",
    href: li.querySelector("a")?.getAttribute("href") ?? null,
  }));
}

describe("sources under a reply", () => {
  it("lists them numbered, each title (host) linking its page, other addresses as text", () => {
    const section = renderSources(SOURCES)!;
    expect(section.querySelector("h3")?.textContent).toBe("Sources");
    expect(section.querySelector("ol")).not.toBeNull();
    expect(entries(section)).toEqual([
      { text: "Telephone switchboard - Wikipedia (en.wikipedia.org)", href: SOURCES[0]!.url },
      { text: `${SOURCES[1]!.url} (www.britannica.com)`, href: SOURCES[1]!.url },
      { text: "Notes", href: null },
    ]);
    expect(renderSources([])).toBeNull();
    expect(sourceHost("javascript:alert(1)")).toBeNull();
    expect(sourceHost("not a url")).toBeNull();
    // A title is text, never markup.
    const sneaky = renderSources([{ url: "https://a.example/", title: "<img src=x onerror=alert(1)>" }])!;
    expect(sneaky.querySelector("img")).toBeNull();
    expect(sneaky.querySelector("a")?.textContent).toBe("<img src=x onerror=alert(1)>");
  });

  it("shows the version's sources under the text and follows the version shown", () => {
    const view = new MessageView(reply(SOURCES.slice(0, 2)));
    const section = view.element.querySelector("[data-testid='message-sources']");
    expect(section).not.toBeNull();
    // Under the text, above the toolbar.
    const content = view.element.querySelector(".message-content")!;
    expect(content.compareDocumentPosition(section!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(section!.nextElementSibling?.classList.contains("message-footer")).toBe(true);
    expect(entries(view.element)).toHaveLength(2);

    // The same sources again: the same element.
    view.update(reply(SOURCES.slice(0, 2), "Edited."));
    expect(view.element.querySelector("[data-testid='message-sources']")).toBe(section);
    // Another version with other sources, then one without any.
    view.update(reply([SOURCES[1]!]));
    expect(entries(view.element).map((e) => e.href)).toEqual([SOURCES[1]!.url]);
    view.update(reply([]));
    expect(view.element.querySelector("[data-testid='message-sources']")).toBeNull();
    view.update(reply(undefined));
    expect(view.element.querySelector("[data-testid='message-sources']")).toBeNull();
  });

  it("a streamed reply shows the sources its `sources` event gives, and a continued one keeps its own", () => {
    let generation = createGeneration("local-1", "sonar", "c1");
    const events: ChatEvent[] = [
      { type: "started", generationId: "g", chatId: "c1", messageId: "m1", model: "sonar", text: "", swipeIndex: 0, swipeCount: 1 },
      { type: "delta", text: "The first switchboard [1]." },
      { type: "sources", sources: SOURCES.slice(0, 2) },
      { type: "finished", stopReason: "stop", messageId: "m1" },
    ];
    const view = new MessageView(fromGeneration(generation));
    for (const event of events) {
      generation = applyEvent(generation, event);
      view.update(fromGeneration(generation));
    }
    expect(generation.done).toBe(true);
    expect(entries(view.element).map((e) => e.href)).toEqual(SOURCES.slice(0, 2).map((s) => s.url));

    const continued = createGeneration("local-2", "sonar", "c1", null, {
      action: "continue",
      key: "m1",
      id: "m1",
      seq: 1,
      content: "The first switchboard [1].",
      reasoning: null,
      swipeIndex: 0,
      swipeCount: 1,
      sources: SOURCES.slice(0, 2),
    });
    expect(fromGeneration(continued).sources).toEqual(SOURCES.slice(0, 2));
    const regenerated = createGeneration("local-3", "sonar", "c1", null, {
      action: "regenerate",
      key: "m1",
      id: "m1",
      seq: 1,
      content: "x",
      reasoning: null,
      swipeIndex: 0,
      swipeCount: 1,
      sources: SOURCES.slice(0, 2),
    });
    expect(fromGeneration(regenerated).sources).toEqual([]);
  });
});
