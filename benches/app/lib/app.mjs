// Driving the app's window through WebDriver: open it, connect a profile, send a message.
// Selectors are the ones tests/e2e/run.mjs relies on.

import { Keys, Session } from "./webdriver.mjs";
import { alive, fail, processTree, waitGone } from "./harness.mjs";

/** Launches the app (through `launch.launcher`) and waits until the window is built and loaded. */
export async function openApp(port, launch) {
  const session = await Session.create(port, launch.launcher);
  let opened;
  try {
    opened = await session.until("the window (#composer, #app[data-ready=true])", () => {
      const problem = document.getElementById("startup-problem-message");
      if (problem) return { problem: problem.textContent };
      return document.querySelector("#composer") !== null && document.getElementById("app")?.dataset.ready === "true";
    });
  } catch (error) {
    let seen = "";
    try {
      seen = JSON.stringify(await session.execute(() => ({
        composer: document.querySelector("#composer") !== null,
        ready: document.getElementById("app")?.dataset.ready ?? null,
        text: document.body.innerText.slice(0, 300),
      })));
    } catch (e) {
      seen = `(the page did not answer: ${e.message})`;
    }
    await closeApp(session, launch);
    fail(`the app did not open: ${error.message}; the page: ${seen}; the app's stderr: ${launch.dir}/app.log (BENCH_KEEP=1 keeps it)`);
  }
  if (opened.problem) {
    await closeApp(session, launch);
    fail(`the app could not open its data: ${opened.problem}`);
  }
  return session;
}

/** Ends the WebDriver session and waits until the app and its WebKit processes are gone. */
export async function closeApp(session, launch) {
  const pid = launch.pid();
  const tree = pid && alive(pid) ? processTree(pid) : [];
  await session.close();
  if (pid) await waitGone([pid, ...tree]);
}

async function setField(session, selector, value) {
  // The drawer scrolls (it is taller than the window): the field in view first.
  await session.execute((s) => document.querySelector(s)?.scrollIntoView({ block: "center" }), selector);
  const element = await session.find(selector);
  await session.clear(element);
  if (value !== "") await session.sendKeys(element, value);
}

/**
 * Saves and connects a "Custom (OpenAI-compatible)" profile at `url` through the connection
 * drawer, as a person would: #source, #url, #profile-name, then #connect.
 */
export async function connectCustom(session, url, name) {
  await session.execute(() => {
    const field = document.querySelector("#url");
    if (!field || field.offsetParent === null) document.querySelector("#drawer-toggle").click();
  });
  await session.until("the connection drawer", () => document.querySelector("#url")?.offsetParent !== null);
  await session.execute(() => {
    const source = document.querySelector("#source");
    source.value = "custom";
    source.dispatchEvent(new Event("change", { bubbles: true }));
  });
  await setField(session, "#url", url);
  await setField(session, "#profile-name", name);
  await session.click(await session.find("#connect"));
  try {
    await session.until("connected", () => document.querySelector("#status-light")?.dataset.state === "connected", { timeout: 30_000 });
  } catch (error) {
    const status = await session.execute(() => document.querySelector("#status-text")?.textContent ?? "");
    fail(`could not connect to ${url}: ${error.message}; status: ${status}`);
  }
  // Close the drawer so the conversation has the window's width.
  await session.execute(() => {
    if (document.getElementById("app")?.dataset.drawer === "open") document.querySelector("#drawer-toggle").click();
  });
}

/** Types `text` in the composer and presses Enter (WebDriver key events). */
export async function send(session, text) {
  const composer = await session.find("#composer");
  await session.click(composer);
  await session.sendKeys(composer, text);
  await session.sendKeys(composer, Keys.Enter);
}
