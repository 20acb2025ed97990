/**
 * The pages a reply cites, under it: a "Sources" heading and a numbered list, each entry the
 * page's title (its address when it has none) linking the page, then its host in brackets —
 * "1. Telephone switchboard (en.wikipedia.org)". The links open in the system browser through
 * the window's link guard (`views/app-view.ts`), as links in a reply do: the host is shown first,
 * since a title is not the address.
 *
 * Element contract (end-to-end tests rely on it): `section.message-sources` with
 * `data-testid="message-sources"`, its `ol` of `li.message-source`, each with
 * `a.source-link[href]` (http and https pages only; another address is shown as text) and
 * `span.source-host`.
 *
 * Must not: open a link itself, call the backend, or render a title as HTML.
 */

import type { SourceLink } from "../api";
import { h } from "../views/dom";

/** The host of a web address (`en.wikipedia.org`), or null when it is not an http(s) one. */
export function sourceHost(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    return parsed.host || null;
  } catch {
    return null;
  }
}

/** What a source is called in the list: its title, else its address. */
export function sourceLabel(source: SourceLink): string {
  const title = source.title?.trim();
  return title ? title : source.url;
}

/** A key that changes when the list would look different. */
export function sourcesKey(sources: readonly SourceLink[]): string {
  return JSON.stringify(sources.map((s) => [s.url, s.title ?? null]));
}

/** The "Sources" section for `sources`, or null when there are none. */
export function renderSources(sources: readonly SourceLink[]): HTMLElement | null {
  if (sources.length === 0) return null;
  const items = sources.map((source) => {
    const host = sourceHost(source.url);
    const label = sourceLabel(source);
    const name = host
      ? h("a", { class: "source-link", href: source.url, text: label, title: source.url })
      : h("span", { class: "source-text", text: label });
    return h("li", { class: "message-source" }, name, host ? " " : null, host ? h("span", { class: "source-host", text: `(${host})` }) : null);
  });
  return h(
    "section",
    { class: "message-sources", "data-testid": "message-sources", "aria-label": "Sources" },
    h("h3", { class: "message-sources-heading", text: "Sources" }),
    h("ol", { class: "message-sources-list" }, ...items),
  );
}
