/**
 * The window's chrome: the drawer and the sidebar, focus requests, links from replies, the
 * banner and the corner toast, and `handleError`, which shows an error and does what its kind
 * calls for. A URL that cannot be used (`UrlProblem`) is said at the URL field instead.
 *
 * Must not: call the backend other than to open a link in the system browser, nor change
 * profiles, chats or messages.
 */

import type { ErrorKind, IpcError, NavigationRefused, ProfileSummary } from "../api";
import { toIpcError } from "../api";
import { decideLink } from "../links";
import { type Banner, type BannerAction, type FocusTarget, selectedProfile } from "./app-state";
import { Part } from "./context";
import { assertNever, describeError, type KeyUse } from "./errors";

/** A URL that cannot be used: said at the URL field, not in the banner, and not saved. */
export class UrlProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UrlProblem";
  }
}

export class WindowPart extends Part {
  private bannerSeq = 0;
  private focusSeq = 0;
  private noticeSeq = 0;

  toggleDrawer(open = !this.state.drawerOpen): void {
    this.store.update({ drawerOpen: open });
    this.requestFocus(open ? "drawer" : "composer");
  }

  toggleSidebar(open = !this.state.sidebarOpen): void {
    this.store.update({ sidebarOpen: open });
    if (open) this.requestFocus("search");
  }

  requestFocus(target: FocusTarget): void {
    this.store.update({ focus: { target, seq: ++this.focusSeq } });
  }

  /**
   * A link from a reply with address `href` and visible `text` was clicked: only http(s) and
   * mailto links open, in the system browser; one whose text is not its address first shows
   * where it goes (`linkPrompt`) and opens on `confirmLink`.
   */
  async openLink(href: string, text: string = href): Promise<void> {
    const decision = decideLink(href, text);
    switch (decision.action) {
      case "refuse":
        this.showInfo(decision.reason);
        return;
      case "confirm":
        this.store.update({ linkPrompt: { url: decision.url, destination: decision.destination } });
        return;
      case "open":
        await this.openExternal(decision.url);
        return;
      default:
        assertNever(decision);
    }
  }

  /** Opens the link waiting in `linkPrompt`. */
  async confirmLink(): Promise<void> {
    const prompt = this.state.linkPrompt;
    if (!prompt) return;
    this.store.update({ linkPrompt: null });
    await this.openExternal(prompt.url);
  }

  /** Drops the link waiting in `linkPrompt`. */
  cancelLink(): void {
    if (this.state.linkPrompt) this.store.update({ linkPrompt: null });
  }

  private async openExternal(url: string): Promise<void> {
    try {
      await this.api.openExternal(url);
    } catch (error) {
      this.handleError(error);
    }
  }

  /** The backend kept the window on the app's pages: say what was not opened. */
  onNavigationRefused(refused: NavigationRefused): void {
    const url = refused.url.length > 200 ? `${refused.url.slice(0, 199)}…` : refused.url;
    this.showInfo(
      refused.newWindow
        ? `Switchboard opens no other windows: ${url} was not opened.`
        : `Switchboard's window shows only its own pages: ${url} was not opened.`,
    );
  }

  dismissBanner(): void {
    this.store.update({ banner: null });
  }

  dismissBannerOfKinds(kinds: readonly ErrorKind[]): void {
    const banner = this.state.banner;
    if (banner && banner.kind && kinds.includes(banner.kind)) this.dismissBanner();
  }

  showInfo(text: string): void {
    this.store.update({
      banner: { id: ++this.bannerSeq, tone: "info", kind: null, text, hint: null, detail: null, retryAt: null, action: null },
    });
  }

  /** Stops showing the notice (`id`: only if that one is still shown). */
  dismissNotice(id: number | null = null): void {
    const notice = this.state.notice;
    if (notice && (id === null || notice.id === id)) this.store.update({ notice: null });
  }

  showNotice(text: string, tone: "info" | "error", path: string | null = null): void {
    this.store.update({ notice: { id: ++this.noticeSeq, tone, text, path } });
  }

  /**
   * Says a `UrlProblem` at the URL field (`focus`: and moves there), if the form it came from
   * (the one of profile `shown`) is still shown. False for any other error.
   */
  showUrlProblem(error: unknown, shown: string | null, options: { focus: boolean }): boolean {
    if (!(error instanceof UrlProblem)) return false;
    if (this.state.selectedProfileId !== shown) return true;
    this.store.update(options.focus ? { urlError: error.message, drawerOpen: true } : { urlError: error.message });
    if (options.focus) this.requestFocus("url");
    return true;
  }

  /**
   * Shows an error and does what its kind calls for: focus the key field, open the drawer or the
   * model picker, count down a rate limit, or nothing for a cancellation.
   */
  handleError(
    error: unknown,
    context: { profile?: Pick<ProfileSummary, "name" | "url"> | null; retry?: () => void; keyUse?: KeyUse; action?: BannerAction } = {},
  ): void {
    if (this.showUrlProblem(error, this.state.selectedProfileId, { focus: false })) return;
    const ipc: IpcError = toIpcError(error);
    const profile = context.profile ?? selectedProfile(this.state);
    const description = describeError(ipc, { profileName: profile?.name, url: profile?.url, keyUse: context.keyUse });
    const action = description.action;
    let retryAt: number | null = null;
    let button: BannerAction | null = null;
    switch (action.type) {
      case "ignore":
        return;
      case "focusKey":
        // Said once, at the field it is about (no banner, and the status shows only the state).
        this.store.update({ drawerOpen: true, keyError: joined(description.text, description.hint) });
        this.requestFocus("key");
        return;
      case "keychain":
        this.store.update({
          drawerOpen: true,
          keyError: description.text,
          keychainProblem: action.problem,
        });
        this.requestFocus("key");
        return;
      case "openDrawer":
        this.store.update({ drawerOpen: true });
        this.requestFocus("drawer");
        break;
      case "focusModel":
        this.store.update({ drawerOpen: true });
        this.requestFocus("model");
        break;
      case "retryAfter":
        retryAt = action.ms === null ? null : this.ctx.now() + action.ms;
        if (context.retry) button = { label: "Retry", run: context.retry };
        break;
      case "checkServer":
      case "retryLater":
        if (context.retry) button = { label: "Retry", run: context.retry };
        break;
      case "showDetail":
        break;
      default:
        assertNever(action);
    }
    // A way out the caller offers (such as "Save anyway"), when the kind offers none.
    if (context.action && button === null) button = context.action;
    const banner: Banner = {
      id: ++this.bannerSeq,
      tone: "error",
      kind: ipc.kind,
      text: description.text,
      hint: description.hint,
      detail: description.detail,
      retryAt,
      action: button,
    };
    this.store.update({ banner });
  }
}

/** A message and its hint as one text. */
function joined(text: string, hint: string | null): string {
  return hint ? `${text} ${hint}` : text;
}
