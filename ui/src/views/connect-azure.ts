/**
 * Azure OpenAI's choices in the drawer's Connection section, shown for Azure only: the route to
 * the deployment (the v1 API, the deployment named as the model, or the deployments route,
 * `…/openai/deployments/{deployment}/chat/completions?api-version=…`) and, for the deployments
 * route, the `api-version` (empty: the version this release was written against).
 *
 * Must not: save the profile itself (it asks the drawer through `saveEdits`), nor know any other
 * source's fields.
 */

import type { ConnectionOptions, ProfileSummary, SourceInfo } from "../api";
import { field, type Find, setValue } from "./connect-fields";
import { h, show } from "./dom";

/** The source options these fields set. */
type SourceOptions = Pick<ConnectionOptions["source"], "azureRoute" | "azureApiVersion">;

/** The `api-version` the core sends on the deployments route when none is set. */
export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

/** The route and API version fields (hidden until the source is Azure OpenAI). */
export function createAzureFields(): HTMLElement {
  return h("div", { id: "azure-fields", hidden: true },
    field("azure-route", "Azure route",
      h("select", { id: "azure-route", "aria-describedby": "azure-route-note" },
        h("option", { value: "v1", text: "v1 API (deployment as the model)" }),
        h("option", { value: "deployments", text: "Deployments route (api-version)" }),
      ),
      h("p", { id: "azure-route-note", class: "field-note" }),
    ),
    h("div", { id: "azure-api-version-field" },
      field("azure-api-version", "API version",
        h("input", { id: "azure-api-version", type: "text", spellcheck: false, autocomplete: "off", placeholder: AZURE_DEFAULT_API_VERSION }),
      ),
    ),
  );
}

export interface AzureFields {
  /** The Azure choices in the form. */
  read(): SourceOptions;
  fill(profile: ProfileSummary | null): void;
  /** Shows the fields when the form's source is Azure OpenAI. */
  showFor(info: SourceInfo | undefined): void;
}

export function mountAzureFields($: Find, saveEdits: () => void): AzureFields {
  const fields = $("azure-fields");
  const route = $<HTMLSelectElement>("azure-route");
  const routeNote = $("azure-route-note");
  const version = $<HTMLInputElement>("azure-api-version");
  const versionField = $("azure-api-version-field");

  const renderRoute = (): void => {
    const deployments = route.value === "deployments";
    show(versionField, deployments);
    routeNote.textContent = deployments
      ? "…/openai/deployments/{model}/chat/completions: type the deployment's name as the model (Azure lists deployments only in its portal)."
      : "…/openai/v1/chat/completions: the deployment's name is the model; the v1 API lists them.";
  };

  route.addEventListener("change", () => {
    renderRoute();
    saveEdits();
  });
  version.addEventListener("change", saveEdits);

  return {
    read: () => ({
      azureRoute: route.value === "deployments" ? "deployments" : "v1",
      azureApiVersion: version.value.trim() || null,
    }),
    fill(profile) {
      const options = profile?.options.source;
      setValue(route, options?.azureRoute ?? "v1");
      setValue(version, options?.azureApiVersion ?? "");
      renderRoute();
    },
    showFor(info) {
      show(fields, info?.settings.includes("azureRoute") ?? false);
    },
  };
}
