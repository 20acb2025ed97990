//! The choices a source offers beyond URL, key and model (Azure OpenAI's route, Ollama's
//! keep-alive, OpenAI's API), as `profile add` and `profile set` take them: each flag is
//! refused for a source whose catalogue entry does not offer it, and only the flags given change
//! the profile.
//!
//! Must not: name a source (the catalogue's `SourceInfo::settings` says which offers what), or
//! touch the keychain (Vertex AI's key file is `profile_vertex.rs`'s).

use clap::Args;
use switchboard_core::catalogue::{sources_offering, SourceSetting};
use switchboard_core::options::{AzureRoute, OpenAiApi, SourceOptions};
use switchboard_core::ProviderKind;

use crate::args::non_empty;
use crate::{CliResult, Failure};

/// The flags of the source choices.
#[derive(Args, Debug, Default)]
pub struct SourceChoiceArgs {
    /// Azure OpenAI: the route to the deployment, `v1` (`/openai/v1/chat/completions`, the
    /// deployment named as the model) or `deployments` (`/openai/deployments/{deployment}/chat/completions`).
    #[arg(long, value_name = "v1|deployments", value_parser = parse_azure_route)]
    azure_route: Option<AzureRoute>,
    /// Azure OpenAI, deployments route: the `api-version` (default: 2024-10-21).
    #[arg(long, value_name = "VERSION", value_parser = non_empty())]
    azure_api_version: Option<String>,
    /// Ollama: how long the model stays loaded after a request (`10m`, `1h`, seconds, `-1` for
    /// ever); default: the server's (5 minutes).
    #[arg(long, value_name = "DURATION", value_parser = non_empty())]
    keep_alive: Option<String>,
    /// OpenAI: Chat Completions (`chat`), the Responses API (`responses`), or `auto` (the
    /// default): the Responses API for the models that serve only it (codex, `-pro`).
    #[arg(long, value_name = "auto|chat|responses", value_parser = parse_openai_api)]
    openai_api: Option<OpenAiApi>,
}

impl SourceChoiceArgs {
    /// Whether any flag was given.
    pub fn given(&self) -> bool {
        self.azure_route.is_some()
            || self.azure_api_version.is_some()
            || self.keep_alive.is_some()
            || self.openai_api.is_some()
    }

    /// Sets the choices given on a profile of `source`; refused (nothing changed) when a flag
    /// is for a choice `source` does not offer.
    pub fn apply(self, source: ProviderKind, options: &mut SourceOptions) -> CliResult {
        let info = source.info();
        let refuse = |flags: &str, setting: SourceSetting| -> CliResult {
            if info.offers(setting) {
                return Ok(());
            }
            Err(Failure::Usage(format!(
                "{flags} {} for {} profiles, not {}.",
                if flags.contains(" and ") { "are" } else { "is" },
                sources_offering(setting),
                source.id()
            )))
        };
        if self.azure_route.is_some() || self.azure_api_version.is_some() {
            refuse(
                "--azure-route and --azure-api-version",
                SourceSetting::AzureRoute,
            )?;
        }
        if self.keep_alive.is_some() {
            refuse("--keep-alive", SourceSetting::OllamaKeepAlive)?;
        }
        if self.openai_api.is_some() {
            refuse("--openai-api", SourceSetting::OpenAiApi)?;
        }
        if let Some(route) = self.azure_route {
            options.azure_route = route;
        }
        if let Some(version) = self.azure_api_version {
            options.azure_api_version = Some(version);
        }
        if let Some(keep_alive) = self.keep_alive {
            options.ollama_keep_alive = Some(keep_alive);
        }
        if let Some(api) = self.openai_api {
            options.openai_api = api;
        }
        Ok(())
    }
}

fn parse_azure_route(text: &str) -> std::result::Result<AzureRoute, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "v1" => Ok(AzureRoute::V1),
        "deployments" | "deployment" | "classic" => Ok(AzureRoute::Deployments),
        other => Err(format!("\"{other}\" is not v1 or deployments")),
    }
}

fn parse_openai_api(text: &str) -> std::result::Result<OpenAiApi, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(OpenAiApi::Auto),
        "chat" | "chat-completions" | "chat_completions" => Ok(OpenAiApi::ChatCompletions),
        "responses" => Ok(OpenAiApi::Responses),
        other => Err(format!("\"{other}\" is not auto, chat or responses")),
    }
}

/// How `profile show` names an OpenAI profile's API choice.
pub fn openai_api_name(api: OpenAiApi) -> &'static str {
    match api {
        OpenAiApi::Auto => "auto (the Responses API for the models that serve only it)",
        OpenAiApi::ChatCompletions => "chat (Chat Completions)",
        OpenAiApi::Responses => "responses (the Responses API)",
    }
}
