// A 10,000-message chat: opening it, and searching it.
//
//   node benches/app/history.mjs [--messages 10000] [--runs 5]
//
// The chat is made before the app starts, the way a person would bring one in: a SillyTavern
// JSONL file (a header line, then one {name, is_user, is_system, send_date, mes} object per
// message; deterministic text of 5–200 words, replies with some markdown lists and code) is
// imported with `switchboard-cli --data-dir DIR chats import FILE`. Every launch gets its own
// copy of that data directory (and fresh HOME/XDG dirs), so each run opens the same database.
//
// Per launch (release build unless SWITCHBOARD_APP says otherwise), with a script run in the
// page through WebDriver (times from `performance.timeOrigin + performance.now()`):
//   - open: the chat is clicked from the page (`#chat-list [data-chat-id]`.click(), as
//     tests/e2e does) → the first `#messages .message` in the DOM (MutationObserver) → the
//     first animation frame after that → a task posted from that frame's callback, which runs
//     once that frame has been laid out and painted: "first paint".
//   - re-open: "New chat", then the same chat again, in the same window.
//   - search: `#chat-search` gets a word (value + input event, as typing does) → the hits
//     (`[data-testid="search-hit"]`) are painted. The sidebar waits SEARCH_DELAY_MS (180 ms)
//     after the last key before it searches; the figure is shown with and without that pause.
//     Words: a rare one (in 1 message, #5,000 of 10,000), a recent rare one (in #9,995) and a
//     common one (in about a third of all messages; the app returns at most 50 hits).
//   - search hit → message: clicking a hit opens the chat on the page around the message and
//     brings it into view: timed the same way, to the first mutation after which the message
//     (`[data-message-id=…]` in #messages) is marked (class is-revealed) and inside the
//     scroller's box. Budget: < 300 ms, whatever the message's age.

import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { closeApp, openApp } from "./lib/app.mjs";
import {
  APP, BenchFailure, requireCommands, CLI, describeSetup, fail, fmt, inPrivateSession, makeLaunch, median, nowMs, printTable, requireFile, run,
  scratchDir, startDriver, startXvfb,
} from "./lib/harness.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MESSAGES = option("--messages", 10_000);
const RUNS = option("--runs", 5);
const SEARCH_DELAY_MS = 180; // ui/src/views/sidebar.ts
const RARE = "quetzalcoatlus";
const RARE_AT = Math.round(MESSAGES / 2);
const RECENT = "zeppelinfish";
const RECENT_AT = MESSAGES - 5;
const COMMON = "river";

// ---------------------------------------------------------------- the chat file

function prng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the of and to in is was that for it as with his on be at by had are but from or have an they which one you were her all she " +
  "there would their we him been has when who will more no if out so said what up its about into than them can only other new some " +
  "could time these two may then do first any my now such like our over man me even most made after also did many before must through " +
  "back years where much your way well down should because each just those people how too little state good very make world still " +
  "own see men work long get here between both life being under never day same another know while last might us great old year off " +
  "come since against go came right used take three lantern harbour copper meadow orchard signal window engine garden letter station"
).split(" ");

function sentence(rand, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]);
  out[0] = out[0][0].toUpperCase() + out[0].slice(1);
  return `${out.join(" ")}.`;
}

function messageText(rand, index, user) {
  const words = user ? 5 + Math.floor(rand() * 35) : 30 + Math.floor(rand() * 170);
  const parts = [];
  let left = words;
  while (left > 0) {
    const n = Math.min(left, 6 + Math.floor(rand() * 14));
    parts.push(sentence(rand, n));
    left -= n;
  }
  if (rand() < 0.3) parts.splice(Math.floor(rand() * parts.length), 0, `The ${COMMON} ran high.`);
  if (index === RARE_AT) parts.push(`A ${RARE} was seen over the water.`);
  if (index === RECENT_AT) parts.push(`Then a ${RECENT} swam by.`);
  // Each message starts with its number, so the page can tell which one it shows.
  let text = `m${index}: `;
  for (let i = 0; i < parts.length; i++) text += (i > 0 ? (i % 4 === 0 ? "\n\n" : " ") : "") + parts[i];
  if (!user && index % 10 === 0) text += `\n\n- ${sentence(rand, 4)}\n- ${sentence(rand, 5)}\n- ${sentence(rand, 3)}`;
  if (!user && index % 25 === 0) text += "\n\n```js\nconst total = items.reduce((sum, item) => sum + item.count, 0);\nconsole.log(total);\n```";
  return text;
}

