/** Escaping text for HTML. Must not: do anything else (it is imported by every renderer). */

/** Escapes text for an HTML text node or attribute. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
