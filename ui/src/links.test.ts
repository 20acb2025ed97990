import { describe, expect, it } from "vitest";
import { decideLink, destinationOf, textIsAddress } from "./links";

describe("decideLink", () => {
  it("opens http, https and mailto links whose text is their address at once", () => {
    for (const [href, text] of [
      ["https://example.com/", "https://example.com/"],
      ["https://example.com/", "https://example.com"],
      ["http://example.com/a?b=c#d", "http://example.com/a?b=c#d"],
      ["https://example.com/path", "example.com/path"],
      ["http://www.example.com", "www.example.com"],
      ["https://EXAMPLE.com/", "https://example.COM"],
      ["mailto:someone@example.com", "someone@example.com"],
      ["mailto:someone@example.com", "mailto:someone@example.com"],
      ["https://example.com/", "  https://example.com/\n"],
    ]) {
      expect(decideLink(href!, text!), `${href} / ${text}`).toEqual({ action: "open", url: new URL(href!).href });
    }
  });

  it("shows the host first when the text is not the address", () => {
    for (const [href, text, destination] of [
      ["https://evil.example/login", "your bank", "evil.example"],
      ["https://evil.example/login", "https://bank.example/login", "evil.example"],
      ["https://evil.example/", "bank.example", "evil.example"],
      ["https://bank.example.evil.example/", "https://bank.example/", "bank.example.evil.example"],
      ["https://example.com/other", "https://example.com/", "example.com"],
      ["http://example.com/", "https://example.com/", "example.com"],
      ["https://example.com:8443/", "https://example.com/", "example.com:8443"],
      ["https://user@example.com/", "https://example.com/", "example.com"],
      ["https://bank.example@evil.example/", "https://bank.example/", "evil.example"],
      ["https://example.com/", "", "example.com"],
      ["https://example.com/", "example .com", "example.com"],
      ["https://аpple.example/", "apple.example", "xn--pple-43d.example"],
      ["mailto:thief@evil.example", "support@bank.example", "thief@evil.example"],
      ["mailto:a@example.com,b@evil.example", "a@example.com", "a@example.com,b@evil.example"],
    ]) {
      expect(decideLink(href!, text!), `${href} / ${text}`).toEqual({
        action: "confirm",
        url: new URL(href!).href,
        destination,
      });
    }
  });

  it("refuses every other kind of link, whatever its text says", () => {
    for (const href of [
      "javascript:alert(1)",
      " JavaScript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "file:///etc/passwd",
      "tauri://localhost/",
      "ipc://localhost/open_external",
      "blob:https://example.com/1",
      "ftp://example.com/",
      "ws://example.com/",
      "about:blank",
      "vbscript:msgbox(1)",
      "smb://host/share",
    ]) {
      const decision = decideLink(href, href);
      expect(decision.action, href).toBe("refuse");
    }
    expect(decideLink("file:///etc/passwd", "x")).toEqual({ action: "refuse", reason: "Links of the kind “file:” are not opened." });
  });

  it("refuses what is not a link or does not say where it goes", () => {
    expect(decideLink("/relative/path", "x")).toMatchObject({ action: "refuse", reason: "“/relative/path” is not a link." });
    expect(decideLink("example.com", "example.com").action).toBe("refuse");
    expect(decideLink("", "").action).toBe("refuse");
    expect(decideLink("mailto:", "mailto:").action).toBe("refuse");
    expect(decideLink(`not a link ${"x".repeat(200)}`, "x")).toMatchObject({ reason: expect.stringMatching(/^“not a link x+…” is not a link\.$/) });
  });
});

describe("destinationOf", () => {
  it("is the host with its port, or a mail link's recipients", () => {
    expect(destinationOf(new URL("https://example.com:8080/a"))).toBe("example.com:8080");
    expect(destinationOf(new URL("https://example.com:443/a"))).toBe("example.com");
    expect(destinationOf(new URL("http://[::1]:5001/"))).toBe("[::1]:5001");
    expect(destinationOf(new URL("mailto:a%40b@example.com?subject=hi"))).toBe("a@b@example.com");
  });
});

describe("textIsAddress", () => {
  it("reads the text without a scheme with the link's own scheme", () => {
    expect(textIsAddress("example.com", new URL("https://example.com"))).toBe(true);
    expect(textIsAddress("example.com", new URL("http://example.com"))).toBe(true);
    expect(textIsAddress("localhost:8080", new URL("http://localhost:8080/"))).toBe(false);
  });
});