/** Writes the SillyTavern JSONL file; returns its path and size. */
function writeChatFile(path) {
  const rand = prng(42);
  const start = Date.UTC(2025, 0, 1);
  const lines = [JSON.stringify({ user_name: "Mira", character_name: "Archivist", create_date: new Date(start).toISOString(), chat_metadata: {} })];
  for (let i = 1; i <= MESSAGES; i++) {
    const user = i % 2 === 1;
    lines.push(JSON.stringify({
      name: user ? "Mira" : "Archivist",
      is_user: user,
      is_system: false,
      send_date: new Date(start + i * 60_000).toISOString(),
      mes: messageText(rand, i, user),
    }));
  }
  const text = `${lines.join("\n")}\n`;
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

// ---------------------------------------------------------------- in the page

/** Clicks `selector` (or opens a search hit for `messageId`) and times the first paint of what it shows. */
function timeOpen(mode, arg, done) {
  const clock = () => performance.timeOrigin + performance.now();
  const channel = new MessageChannel();
  const r = { startAt: null, domAt: null, nextFrameAt: null, paintAt: null, count: 0, revealed: false, inView: false, first: null, last: null, error: null };
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    observer.disconnect();
    done(r);
  };
  channel.port1.onmessage = () => {
    r.paintAt = clock();
    finish();
  };
  const log = document.querySelector("#messages");
  const shown = () => {
    if (mode === "hit") {
      const target = log.querySelector(`[data-message-id="${arg}"]`);
      if (!target) return false;
      r.revealed = target.classList.contains("is-revealed");
      const box = target.getBoundingClientRect();
      const view = log.closest(".conversation").getBoundingClientRect();
      r.inView = box.bottom > view.top && box.top < view.bottom;
      return r.revealed && r.inView;
    }
    return log.querySelector(".message") !== null;
  };
  const observer = new MutationObserver(() => {
    if (r.domAt !== null || !shown()) return;
    r.domAt = clock();
    const all = log.querySelectorAll(".message");
    r.count = all.length;
    const number = (el) => Number(/m(\d+):/.exec(el?.querySelector(".message-content")?.textContent ?? "")?.[1] ?? NaN);
    r.first = number(all[0]);
    r.last = number(all[all.length - 1]);
    requestAnimationFrame(() => {
      r.nextFrameAt = clock();
      channel.port2.postMessage(0);
    });
  });
  observer.observe(log, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  const target = mode === "hit"
    ? document.querySelector(`#chat-list [data-testid="search-hit"][data-message-id="${arg}"]`)
    : document.querySelector(arg);
  if (!target) {
    r.error = `nothing to click: ${mode} ${arg}`;
    finish();
    return;
  }
  r.startAt = clock();
  target.click();
  setTimeout(() => {
    if (!r.error && r.domAt === null) {
      r.error = mode === "hit" ? `not shown within 10 s (${r.revealed ? "" : "not marked, "}${r.inView ? "in view" : "not in view"})` : "nothing was shown within 10 s";
    }
    finish();
  }, 10_000);
}

/** Types `word` into the chat search (value + input event) and times the first paint of the hits. */
function timeSearch(word, done) {
  const clock = () => performance.timeOrigin + performance.now();
  const channel = new MessageChannel();
  const list = document.querySelector("#chat-list");
  const input = document.querySelector("#chat-search");
  const r = { startAt: null, domAt: null, paintAt: null, hits: 0, hitIds: [], error: null };
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    observer.disconnect();
    done(r);
  };
  channel.port1.onmessage = () => {
    r.paintAt = clock();
    finish();
  };
  const observer = new MutationObserver(() => {
    if (r.domAt !== null) return;
    const hits = list.querySelectorAll('[data-testid="search-hit"]');
    if (hits.length === 0) return;
    r.domAt = clock();
    r.hits = hits.length;
    r.hitIds = Array.from(hits).map((h) => h.dataset.messageId).filter(Boolean);
    requestAnimationFrame(() => channel.port2.postMessage(0));
  });
  observer.observe(list, { childList: true, subtree: true });
  r.startAt = clock();
  input.value = word;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  setTimeout(() => {
    if (r.domAt === null) r.error = "no hit was shown within 10 s";
    finish();
  }, 10_000);
}

