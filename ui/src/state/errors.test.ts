// The error-kind → action mapping (design.md §4) and the banner's wording.

import { describe, expect, it } from "vitest";
import type { ErrorKind, ErrorReason, IpcError } from "../api";
import { cleanDetail, describeError, errorAction, retryLabel } from "./errors";

describe("errorAction", () => {
  const table: [ErrorKind, string][] = [
    ["auth", "focusKey"],
    ["notConfigured", "openDrawer"],
    ["modelNotFound", "focusModel"],
    ["rateLimited", "retryAfter"],
    ["network", "checkServer"],
    ["providerUnavailable", "retryLater"],
    ["invalidRequest", "showDetail"],
    ["protocol", "showDetail"],
    ["storage", "showDetail"],
    ["secretStore", "showDetail"],
    ["internal", "showDetail"],
    ["cancelled", "ignore"],
  ];

  it.each(table)("%s → %s", (kind, action) => {
    expect(errorAction(kind).type).toBe(action);
  });

  it("carries the retry delay of a rate limit", () => {
    expect(errorAction("rateLimited", 12_000)).toEqual({ type: "retryAfter", ms: 12_000 });
    expect(errorAction("rateLimited", null)).toEqual({ type: "retryAfter", ms: null });
    expect(errorAction("rateLimited")).toEqual({ type: "retryAfter", ms: null });
  });

  it("fails loudly on a kind it does not know", () => {
    expect(() => errorAction("brandNew" as ErrorKind)).toThrow(/Unhandled/);
  });
});

describe("describeError", () => {
  it("asks whether the server is running at the profile's URL", () => {
    const error: IpcError = { kind: "network", message: "Profile “Local”: connection refused." };
    const description = describeError(error, { profileName: "Local", url: "http://127.0.0.1:5001/v1" });
    expect(description.text).toBe("Profile “Local”: connection refused.");
    expect(description.hint).toBe("Is the server running at http://127.0.0.1:5001/v1?");
  });

  it("keeps the message to one line", () => {
    const description = describeError({ kind: "invalidRequest", message: "Bad\nrequest:\n  too long." });
    expect(description.text).toBe("Bad request: too long.");
  });

  it("shows the server's message, never raw JSON", () => {
    const error: IpcError = {
      kind: "invalidRequest",
      message: "The server refused the request (400).",
      detail: '{"error":{"message":"This model\'s maximum context length is 8192 tokens.","type":"invalid_request_error"}}',
    };
    expect(describeError(error).detail).toBe("This model's maximum context length is 8192 tokens.");
  });

  it("has no hint for a rate limit with a delay: the countdown says it", () => {
    expect(describeError({ kind: "rateLimited", message: "Too many requests.", retryAfterMs: 5000 }).hint).toBeNull();
    expect(describeError({ kind: "rateLimited", message: "Too many requests." }).hint).toMatch(/retry/);
  });
});

describe("cleanDetail", () => {
  it("finds the message in common error bodies", () => {
    expect(cleanDetail('{"detail":{"msg":"Model not loaded"}}')).toBe("Model not loaded");
    expect(cleanDetail('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')).toBe("Overloaded");
    expect(cleanDetail('{"detail":"Not Found"}')).toBe("Not Found");
    expect(cleanDetail('[{"message":"first"}]')).toBe("first");
  });

  it("drops JSON with nothing readable, strips HTML and truncates", () => {
    expect(cleanDetail('{"code":500}')).toBeNull();
    expect(cleanDetail("<html><body><h1>502 Bad Gateway</h1></body></html>")).toBe("502 Bad Gateway");
    expect(cleanDetail("x".repeat(1000))?.length).toBe(300);
    expect(cleanDetail(null)).toBeNull();
    expect(cleanDetail("   ")).toBeNull();
  });

  it("keeps plain text that only starts with a brace", () => {
    expect(cleanDetail("{not json")).toBe("{not json");
  });
});

describe("retryLabel", () => {
  it("counts down in whole seconds", () => {
    expect(retryLabel(12_000)).toBe("Retry in 12 s");
    expect(retryLabel(11_001)).toBe("Retry in 12 s");
    expect(retryLabel(0)).toBe("Retry");
    expect(retryLabel(-5)).toBe("Retry");
  });
});

