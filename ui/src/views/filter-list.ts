/**
 * A text field that filters a list: the ARIA combobox pattern with a listbox popup under the
 * field. Typing filters and opens the list; ↓/↑ move the active row (`aria-activedescendant`,
 * focus stays in the field), Enter picks the active row (or the first one when none is
 * active), Escape closes the list (and, when it is closed, empties the field); a click picks
 * too. Disabled rows are shown but skipped and cannot be picked.
 *
 * At most {@link MAX_ROWS} rows are drawn, whatever the list's length (a line under them says
 * how many more match), and each change of the text redraws the list once, in one fragment:
 * filtering 500 models costs what drawing 50 rows costs. A group marked `always` is drawn
 * whole, after the others (the "use what I typed" row).
 *
 * Must not: know what the rows are (models, sources), or save anything: it hands the picked
 * value to `onPick`.
 */

import { h } from "./dom";

/** The most rows drawn at once. */
export const MAX_ROWS = 50;

export interface FilterRow {
  value: string;
  label: string;
  /** A second line (id, context, price…). */
  detail?: string;
  disabled?: boolean;
}

export interface FilterRowGroup {
  /** The heading, or null for none. */
  label: string | null;
  rows: FilterRow[];
  /** Drawn whole even past {@link MAX_ROWS}. */
  always?: boolean;
}

/** The field and its popup (the popup is hidden until the list opens). */
export function createFilterField(id: string, props: { label: string; placeholder: string; listLabel: string }): HTMLElement {
  return h("div", { class: "filter-field" },
    h("input", {
      id,
      type: "text",
      class: "filter-input",
      role: "combobox",
      autocomplete: "off",
      spellcheck: false,
      placeholder: props.placeholder,
      "aria-label": props.label,
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": `${id}-list`,
    }),
    h("div", { id: `${id}-popup`, class: "filter-popup", hidden: true },
      h("div", { id: `${id}-list`, class: "filter-list", role: "listbox", "aria-label": props.listLabel }),
      h("p", { id: `${id}-more`, class: "filter-more", hidden: true }),
    ),
  );
}

export interface FilterField {
  readonly input: HTMLInputElement;
  /** Whether the list is open. */
  isOpen(): boolean;
  /** Redraws an open list (its rows changed). */
  refresh(): void;
  close(): void;
}

/**
 * `rows(query)`: the groups to show for the text typed; `onPick(value)`: a row was picked (the
 * field then empties and the list closes).
 */
export function mountFilterField(
  input: HTMLInputElement,
  hooks: { rows: (query: string) => FilterRowGroup[]; onPick: (value: string) => void },
): FilterField {
  const popup = input.parentElement?.querySelector<HTMLElement>(".filter-popup");
  const list = popup?.querySelector<HTMLElement>(".filter-list");
  const more = popup?.querySelector<HTMLElement>(".filter-more");
  if (!popup || !list || !more) throw new Error(`#${input.id} has no popup`);
  /** The rows drawn, in order, with their elements. */
  let drawn: { row: FilterRow; element: HTMLElement }[] = [];
  let active = -1;

  const isOpen = (): boolean => !popup.hidden;

  const setActive = (index: number): void => {
    drawn[active]?.element.setAttribute("aria-selected", "false");
    active = index;
    const current = drawn[active];
    if (!current) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    current.element.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", current.element.id);
    current.element.scrollIntoView?.({ block: "nearest" });
  };

  const draw = (): void => {
    const groups = hooks.rows(input.value);
    const fragment = document.createDocumentFragment();
    drawn = [];
    let budget = MAX_ROWS;
    let hidden = 0;
    const ordered = [...groups.filter((g) => !g.always), ...groups.filter((g) => g.always)];
    for (const [g, group] of ordered.entries()) {
      const shown = group.always ? group.rows : group.rows.slice(0, Math.max(budget, 0));
      if (!group.always) {
        budget -= shown.length;
        hidden += group.rows.length - shown.length;
      }
      if (shown.length === 0) continue;
      const headingId = `${input.id}-group-${g}`;
      const box = group.label === null
        ? h("div", { role: "group" })
        : h("div", { role: "group", "aria-labelledby": headingId },
          h("div", { id: headingId, class: "filter-group-label", role: "presentation", text: group.label }));
      for (const row of shown) {
        const element = h("div", {
          id: `${input.id}-option-${drawn.length}`,
          class: "filter-option",
          role: "option",
          "aria-selected": "false",
          "aria-disabled": row.disabled ? "true" : undefined,
          dataset: { value: row.value },
        },
        h("span", { class: "filter-option-label", text: row.label }),
        row.detail ? h("span", { class: "filter-option-detail", text: row.detail }) : null,
        );
        drawn.push({ row, element });
        box.append(element);
      }
      fragment.append(box);
    }
    list.replaceChildren(fragment);
    more.textContent = hidden > 0 ? `${hidden} more match: type to narrow the list.` : "";
    more.hidden = hidden === 0;
    active = -1;
    input.removeAttribute("aria-activedescendant");
  };

  const open = (): void => {
    draw();
    popup.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };

  const close = (): void => {
    if (!isOpen()) return;
    popup.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    list.replaceChildren();
    drawn = [];
    active = -1;
  };

  const pick = (index: number): void => {
    const entry = drawn[index];
    if (!entry || entry.row.disabled) return;
    input.value = "";
    close();
    hooks.onPick(entry.row.value);
  };

  /** The next enabled row from `from` in `step`'s direction, or `from` when there is none. */
  const nextEnabled = (from: number, step: 1 | -1): number => {
    for (let i = from + step; i >= 0 && i < drawn.length; i += step) {
      if (!drawn[i]?.row.disabled) return i;
    }
    return from;
  };

  input.addEventListener("input", open);
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp": {
        event.preventDefault();
        if (!isOpen()) open();
        const down = event.key === "ArrowDown";
        setActive(nextEnabled(active < 0 && !down ? drawn.length : active, down ? 1 : -1));
        break;
      }
      case "Enter":
        if (!isOpen()) return;
        event.preventDefault();
        pick(active >= 0 ? active : nextEnabled(-1, 1));
        break;
      case "Escape":
        if (isOpen()) close();
        else if (input.value !== "") input.value = "";
        else return;
        event.preventDefault();
        event.stopPropagation();
        break;
      default:
    }
  });
  // A press on the list keeps the focus in the field (so it does not close before the click).
  popup.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const option = (event.target as Element).closest<HTMLElement>("[role=option]");
    if (option) pick(drawn.findIndex((d) => d.element === option));
  });

  return {
    input,
    isOpen,
    refresh() {
      if (isOpen()) draw();
    },
    close,
  };
}