function clearSearch() {
  const input = document.querySelector("#chat-search");
  input.value = "";
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

// ---------------------------------------------------------------- main

async function oneLaunch(name, port, template) {
  const launch = makeLaunch(name);
  cpSync(template, launch.env.SWITCHBOARD_DATA_DIR, { recursive: true });
  const session = await openApp(port, launch);
  try {
    const out = {};
    const open = await session.executeAsync(timeOpen, "open", "#chat-list [data-chat-id]");
    if (open.error) fail(`${name}: opening the chat: ${open.error}`);
    out.open = open;
    // Let the rest of the chat's set-up (profile, scroll) settle.
    await session.until("the chat loaded", () => document.querySelector("#messages")?.getAttribute("aria-busy") === "false");
    await new Promise((r) => setTimeout(r, 500));

    await session.execute(() => document.querySelector("#new-chat").click());
    await session.until("a new chat", () => document.querySelectorAll("#messages .message").length === 0);
    await new Promise((r) => setTimeout(r, 300));
    const reopen = await session.executeAsync(timeOpen, "open", "#chat-list [data-chat-id]");
    if (reopen.error) fail(`${name}: re-opening the chat: ${reopen.error}`);
    out.reopen = reopen;
    await new Promise((r) => setTimeout(r, 500));

    for (const [key, word] of [["rare", RARE], ["recent", RECENT], ["common", COMMON]]) {
      const s = await session.executeAsync(timeSearch, word);
      if (s.error) fail(`${name}: searching "${word}": ${s.error}`);
      out[key] = s;
      if (key !== "common") {
        // Open the hit: is the message brought into view?
        const id = s.hitIds[0];
        if (!id) fail(`${name}: the hit for "${word}" names no message`);
        const hit = await session.executeAsync(timeOpen, "hit", id);
        out[`${key}Hit`] = hit;
        await new Promise((r) => setTimeout(r, 500));
      }
      await session.execute(clearSearch);
      await session.until("the chat list back", () => document.querySelector('#chat-list [data-testid="chat-item"]') !== null);
      await new Promise((r) => setTimeout(r, 300));
    }
    return out;
  } finally {
    await closeApp(session, launch);
  }
}

async function main() {
  requireCommands(["dbus-run-session"]);
  await inPrivateSession(import.meta.url);
  requireCommands(["Xvfb", "tauri-driver", "WebKitWebDriver"]);
  requireFile(APP, "Build it: ui/node_modules/.bin/tauri build --no-bundle (or set SWITCHBOARD_APP).");
  requireFile(CLI, "Build it: cargo build -p switchboard-cli (or set SWITCHBOARD_CLI).");
  await startXvfb();
  console.log(`Switchboard history benchmark, ${new Date().toISOString()}`);
  describeSetup([`runs:    ${RUNS} launches, each on its own copy of one imported ${fmt(MESSAGES)}-message chat`]);

  const file = join(scratchDir(), "long-chat.jsonl");
  const bytes = writeChatFile(file);
  const template = join(scratchDir(), "template-data");
  const importStart = nowMs();
  const imported = run(CLI, ["--data-dir", template, "chats", "import", file]);
  const importMs = nowMs() - importStart;
  const shown = JSON.parse(run(CLI, ["--data-dir", template, "--json", "chats", "list"]));
  const chat = (Array.isArray(shown) ? shown : []).at(0);
  if (!chat) fail(`the import made no chat: ${imported}`);
  const count = chat.messageCount ?? chat.messages ?? chat.message_count;
  console.log(`chat:    ${(bytes / 1e6).toFixed(1)} MB SillyTavern file imported by switchboard-cli in ${fmt(importMs)} ms: ${imported.trim().split("\n")[0]}`);
  if (count !== undefined && count !== MESSAGES) fail(`the imported chat has ${count} messages, not ${MESSAGES}`);

  const port = await startDriver();
  const results = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = await oneLaunch(`history-${i}`, port, template);
    results.push(r);
    const t = (x) => `${fmt(x.paintAt - x.startAt)} ms`;
    const hit = (x) => (x.error ? x.error : `${t(x)}${x.revealed ? "" : ", not highlighted"}${x.inView ? "" : ", not in view"}`);
    console.log(
      `  run ${i}: open ${t(r.open)} (${r.open.count} messages in the DOM), re-open ${t(r.reopen)};` +
        ` search rare ${t(r.rare)}, recent ${t(r.recent)}, common ${t(r.common)} (${r.common.hits} hits);` +
        ` hit → message: rare ${hit(r.rareHit)}, recent ${hit(r.recentHit)}`,
    );
  }

  const m = (key, part = "paintAt") => median(results.map((r) => r[key][part] - r[key].startAt));
  const ms = (v) => `${fmt(v)} ms`;
  const shownRare = results.filter((r) => !r.rareHit.error).length;
  const shownRecent = results.filter((r) => !r.recentHit.error).length;
  const hitMs = (key) => median(results.filter((r) => !r[key].error).map((r) => r[key].paintAt - r[key].startAt));
  const hitOk = (key, shown) => (shown === RUNS ? hitMs(key) < 300 : "NOT SHOWN");
  printTable(`A ${fmt(MESSAGES)}-message chat (median of ${RUNS} launches)`, [
    { what: "click → first messages painted (open)", value: ms(m("open")), budget: "< 300 ms", ok: m("open") < 300 },
    { what: "  click → messages in the DOM", value: ms(m("open", "domAt")) },
    { what: "  messages in the DOM after opening", value: `${fmt(median(results.map((r) => r.open.count)))}` },
    { what: "  messages in the DOM: first … last", value: `#${fmt(results[0].open.first)} … #${fmt(results[0].open.last)}` },
    { what: "click → first messages painted (re-open, same window)", value: ms(m("reopen")), budget: "< 300 ms", ok: m("reopen") < 300 },
    { what: `search "${RARE}" (1 hit): input → hits painted`, value: ms(m("rare")), budget: "(none set)" },
    { what: `  the same without the ${SEARCH_DELAY_MS} ms typing pause`, value: ms(m("rare") - SEARCH_DELAY_MS) },
    { what: `search "${RECENT}" (1 hit): input → hits painted`, value: ms(m("recent")) },
    { what: `search "${COMMON}" (${results[0].common.hits} hits shown): input → hits painted`, value: ms(m("common")) },
    { what: `  the same without the ${SEARCH_DELAY_MS} ms typing pause`, value: ms(m("common") - SEARCH_DELAY_MS) },
    {
      what: `open the hit in message #${fmt(RARE_AT)} → that message painted`,
      value: shownRare ? `${ms(hitMs("rareHit"))} (${shownRare}/${RUNS} shown)` : `never shown (${RUNS}/${RUNS})`,
      budget: "< 300 ms",
      ok: hitOk("rareHit", shownRare),
    },
    {
      what: `open the hit in message #${fmt(RECENT_AT)} → that message painted`,
      value: shownRecent ? `${ms(hitMs("recentHit"))} (${shownRecent}/${RUNS} shown)` : `never shown (${RUNS}/${RUNS})`,
      budget: "< 300 ms",
      ok: hitOk("recentHit", shownRecent),
    },
  ]);
  for (const [key, at] of [["rareHit", RARE_AT], ["recentHit", RECENT_AT]]) {
    const misses = results.filter((r) => r[key].error).map((r) => r[key].error);
    if (misses.length > 0) console.log(`note: the hit in message #${fmt(at)} was not shown in ${misses.length} of ${RUNS} runs: ${misses.join("; ")}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    if (!(error instanceof BenchFailure)) console.error(`\nBENCHMARK FAILED: ${error?.stack ?? error}`);
    process.exit(2);
  },
);
