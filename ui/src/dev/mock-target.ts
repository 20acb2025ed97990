/**
 * The dev mock's commands for who answers a chat: the status check of a profile not saved yet
 * (as `connect` checks a saved one, but saving nothing and leaving the connection alone), and
 * setting the profile and model a stored chat's next message goes to (its place in the list
 * stays, as in the core).
 *
 * Never part of a production build.
 */

import type { Api, Chat, ProfileSummary } from "../api";
import { MODELS } from "./mock-data";
import { checkServerOf, ipcError, normalize } from "./mock-wire";

/** What the commands read and write of the mock's state. */
export interface TargetDeps {
  calls: string[];
  profiles: Map<string, ProfileSummary>;
  liveChat: (chatId: string) => Chat;
  listed: (chat: Chat) => Chat;
}

export function chatTargetCommands(deps: TargetDeps): Pick<Api, "checkProfileDraft" | "setChatTarget"> {
  return {
    async checkProfileDraft(source, url, key) {
      deps.calls.push(`checkProfileDraft:${source}:${url}`);
      const normal = normalize(source, url);
      const draft = { name: "New profile", source, url: normal.url } as ProfileSummary;
      checkServerOf(draft, key ?? undefined);
      const models = MODELS[source] ?? [];
      return { baseUrl: normal.url, urlChanged: false, models, message: `${normal.url} is up` };
    },
    async setChatTarget(chatId, profileId, model) {
      deps.calls.push(`setChatTarget:${chatId}:${profileId}:${model ?? ""}`);
      if (!deps.profiles.has(profileId)) throw ipcError("notConfigured", "That profile no longer exists.");
      const chat = deps.liveChat(chatId);
      Object.assign(chat, { profileId, model: model?.trim() || null });
      return deps.listed(chat);
    },
  };
}
