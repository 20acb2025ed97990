// The window when the app could not open its data: only the reason, as text, and nothing that
// would call the backend.

import { afterEach, describe, expect, it } from "vitest";
import { createMockApi } from "../dev/mock-api";
import { start } from "../start";

afterEach(() => document.body.replaceChildren());

function root(): HTMLElement {
  const element = document.createElement("div");
  element.id = "app";
  document.body.replaceChildren(element);
  return element;
}

describe("start-up", () => {
  it("shows why the app cannot start, and calls nothing else", async () => {
    const api = createMockApi({ scenario: "damaged", tick: 0, latency: 0 });
    const app = root();
    expect(await start(app, api)).toBeNull();
    expect(api.calls).toEqual(["startupProblem"]);
    expect(app.querySelector("h1")?.textContent).toBe("Switchboard cannot start");
    const message = document.getElementById("startup-problem-message");
    expect(message?.textContent).toContain("switchboard.db is damaged");
    expect(message?.textContent).toContain("Switchboard has left the file as it is");
    expect(app.querySelector("[role=alert]")).not.toBeNull();
    expect(document.activeElement?.getAttribute("data-testid")).toBe("copy-startup-problem");
    expect(document.getElementById("composer")).toBeNull();
  });

  it("shows the message as text, never as markup", async () => {
    const api = createMockApi({ tick: 0, latency: 0, startupProblem: '<img src=x onerror="window.hacked=1">' });
    const app = root();
    await start(app, api);
    expect(app.querySelector("img")).toBeNull();
    expect(document.getElementById("startup-problem-message")?.textContent).toBe('<img src=x onerror="window.hacked=1">');
  });

  it("opens the chat when the app started", async () => {
    const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
    const app = root();
    const controller = await start(app, api);
    expect(controller).not.toBeNull();
    expect(api.calls[0]).toBe("startupProblem");
    expect(api.calls).toContain("listProfiles");
    expect(document.getElementById("startup-problem-message")).toBeNull();
  });
});
