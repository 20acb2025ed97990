/**
 * A profile's network path, under the connection drawer's "Advanced": the proxy (from the
 * environment, none, or this proxy with its URL) and the CA certificate files trusted besides
 * the system's (one path per line), for people behind a corporate proxy or using a server with a
 * private certificate authority. Credentials typed in the proxy's URL go to the keychain when
 * the profile is saved; the profile comes back with the URL without them.
 *
 * Must not: save anything or call the controller (it asks the drawer to save the form through
 * `saveEdits`), nor read a certificate file (the core reads them when connecting).
 */

import type { NetworkOptions, ProfileSummary, ProxyChoice } from "../api";
import { field, type Find, setValue } from "./connect-fields";
import { h, show } from "./dom";

type ProxyMode = ProxyChoice["mode"];

const PROXY_MODES: readonly { value: ProxyMode; label: string }[] = [
  { value: "environment", label: "From the environment" },
  { value: "direct", label: "None" },
  { value: "url", label: "This proxy" },
];

/** The paths in the CA field: one per line, blank lines dropped. */
export function caPaths(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** The network options a form's choices make; a proxy without a URL is the environment's. */
export function networkFromForm(mode: ProxyMode, proxyUrl: string, caText: string): NetworkOptions {
  const url = proxyUrl.trim();
  const proxy: ProxyChoice =
    mode === "url" && url !== "" ? { mode: "url", url } : mode === "direct" ? { mode: "direct" } : { mode: "environment" };
  return { proxy, caCertificates: caPaths(caText) };
}

export function createNetworkSettings(): HTMLElement {
  const proxyUrl = h("input", {
    id: "proxy-url", type: "text", spellcheck: false, autocomplete: "off", class: "mono",
    placeholder: "http://proxy.example.com:3128", "aria-describedby": "proxy-url-note", "data-testid": "proxy-url",
  });
  const ca = h("textarea", {
    id: "ca-certificates", rows: 2, spellcheck: false, class: "mono", "aria-describedby": "ca-certificates-note",
    placeholder: "/etc/ssl/private-ca.pem", "data-testid": "ca-certificates",
  });
  // Under "Advanced", outside the form's element but part of it.
  proxyUrl.setAttribute("form", "connect-form");
  ca.setAttribute("form", "connect-form");
  return h("div", { id: "network-settings", class: "network-settings" },
    h("fieldset", { id: "proxy-choice", class: "field choice-group" },
      h("legend", { class: "field-label", text: "Proxy" }),
      h("div", { class: "choice-row segmented" },
        ...PROXY_MODES.map(({ value, label }) => {
          const radio = h("input", { id: `proxy-mode-${value}`, type: "radio", name: "proxy-mode", value, "data-testid": `proxy-mode-${value}` });
          radio.setAttribute("form", "connect-form");
          return h("label", { class: "check", for: `proxy-mode-${value}` }, radio, h("span", { text: label }));
        }),
      ),
    ),
    h("div", { id: "proxy-url-field", hidden: true },
      field("proxy-url", "Proxy URL",
        proxyUrl,
        h("p", { id: "proxy-url-note", class: "field-note", text: "http://host:port or https://host:port. A user name and password in it are kept in the system keychain." }),
      ),
    ),
    field("ca-certificates", h("span", {}, "CA certificate files ", h("span", { class: "label-note", text: "(PEM, one path per line)" })),
      ca,
      h("p", { id: "ca-certificates-note", class: "field-note", text: "Trusted besides the system's certificates, for a server whose certificate comes from a private certificate authority." }),
    ),
  );
}

export interface NetworkSection {
  /** The fields whose changes save the form. */
  readonly inputs: readonly HTMLElement[];
  /** The form's network options. */
  read(): NetworkOptions;
  /** Shows a profile's (the defaults for a new one). */
  fill(profile: ProfileSummary | null): void;
}

export function mountNetworkSettings($: Find, saveEdits: () => void): NetworkSection {
  const radios = PROXY_MODES.map(({ value }) => $<HTMLInputElement>(`proxy-mode-${value}`));
  const proxyUrl = $<HTMLInputElement>("proxy-url");
  const urlField = $("proxy-url-field");
  const ca = $<HTMLTextAreaElement>("ca-certificates");

  const mode = (): ProxyMode => (radios.find((r) => r.checked)?.value as ProxyMode | undefined) ?? "environment";
  const showUrl = (): void => show(urlField, mode() === "url");

  for (const radio of radios) {
    radio.addEventListener("change", () => {
      showUrl();
      if (mode() === "url") {
        proxyUrl.focus();
        // Saved once the URL is typed (a proxy without a URL is none).
        if (proxyUrl.value.trim() === "") return;
      }
      saveEdits();
    });
  }

  return {
    inputs: [proxyUrl, ca],
    read: () => networkFromForm(mode(), proxyUrl.value, ca.value),
    fill(profile) {
      const network = profile?.options.network;
      const proxy: ProxyChoice = network?.proxy ?? { mode: "environment" };
      for (const radio of radios) radio.checked = radio.value === proxy.mode;
      setValue(proxyUrl, proxy.mode === "url" ? proxy.url : "");
      setValue(ca, (network?.caCertificates ?? []).join("\n"));
      showUrl();
    },
  };
}