describe("every error the window can show", () => {
  /** CLI commands and options: the window names fields, never these. */
  const CLI_WORDING = /key set|key clear|profile add|profile list|chats list|snapshots list|"models"|--[a-z]|switchboard-cli|\brun\b/i;
  const KINDS: ErrorKind[] = [
    "notConfigured", "auth", "rateLimited", "network", "providerUnavailable", "invalidRequest",
    "modelNotFound", "protocol", "cancelled", "storage", "secretStore", "internal",
  ];
  const REASONS: (ErrorReason | undefined)[] = [
    undefined,
    { type: "missingKey", profile: "Cloud" },
    { type: "missingAdHocKey" },
    { type: "noProfile", name: "Cloud" },
    { type: "noModel" },
    { type: "noChat" },
    { type: "noSnapshot" },
    { type: "urlCredentialsWithKey", profile: "Cloud" },
    { type: "unreachable" },
    ...(["missing", "locked", "timeout", "refused"] as const).map((problem) => ({ type: "keychainUnavailable" as const, problem })),
  ];
  /** The core's own words for each kind, as it now states them (facts only). */
  const MESSAGES: Record<ErrorKind, string> = {
    notConfigured: "Profile \"Cloud\" has no API key, and OpenAI needs one.",
    auth: "Profile \"Cloud\" (https://api.openai.com/v1): the server rejected the API key (HTTP 401: Incorrect API key provided).",
    rateLimited: "Profile \"Cloud\" (https://api.openai.com/v1): rate limited or out of quota (HTTP 429: slow down).",
    network: "Profile \"Local\" (http://127.0.0.1:5001/v1): could not connect (connection refused).",
    providerUnavailable: "Profile \"Local\" (http://127.0.0.1:5001/v1): the server had a problem (HTTP 503: busy).",
    invalidRequest: "Profile \"Local\" (http://127.0.0.1:5001/v1): the server refused the request (HTTP 400: bad).",
    modelNotFound: "Profile \"Local\" (http://127.0.0.1:5001/v1): the server does not offer this model (HTTP 404: no such model).",
    protocol: "Profile \"Local\" (http://127.0.0.1:5001/v1): the server's answer could not be understood (not JSON).",
    cancelled: "Stopped.",
    storage: "The local database failed: disk full.",
    secretStore: "The system keychain did not answer within 10 s. It may be waiting for you to unlock it; unlock it and try again.",
    internal: "The keychain call failed unexpectedly.",
  };
  const sentences = (text: string): string[] =>
    text.split(/(?<=[.?!])\s+/).map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);

  for (const kind of KINDS) {
    for (const reason of REASONS) {
      it(`${kind} ${reason ? JSON.stringify(reason) : "without a reason"}: no CLI wording, no sentence twice`, () => {
        const error: IpcError = { kind, message: MESSAGES[kind], reason, detail: "Incorrect API key provided" };
        const description = describeError(error, { profileName: "Local", url: "http://127.0.0.1:5001/v1" });
        const shown = [description.text, description.hint, description.detail].filter((t): t is string => t !== null);
        for (const text of [description.text, description.hint ?? ""]) expect(text).not.toMatch(CLI_WORDING);
        const all = shown.flatMap(sentences);
        expect(new Set(all).size, all.join(" | ")).toBe(all.length);
        // "Is the server running" is asked once at most, and so is "try again".
        expect(shown.join(" ").match(/server running/gi)?.length ?? 0).toBeLessThanOrEqual(1);
        expect(shown.join(" ").match(/try again/gi)?.length ?? 0).toBeLessThanOrEqual(1);
      });
    }
  }

  it("words a keychain that cannot keep a key: why, how to get one, and the session-only offer", () => {
    const timeout = describeError(
      {
        kind: "secretStore",
        message: "The system keychain did not answer within 10 s.",
        reason: { type: "keychainUnavailable", problem: "timeout" },
      },
      { keyUse: "save" },
    );
    expect(timeout.action).toEqual({ type: "keychain", problem: "timeout" });
    expect(timeout.text).toMatch(/cannot be saved.*locked.*10 seconds/);
    expect(timeout.text).toMatch(/GNOME Keyring.*KeePassXC/);
    expect(timeout.hint).toMatch(/this session only/);
    const missing = describeError({ kind: "secretStore", message: "x", reason: { type: "keychainUnavailable", problem: "missing" } }, { keyUse: "save" });
    expect(missing.text).toMatch(/^This key cannot be saved: no system keychain \(Secret Service\) is running/);
    // A saved key the keychain cannot give back (locked since): said as such.
    const read = describeError({ kind: "secretStore", message: "x", reason: { type: "keychainUnavailable", problem: "timeout" } });
    expect(read.text).toMatch(/^The saved key cannot be read: .*locked.*Unlock it .* and connect again\./);
    expect(read.hint).toMatch(/this session only/);
  });

  it("sends a missing key to the key field and a missing model to the model field", () => {
    const key = describeError({ kind: "notConfigured", message: MESSAGES.notConfigured, reason: { type: "missingKey", profile: "Cloud" } });
    expect(key.action.type).toBe("focusKey");
    expect(key.hint).toBe("Type the key in the API key field.");
    const model = describeError({ kind: "notConfigured", message: "Profile \"Cloud\": no model is set.", reason: { type: "noModel" } });
    expect(model.action.type).toBe("focusModel");
    expect(model.hint).toMatch(/Model field/);
  });
});
