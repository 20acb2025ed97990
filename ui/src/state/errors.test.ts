// The error-kind → action mapping (design.md §4) and the banner's wording.

import { describe, expect, it } from "vitest";
import type { ErrorKind, IpcError } from "../api";
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
