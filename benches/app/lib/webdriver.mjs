// A minimal W3C WebDriver client over fetch (Node 20): just what the benchmarks need, so they
// depend on nothing outside Node. Talks to tauri-driver, which starts WebKitWebDriver, which
// starts the app.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** Keys of the WebDriver key table. */
export const Keys = { Enter: "\uE007" };

export class WebDriverError extends Error {}

async function request(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${url}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  }
  const value = json.value;
  // W3C WebDriver: errors come with an HTTP error status (a script's result may have an `error` key).
  if (!res.ok) {
    const error = value?.error ?? `HTTP ${res.status}`;
    throw new WebDriverError(`${method} ${url}: ${error}: ${String(value?.message ?? text).slice(0, 800)}`);
  }
  return value;
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
    this.url = `${base}/session/${id}`;
  }

  /**
   * Starts the app through tauri-driver (`tauri:options.application`). Resolves once the
   * driver has a session, which may be before the page has loaded.
   */
  static async create(port, application, args = []) {
    const base = `http://127.0.0.1:${port}`;
    const value = await request("POST", `${base}/session`, {
      capabilities: { alwaysMatch: { "tauri:options": { application, args } } },
    });
    const session = new Session(base, value.sessionId);
    await request("POST", `${session.url}/timeouts`, { script: 600_000, implicit: 0 });
    return session;
  }

  /** Runs `fn(...args)` in the page and returns its (JSON) result. */
  execute(fn, ...args) {
    return request("POST", `${this.url}/execute/sync`, {
      script: `return (${fn}).apply(null, arguments);`,
      args,
    });
  }

  /** Runs a script body (`arguments` are `args`) in the page and returns its result. */
  executeScript(script, ...args) {
    return request("POST", `${this.url}/execute/sync`, { script, args });
  }

  /** Runs `fn(...args, done)` in the page and returns what it passes to `done`. */
  executeAsync(fn, ...args) {
    return request("POST", `${this.url}/execute/async`, {
      script: `return (${fn}).apply(null, arguments);`,
      args,
    });
  }

  async find(css) {
    const value = await request("POST", `${this.url}/element`, { using: "css selector", value: css });
    const id = value[ELEMENT] ?? value.ELEMENT;
    if (!id) throw new WebDriverError(`find ${css}: unexpected answer ${JSON.stringify(value)}`);
    return id;
  }

  async clear(element) {
    await request("POST", `${this.url}/element/${element}/clear`, {});
  }

  async sendKeys(element, text) {
    await request("POST", `${this.url}/element/${element}/value`, { text });
  }

  async click(element) {
    await request("POST", `${this.url}/element/${element}/click`, {});
  }

  /** Polls `fn` in the page until it returns a truthy value; returns it. */
  async until(what, fn, { timeout = 30_000, interval = 50, args = [] } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const value = await this.execute(fn, ...args);
      if (value) return value;
      if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  async close() {
    try {
      await request("DELETE", this.url);
    } catch {
      // The app may already be gone.
    }
  }
}
