/**
 * "On this computer", at the top of the connection drawer: the "Find local servers" button, a
 * port to probe besides the usual ones (remembered by the backend), what the search found, and
 * an Add button for each server (which saves a profile for it and connects; a server that needs
 * a key is added without connecting, its profile left open for the key).
 *
 * Must not: probe ports or save profiles itself (the controller does), nor touch the form below.
 */

import type { Found } from "../api";
import type { AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { foundIsSaved } from "../state/profile-form";
import { busyButton, type Find, setBusy } from "./connect-fields";
import { h, setData, setText, show } from "./dom";

/** Said when "Find local servers" found nothing. */
export const NO_LOCAL_SERVERS =
  "No local servers found on the usual ports (KoboldCpp 5001, Oobabooga/TabbyAPI 5000, llama.cpp 8080, Ollama 11434, LM Studio 1234, vLLM 8000, Aphrodite 2242) or those you added.";

/** The port field's value as a port, or null when it is empty or not one. */
export function portOf(text: string): number | null {
  const port = Number(text.trim());
  return text.trim() !== "" && Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
}

/** Said while the ports are probed. */
export const SEARCHING_LOCAL_SERVERS = "Looking for servers on this computer…";

export function createLocalServers(): HTMLElement {
  const findServers = busyButton("find-servers", "Find local servers", "button");
  findServers.setAttribute("data-testid", "find-servers");
  return h("section", { id: "local-servers", class: "local-servers", "aria-labelledby": "local-servers-title" },
    h("div", { class: "local-servers-head" },
      h("h4", { id: "local-servers-title", class: "section-title", text: "On this computer" }),
      findServers,
    ),
    h("div", { class: "local-servers-port" },
      h("label", { for: "detect-port", text: "Also look on port" }),
      h("input", {
        id: "detect-port", type: "text", inputmode: "numeric", class: "detect-port", placeholder: "e.g. 11435",
        autocomplete: "off", "data-testid": "detect-port",
      }),
    ),
    h("p", { id: "find-servers-status", class: "field-note", role: "status", "data-testid": "find-servers-status" }),
    h("ul", { id: "found-servers", class: "found-servers", "data-testid": "found-servers", "aria-labelledby": "local-servers-title", hidden: true }),
  );
}

export interface LocalServers {
  render(s: AppState, previous: AppState | null): void;
}

export function mountLocalServers($: Find, controller: Controller): LocalServers {
  const findServers = $<HTMLButtonElement>("find-servers");
  const findStatus = $("find-servers-status");
  const foundList = $<HTMLUListElement>("found-servers");

  const portField = $<HTMLInputElement>("detect-port");
  const find = (): void => void controller.findLocalServers({ addPort: portOf(portField.value) });
  findServers.addEventListener("click", find);
  portField.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      find();
    }
  });

  const foundRow = (server: Found, saved: boolean): HTMLLIElement => {
    const add = h("button", {
      type: "button",
      class: "button found-server-add",
      text: saved ? "Added" : "Add",
      "aria-label": saved ? `${server.profileName}: added`
        : server.needsKey ? `Add ${server.profileName}, then enter its key` : `Add ${server.profileName} and connect`,
      "aria-disabled": saved ? "true" : "false",
      "data-testid": "found-server-add",
    });
    add.addEventListener("click", () => {
      if (add.getAttribute("aria-disabled") === "true") return;
      add.setAttribute("aria-disabled", "true");
      void controller.addFoundServer(server);
    });
    return h("li", { class: "found-server", "data-testid": "found-server", dataset: { source: server.source, url: server.url, needsKey: String(server.needsKey) } },
      h("div", { class: "found-server-text" },
        h("span", { class: "found-server-summary", text: server.summary }),
        h("span", { class: "found-server-url", text: server.url }),
      ),
      add,
    );
  };

  /** The button's spinner, what the search found, and an Add for each. */
  const renderLocalServers = (s: AppState, listChanged: boolean): void => {
    const { status, found } = s.localServers;
    const searching = status === "searching";
    setBusy(findServers, searching);
    setData(findStatus, "state", status);
    const text =
      searching ? SEARCHING_LOCAL_SERVERS
        : status === "failed" ? "Could not look for local servers."
          : status === "done" && found.length === 0 ? NO_LOCAL_SERVERS
            : status === "done" ? `Found ${found.length === 1 ? "a server" : `${found.length} servers`}: add one to connect to it.`
              : "";
    setText(findStatus, text);
    show(foundList, found.length > 0);
    if (!listChanged) return;
    // Keep focus on the same row's button when the list is drawn again (after an Add, say).
    const focusedRow = [...foundList.children].findIndex((row) => row.contains(document.activeElement));
    foundList.replaceChildren(...found.map((server) => foundRow(server, foundIsSaved(server, s.profiles))));
    if (focusedRow >= 0) foundList.children[focusedRow]?.querySelector("button")?.focus();
  };

  return {
    render(s, previous) {
      if (previous === null || s.localServers !== previous.localServers || s.profiles !== previous.profiles) {
        renderLocalServers(
          s,
          previous === null || s.localServers.found !== previous.localServers.found || s.profiles !== previous.profiles,
        );
      }
    },
  };
}
