/**
 * Whether and how a link from a reply opens: only `http:`, `https:` and `mailto:` links open, and
 * always in the system browser (the backend checks the kind again, and the window itself never
 * navigates). A link whose text is not its own address opens only after the person has seen where
 * it really goes: its host (a mail link's address), so "[your bank](https://evil.example)" cannot
 * pass for something else.
 *
 * Pure: no DOM, no backend. The controller acts on the decision.
 */

/** What to do with a clicked link. */
export type LinkDecision =
  | { readonly action: "refuse"; readonly reason: string }
  /** The text is the address: open at once. */
  | { readonly action: "open"; readonly url: string }
  /** The text says something else: show `destination` and open only when confirmed. */
  | { readonly action: "confirm"; readonly url: string; readonly destination: string };

/** The kinds of link that open. */
export const OPENABLE_SCHEMES: readonly string[] = ["http:", "https:", "mailto:"];

/** Decides what a click on a link with address `href` and visible `text` does. */
export function decideLink(href: string, text: string): LinkDecision {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return { action: "refuse", reason: `“${shorten(href)}” is not a link.` };
  }
  if (!OPENABLE_SCHEMES.includes(url.protocol)) {
    return { action: "refuse", reason: `Links of the kind “${shorten(url.protocol)}” are not opened.` };
  }
  const destination = destinationOf(url);
  if (destination === "") return { action: "refuse", reason: `“${shorten(href)}” does not say where it goes.` };
  if (textIsAddress(text, url)) return { action: "open", url: url.href };
  return { action: "confirm", url: url.href, destination };
}

/**
 * Where a link goes, as people check it: the host with its port for web links (international
 * names in their `xn--` form, which cannot imitate another name), the recipients for mail links.
 */
export function destinationOf(url: URL): string {
  if (url.protocol === "mailto:") {
    try {
      return decodeURIComponent(url.pathname);
    } catch {
      return url.pathname;
    }
  }
  return url.host;
}

/**
 * Whether `text`, read as an address, is `url` itself: written in full, or without its scheme
 * (`example.com/a`, `someone@example.com`), as automatic links are.
 */
export function textIsAddress(text: string, url: URL): boolean {
  const written = text.trim();
  if (written === "" || /\s/.test(written)) return false;
  const readings = [written];
  if (!/^[a-z][a-z0-9+.-]*:/i.test(written)) {
    readings.push(url.protocol === "mailto:" ? `mailto:${written}` : `${url.protocol}//${written}`);
  }
  return readings.some((reading) => {
    try {
      return new URL(reading).href === url.href;
    } catch {
      return false;
    }
  });
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
