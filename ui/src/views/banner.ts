/**
 * `#banner`: one sentence about the latest error (or notice), a hint, the server's words when
 * they help, and at most one action. A rate limit counts down on the action's button.
 */

import type { Banner } from "../state/app-state";
import type { Controller } from "../state/controller";
import { retryLabel } from "../state/errors";
import { append, h, setText, show } from "./dom";

const INFO_TIMEOUT_MS = 4000;

export function createBanner(): HTMLElement {
  return h("div", { id: "banner", class: "banner", hidden: true, role: "alert" });
}

export function mountBanner(element: HTMLElement, controller: Controller, now: () => number = Date.now): void {
  let timer: number | null = null;

  const stopTimer = (): void => {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
  };

  const render = (banner: Banner | null): void => {
    stopTimer();
    if (!banner) {
      element.replaceChildren();
      show(element, false);
      return;
    }
    element.dataset.tone = banner.tone;
    if (banner.kind) element.dataset.kind = banner.kind;
    else delete element.dataset.kind;

    const countdown = h("span", { class: "banner-countdown" });
    const action = banner.action
      ? h("button", { type: "button", class: "button banner-action", text: banner.action.label })
      : null;
    if (action && banner.action) {
      const run = banner.action.run;
      action.addEventListener("click", () => {
        controller.dismissBanner();
        run();
      });
    }
    const close = h("button", { type: "button", class: "icon-button banner-close", "aria-label": "Dismiss", text: "×" });
    close.addEventListener("click", () => controller.dismissBanner());

    element.replaceChildren();
    append(
      element,
      h("div", { class: "banner-body" },
        h("p", { class: "banner-text" }, banner.text, banner.hint ? h("span", { class: "banner-hint", text: ` ${banner.hint}` }) : null, countdown),
        banner.detail ? h("p", { class: "banner-detail", text: banner.detail }) : null,
      ),
      action,
      close,
    );
    show(element, true);

    if (banner.tone === "info") {
      // Notices ("Saved as …") go away by themselves; errors stay until dismissed or fixed.
      const id = banner.id;
      window.setTimeout(() => {
        if (controller.store.get().banner?.id === id) controller.dismissBanner();
      }, INFO_TIMEOUT_MS);
    }

    if (banner.retryAt !== null) {
      const retryAt = banner.retryAt;
      const tick = (): void => {
        const remaining = retryAt - now();
        if (action && banner.action) {
          setText(action, remaining > 0 ? retryLabel(remaining) : banner.action.label);
          action.disabled = remaining > 0;
        } else {
          setText(countdown, remaining > 0 ? ` ${retryLabel(remaining).replace("Retry", "You can retry")}.` : " You can retry now.");
        }
        if (remaining <= 0) stopTimer();
      };
      tick();
      timer = window.setInterval(tick, 250);
    }
  };

  controller.store.subscribe((state, previous) => {
    if (state.banner !== previous.banner) render(state.banner);
  });
  render(controller.store.get().banner);
}
