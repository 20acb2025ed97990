/**
 * Google Vertex AI's sign-in in the drawer's Connection section, shown for Vertex AI only: an
 * API key (express mode, the API key field above) or a service account, whose JSON key file is
 * chosen with "Choose key file…" (the app's own file dialog: the app reads the file and keeps
 * it in the keychain, and this page learns only the account's address and project), with the
 * Google Cloud project (empty: the key file's) and the region (empty: global).
 *
 * Must not: read, hold or show a key file's contents; save the profile itself (it asks the
 * drawer through `saveEdits`); know any other source's fields.
 */

import type { ConnectionOptions, ProfileSummary, ServiceAccountSaved, SourceInfo } from "../api";
import { field, type Find, setValue } from "./connect-fields";
import { h, show } from "./dom";

/** The source options these fields set. */
type SourceOptions = Pick<ConnectionOptions["source"], "vertexAuth" | "vertexProject" | "vertexRegion">;

/** The region the core uses when none is set. */
export const VERTEX_DEFAULT_REGION = "global";

export const NO_KEY_FILE = "No key file chosen yet.";
export const KEY_FILE_SAVED = "A key file is saved in the keychain.";
export const SAVE_PROFILE_FIRST = "Save the profile first, then choose its key file.";

/** What the status line says once a key file was saved. */
export function keyFileSavedAs(saved: ServiceAccountSaved): string {
  return `Saved in the keychain: ${saved.clientEmail} (project ${saved.projectId}).`;
}

/** The sign-in choice and the service account's fields (hidden until the source is Vertex AI). */
export function createVertexFields(): HTMLElement {
  return h("div", { id: "vertex-fields", hidden: true },
    field("vertex-auth", "Sign in with",
      h("select", { id: "vertex-auth", "aria-describedby": "vertex-auth-note" },
        h("option", { value: "express", text: "API key (express mode)" }),
        h("option", { value: "serviceAccount", text: "Service account" }),
      ),
      h("p", { id: "vertex-auth-note", class: "field-note" }),
    ),
    h("div", { id: "vertex-account-fields", hidden: true },
      field("vertex-key-file", "Key file",
        h("div", { class: "field-row" },
          h("button", { id: "vertex-key-file", type: "button", class: "button", text: "Choose key file…" }),
          h("span", { id: "vertex-key-status", class: "key-status", "aria-live": "polite" }),
        ),
      ),
      field("vertex-project", "Project",
        h("input", { id: "vertex-project", type: "text", spellcheck: false, autocomplete: "off", placeholder: "the key file's project" }),
      ),
      field("vertex-region", "Region",
        h("input", { id: "vertex-region", type: "text", spellcheck: false, autocomplete: "off", placeholder: VERTEX_DEFAULT_REGION }),
      ),
    ),
  );
}

export interface VertexFields {
  /** The Vertex choices in the form. */
  read(): SourceOptions;
  fill(profile: ProfileSummary | null): void;
  /** Shows the fields when the form's source is Vertex AI. */
  showFor(info: SourceInfo | undefined): void;
}

export interface VertexDeps {
  /** The profile being edited (null: a new one, not saved yet). */
  profile: () => ProfileSummary | null;
  /** Has the app ask for the key file and keep it; null when cancelled or refused. */
  chooseKeyFile: () => Promise<ServiceAccountSaved | null>;
  saveEdits: () => void;
}

export function mountVertexFields($: Find, deps: VertexDeps): VertexFields {
  const fields = $("vertex-fields");
  const auth = $<HTMLSelectElement>("vertex-auth");
  const authNote = $("vertex-auth-note");
  const accountFields = $("vertex-account-fields");
  const chooseFile = $<HTMLButtonElement>("vertex-key-file");
  const status = $("vertex-key-status");
  const project = $<HTMLInputElement>("vertex-project");
  const region = $<HTMLInputElement>("vertex-region");

  const renderAuth = (): void => {
    const account = auth.value === "serviceAccount";
    show(accountFields, account);
    authNote.textContent = account
      ? "A service account's JSON key file, kept in the keychain, signs in for an hour at a time; its key replaces the API key."
      : "An API key from Google Cloud's Vertex AI express mode, in the API key field.";
  };

  /** The key file saved from this drawer: which profile, and what the app said of it. */
  let chosen: { profileId: string; said: string } | null = null;

  const renderStatus = (profile: ProfileSummary | null): void => {
    const saved = profile?.hasKey === true && profile.options.source.vertexAuth === "serviceAccount";
    if (!saved) status.textContent = NO_KEY_FILE;
    else status.textContent = chosen?.profileId === profile.id ? chosen.said : KEY_FILE_SAVED;
  };

  auth.addEventListener("change", () => {
    renderAuth();
    deps.saveEdits();
  });
  project.addEventListener("change", deps.saveEdits);
  region.addEventListener("change", deps.saveEdits);
  chooseFile.addEventListener("click", () => {
    const profile = deps.profile();
    if (!profile) {
      status.textContent = SAVE_PROFILE_FIRST;
      return;
    }
    chooseFile.disabled = true;
    void deps.chooseKeyFile().then((saved) => {
      chooseFile.disabled = false;
      if (!saved) return;
      chosen = { profileId: profile.id, said: keyFileSavedAs(saved) };
      status.textContent = chosen.said;
      auth.value = "serviceAccount";
      renderAuth();
    });
  });

  return {
    read: () => ({
      vertexAuth: auth.value === "serviceAccount" ? "serviceAccount" : "express",
      vertexProject: project.value.trim() || null,
      vertexRegion: region.value.trim() || null,
    }),
    fill(profile) {
      const options = profile?.options.source;
      setValue(auth, options?.vertexAuth ?? "express");
      setValue(project, options?.vertexProject ?? "");
      setValue(region, options?.vertexRegion ?? "");
      renderAuth();
      renderStatus(profile);
    },
    showFor(info) {
      show(fields, info?.settings.includes("vertexAuth") ?? false);
    },
  };
}
