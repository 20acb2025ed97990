// A profile's proxy and CA certificate files under the drawer's Advanced, in jsdom against the
// in-memory backend (the real window reaching a server through a proxy is tests/e2e/network.mjs's).

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";
import { caPaths, networkFromForm } from "./connect-network";

let unmount: (() => void) | null = null;

async function mount() {
  const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
  const controller = new Controller(api);
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  return { controller };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
};

function choose(radio: HTMLInputElement): void {
  radio.checked = true;
  radio.dispatchEvent(new Event("change", { bubbles: true }));
}

function type(input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

describe("the network options a form makes", () => {
  it("take one CA path per line, blank lines and spaces dropped", () => {
    expect(caPaths("  /a.pem \n\n/b c.pem\n")).toEqual(["/a.pem", "/b c.pem"]);
  });

  it("are the environment's proxy for “This proxy” without a URL", () => {
    expect(networkFromForm("url", "  ", "").proxy).toEqual({ mode: "environment" });
    expect(networkFromForm("url", " http://p:3128 ", "").proxy).toEqual({ mode: "url", url: "http://p:3128" });
    expect(networkFromForm("direct", "http://p:3128", "/ca.pem")).toEqual({ proxy: { mode: "direct" }, caCertificates: ["/ca.pem"] });
  });
});

describe("the drawer's proxy and CA files", () => {
  it("are under Advanced, show the profile's, and are saved with it", async () => {
    const { controller } = await mount();
    const id = controller.store.get().selectedProfileId!;
    const saved = () => controller.store.get().profiles.find((p) => p.id === id)?.options.network;
    expect($("drawer-advanced").contains($("proxy-choice"))).toBe(true);
    expect($<HTMLInputElement>("proxy-mode-environment").checked).toBe(true);
    expect($("proxy-url-field").hidden).toBe(true);

    choose($<HTMLInputElement>("proxy-mode-url"));
    expect($("proxy-url-field").hidden).toBe(false);
    // Not saved before there is a URL.
    expect(saved()?.proxy).toEqual({ mode: "environment" });
    type($<HTMLInputElement>("proxy-url"), "http://proxy.example.com:3128");
    await vi.waitFor(() => expect(saved()?.proxy).toEqual({ mode: "url", url: "http://proxy.example.com:3128" }));

    type($<HTMLTextAreaElement>("ca-certificates"), "/etc/ssl/corp-ca.pem\n/etc/ssl/lab-ca.pem");
    await vi.waitFor(() => expect(saved()?.caCertificates).toEqual(["/etc/ssl/corp-ca.pem", "/etc/ssl/lab-ca.pem"]));

    // Shown again when the profile is reopened; a new profile starts from the environment's.
    await controller.selectProfile(null);
    expect($<HTMLInputElement>("proxy-mode-environment").checked).toBe(true);
    expect($<HTMLTextAreaElement>("ca-certificates").value).toBe("");
    await controller.selectProfile(id);
    expect($<HTMLInputElement>("proxy-mode-url").checked).toBe(true);
    expect($<HTMLInputElement>("proxy-url").value).toBe("http://proxy.example.com:3128");
    expect($<HTMLTextAreaElement>("ca-certificates").value).toBe("/etc/ssl/corp-ca.pem\n/etc/ssl/lab-ca.pem");

    choose($<HTMLInputElement>("proxy-mode-direct"));
    await vi.waitFor(() => expect(saved()?.proxy).toEqual({ mode: "direct" }));
    expect($("proxy-url-field").hidden).toBe(true);
  });
});
