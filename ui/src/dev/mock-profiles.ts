/**
 * The dev mock's profile and key commands: profiles with normalised URLs and unique names,
 * deleted with undo (kept with their key until restored), duplicated with a free name; keys
 * that only report `hasKey`, and keys used for this session only (kept as `session:ID`, never
 * reported as saved).
 *
 * Never part of a production build.
 */

import type { Api, ProfileDraft, ProfileSummary } from "../api";
import { DEFAULT_CONNECTION_OPTIONS, DEFAULT_INSTRUCT } from "../state/profile-form";
import { ipcError, normalize, withoutNulls } from "./mock-wire";

/** What the commands read and write of the mock's state. */
export interface ProfileDeps {
  calls: string[];
  profiles: Map<string, ProfileSummary>;
  keys: Map<string, string>;
  nextId: (prefix: string) => string;
  now: () => number;
  summary: (profile: ProfileSummary) => ProfileSummary;
  profileOf: (id: string) => ProfileSummary;
}

type ProfileCommands = Pick<
  Api,
  | "listProfiles" | "saveProfile" | "deleteProfile" | "restoreProfile" | "duplicateProfile" | "previewUrl"
  | "setApiKey" | "useSessionKey" | "clearApiKey" | "chooseServiceAccountKey"
>;

/** The service account the mock's "file dialog" picks. */
export const MOCK_SERVICE_ACCOUNT = { clientEmail: "mock-chat@mock-project-123.iam.gserviceaccount.com", projectId: "mock-project-123" };

export function profileCommands({ calls, profiles, keys, nextId, now, summary, profileOf }: ProfileDeps): ProfileCommands {
  /** Deleted profiles, kept for their undo (with the key). */
  const trashedProfiles = new Map<string, { profile: ProfileSummary; key: string | undefined }>();
  return {
    async listProfiles() {
      calls.push("listProfiles");
      return [...profiles.values()].map(summary);
    },
    async saveProfile(draft) {
      calls.push(`saveProfile:${draft.id ?? "new"}:${draft.name}`);
      const clash = [...profiles.values()].find((p) => p.name.toLowerCase() === draft.name.toLowerCase() && p.id !== draft.id);
      if (clash) throw ipcError("invalidRequest", `A profile named “${draft.name}” already exists.`);
      if (!draft.name.trim()) throw ipcError("invalidRequest", "A profile needs a name.");
      const normalized = normalize(draft.source, draft.url);
      const id = draft.id ?? nextId("profile");
      const before = profiles.get(id);
      const profile: ProfileSummary = {
        id, name: draft.name, source: draft.source, url: normalized.url, model: draft.model || null,
        params: withoutNulls(draft.params), systemPrompt: draft.systemPrompt || null, prefill: draft.prefill || null, placeholder: draft.placeholder || null,
        postProcessing: draft.postProcessing, api: draft.api ?? null,
        instruct: {
          template: draft.instruct?.template ?? DEFAULT_INSTRUCT.template,
          custom: draft.instruct?.custom ?? null,
          contextSize: draft.instruct?.contextSize ?? null,
        },
        bypassStatusCheck: draft.bypassStatusCheck,
        options: draft.options ? withDefaults(draft.options) : (before?.options ?? DEFAULT_CONNECTION_OPTIONS),
        headers: before?.headers ?? [], createdAt: before?.createdAt ?? now(), updatedAt: now(), hasKey: keys.has(id),
      };
      profiles.set(id, profile);
      return { profile: summary(profile), urlChanges: normalized.changes };
    },
    async deleteProfile(profileId) {
      calls.push(`deleteProfile:${profileId}`);
      const profile = profiles.get(profileId);
      if (profile) trashedProfiles.set(profileId, { profile, key: keys.get(profileId) });
      profiles.delete(profileId);
      keys.delete(profileId);
    },
    async restoreProfile(profileId) {
      calls.push(`restoreProfile:${profileId}`);
      const trashed = trashedProfiles.get(profileId);
      if (!trashed) return false;
      trashedProfiles.delete(profileId);
      profiles.set(profileId, trashed.profile);
      if (trashed.key !== undefined) keys.set(profileId, trashed.key);
      return true;
    },
    async duplicateProfile(profileId) {
      calls.push(`duplicateProfile:${profileId}`);
      const original = profileOf(profileId);
      const taken = new Set([...profiles.values()].map((p) => p.name.toLowerCase()));
      const base = `${original.name} copy`;
      let name = base;
      for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} ${n}`;
      const id = nextId("profile");
      profiles.set(id, { ...original, id, name, createdAt: now(), updatedAt: now() });
      const key = keys.get(profileId);
      if (key !== undefined) keys.set(id, key);
      return summary(profileOf(id));
    },
    async previewUrl(source, url) {
      calls.push("previewUrl");
      return normalize(source, url);
    },
    async setApiKey(profileId, key) {
      calls.push(`setApiKey:${profileId}`);
      keys.set(profileOf(profileId).id, key).delete(`session:${profileId}`); // a saved key replaces one for this session
      return summary(profileOf(profileId));
    },
    useSessionKey: async (profileId, key) => summary(keys.set(`session:${profileId}`, key) && profileOf(profileId)), // not saved: no `hasKey`
    async chooseServiceAccountKey(profileId) {
      calls.push(`chooseServiceAccountKey:${profileId}`);
      const profile = profileOf(profileId);
      if (profile.source !== "vertexai") throw ipcError("invalidRequest", `Profile “${profile.name}” is not a Google Vertex AI profile.`);
      keys.set(profileId, "service-account-key-file");
      profiles.set(profileId, { ...profile, options: { ...profile.options, source: { ...profile.options.source, vertexAuth: "serviceAccount" } } });
      return { profile: profile.name, ...MOCK_SERVICE_ACCOUNT };
    },
    async clearApiKey(profileId) {
      calls.push(`clearApiKey:${profileId}`);
      [profileId, `session:${profileId}`].forEach((k) => keys.delete(k));
      return summary(profileOf(profileId));
    },
  };
}

/** Connection options as the core reads them: every field a draft leaves out at its default. */
function withDefaults(options: ProfileDraft["options"] & object): ProfileSummary["options"] {
  const base = DEFAULT_CONNECTION_OPTIONS;
  return {
    network: { ...base.network, ...options.network },
    source: { ...base.source, ...options.source },
    streamReplies: options.streamReplies ?? true,
  };
}
