/**
 * Small DOM helpers: build elements in code instead of HTML strings.
 *
 * The CSP forbids inline styles and scripts, so nothing here ever writes `style=` or `on…=`
 * attributes; event handlers are attached with `addEventListener`.
 */

type Child = Node | string | null | undefined | false;

/** Properties and attributes for `h`. */
export interface Props {
  /** `class` attribute. */
  class?: string;
  /** Text content. */
  text?: string;
  /** `data-*` attributes, keys in camelCase. */
  dataset?: Record<string, string>;
  /** Event listeners. */
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
  /** Anything else: DOM properties when the element has one of that name, else attributes. */
  [name: string]: unknown;
}

/** Creates an element: `h("button", { id: "send", type: "submit", text: "Send" })`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    switch (name) {
      case "class":
        element.className = String(value);
        break;
      case "text":
        element.textContent = String(value);
        break;
      case "dataset":
        Object.assign(element.dataset, value);
        break;
      case "on":
        for (const [type, listener] of Object.entries(value as Record<string, EventListener>)) {
          element.addEventListener(type, listener);
        }
        break;
      default:
        if (name.startsWith("aria-") || name.startsWith("data-") || name === "role" || name === "for") {
          element.setAttribute(name, value === true ? "true" : String(value));
        } else if (name in element) {
          (element as unknown as Record<string, unknown>)[name] = value;
        } else {
          element.setAttribute(name, value === true ? "" : String(value));
        }
    }
  }
  append(element, ...children);
  return element;
}

/** Appends children, skipping empty ones and turning strings into text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Finds a required element by id (a programming error when missing). */
export function byId<T extends HTMLElement = HTMLElement>(id: string, root: ParentNode = document): T {
  const element = root.querySelector<T>(`#${id}`);
  if (!element) throw new Error(`#${id} is missing`);
  return element;
}

/** Sets text only when it changed (keeps selection and avoids needless layout). */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Shows or hides an element with the `hidden` attribute. */
export function show(element: HTMLElement, visible: boolean): void {
  if (element.hidden === visible) element.hidden = !visible;
}

/** Sets a `data-*` attribute only when it changed. */
export function setData(element: HTMLElement, key: string, value: string): void {
  if (element.dataset[key] !== value) element.dataset[key] = value;
}

/** A visually hidden label text for screen readers. */
export function srOnly(text: string): HTMLSpanElement {
  return h("span", { class: "sr-only", text });
}

/** Whether the window is in its narrow, one-column layout. */
export function isNarrow(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia("(max-width: 900px)").matches;
}

/** Copies text with the async clipboard API, falling back to a selection copy. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Older WebKit, or the clipboard permission refused: copy through a hidden selection.
    const area = h("textarea", { class: "sr-only", readOnly: true, value: text, "aria-hidden": "true" });
    document.body.append(area);
    area.select();
    const copied = document.execCommand?.("copy") ?? false;
    area.remove();
    return copied;
  }
}

/** Copies text to the clipboard and briefly says so on the button. */
export async function copyWithFeedback(button: HTMLButtonElement, text: string): Promise<void> {
  const label = button.dataset.label ?? button.textContent ?? "";
  button.dataset.label = label;
  if (await copyText(text)) {
    button.textContent = "Copied";
    button.dataset.copied = "true";
  } else {
    button.textContent = "Copy failed";
  }
  window.setTimeout(() => {
    button.textContent = label;
    delete button.dataset.copied;
  }, 1500);
}
