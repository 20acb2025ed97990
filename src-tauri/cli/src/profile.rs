//! `profile`: add, list, show and delete saved connection profiles, and make them from
//! SillyTavern's settings (through [`crate::import_st`]).
//!
//! It must never print a key nor take one from an argument (keys go through `key set`, header
//! values straight to the keychain), and it must not send anything to a server.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use secrecy::SecretString;
use switchboard_core::catalogue::{sources_offering, ApiType, KeyNeed, SourceSetting};
use switchboard_core::endpoint::is_unencrypted_remote;
use switchboard_core::engine::ProfileSummary;
use switchboard_core::error::quoted;
use switchboard_core::options::AzureRoute;
use switchboard_core::prompt::instruct::TemplateKind;
use switchboard_core::prompt::PostProcessing;
use switchboard_core::store::Profile;
use switchboard_core::{Engine, Error, GenParams, ProviderKind};

use crate::args::{non_empty, parse_fraction, parse_sampler, tokens};
use crate::profile_choices::{self, SourceChoiceArgs};
use crate::profile_network::{self, NetworkArgs};
use crate::profile_vertex::{self, VertexArgs};
use crate::{import_st, print_json, refused, yes_no, CliResult, Failure};

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Save a new profile.
    Add(Box<ProfileAddArgs>),
    /// List the profiles.
    List,
    /// Show one profile (never its key).
    Show {
        /// Profile name.
        #[arg(value_parser = non_empty(), add = crate::completion::profile_names())]
        name: String,
    },
    /// Change a saved profile: how it reaches its server (proxy, CA certificates), whether
    /// replies are streamed, and its source's own choices (Vertex AI's project and region,
    /// Azure OpenAI's route, Ollama's keep-alive, OpenAI's API).
    Set {
        /// Profile name.
        #[arg(value_parser = non_empty(), add = crate::completion::profile_names())]
        name: String,
        #[command(flatten)]
        network: NetworkArgs,
        #[command(flatten)]
        vertex: VertexArgs,
        #[command(flatten)]
        choices: SourceChoiceArgs,
        /// Ask for whole replies, not streamed ones (for a server that cannot stream).
        #[arg(long, conflicts_with = "stream")]
        no_stream: bool,
        /// Ask for streamed replies again (the default).
        #[arg(long)]
        stream: bool,
    },
    /// Delete a profile and its keychain entries (key, header values, URL credentials).
    Rm {
        /// Profile name.
        #[arg(value_parser = non_empty(), add = crate::completion::profile_names())]
        name: String,
    },
    /// Make profiles from SillyTavern's connection settings (its settings.json): sources,
    /// URLs, models and post-processing. Keys are not read unless --with-keys is given.
    ImportSillytavern {
        /// SillyTavern's settings.json (data/default-user/settings.json).
        settings: PathBuf,
        /// SillyTavern's secrets.json: says which profiles it has a key for.
        #[arg(long, value_name = "FILE")]
        secrets: Option<PathBuf>,
        /// Also move those keys (plain text in secrets.json) into the system keychain; a reverse
        /// proxy gets its password from settings.json instead, never the vendor's key.
        #[arg(long, requires = "secrets")]
        with_keys: bool,
    },
}

#[derive(Args)]
pub struct ProfileAddArgs {
    /// Profile name.
    #[arg(value_parser = non_empty())]
    name: String,
    /// Source id (see `providers`).
    #[arg(long, value_parser = non_empty())]
    source: String,
    /// Base URL (default: the source's).
    #[arg(long, value_parser = non_empty())]
    url: Option<String>,
    /// Model id.
    #[arg(long, value_parser = non_empty())]
    model: Option<String>,
    /// Skip the status check when connecting (servers without a model list).
    #[arg(long)]
    bypass_status_check: bool,
    /// Prompt post-processing for strict endpoints: none, merge, semi-strict, strict or single.
    #[arg(long, value_name = "MODE", default_value = "none")]
    post_processing: PostProcessing,
    /// System prompt sent first in every chat.
    #[arg(long, value_parser = non_empty())]
    system: Option<String>,
    /// Text every reply starts with, continued by the model (Claude's assistant prefill).
    #[arg(long, value_parser = non_empty())]
    prefill: Option<String>,
    /// The user message strict post-processing inserts (default "[Start a new chat]").
    #[arg(long, value_parser = non_empty())]
    placeholder: Option<String>,
    /// Extra request header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// For sources that serve both: chat (messages) or text (one prompt string).
    #[arg(long, value_name = "chat|text", value_parser = parse_api)]
    api: Option<ApiType>,
    /// Instruct template for text completion: chatml, alpaca, llama3, mistral, vicuna or none.
    #[arg(long, value_name = "TEMPLATE", value_parser = parse_template)]
    template: Option<TemplateKind>,
    /// Context size in tokens (default: what the server reports, else the model's known size,
    /// else 4096 for a local server); the oldest messages that do not fit are left out.
    #[arg(long, value_name = "TOKENS", allow_negative_numbers = true, value_parser = tokens())]
    context_size: Option<u32>,
    #[command(flatten)]
    choices: SourceChoiceArgs,
    /// Vertex AI: sign in with this service account's JSON key file (checked, then kept in
    /// the system keychain as the profile's key).
    #[arg(long, value_name = "FILE")]
    service_account: Option<PathBuf>,
    #[command(flatten)]
    vertex: VertexArgs,
    #[command(flatten)]
    samplers: SamplerArgs,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Sampler settings saved with a profile; each is sent only to sources that accept it.
#[derive(Args)]
struct SamplerArgs {
    /// Longest reply in tokens (default: 300).
    #[arg(long, allow_negative_numbers = true, value_parser = tokens())]
    max_tokens: Option<u32>,
    /// Sampling temperature.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_sampler)]
    temperature: Option<f32>,
    /// Nucleus sampling.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_fraction)]
    top_p: Option<f32>,
    /// Top-k sampling.
    #[arg(long, allow_negative_numbers = true)]
    top_k: Option<u32>,
    /// Min-p sampling.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_fraction)]
    min_p: Option<f32>,
    /// Repetition penalty (local backends).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_sampler)]
    repetition_penalty: Option<f32>,
    /// Tokens the repetition penalty looks back over.
    #[arg(long, allow_negative_numbers = true)]
    repetition_penalty_range: Option<u32>,
    /// Typical sampling.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_fraction)]
    typical_p: Option<f32>,
    /// Tail-free sampling.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_fraction)]
    tfs: Option<f32>,
    /// Top-a sampling.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_fraction)]
    top_a: Option<f32>,
    /// Sampling seed.
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u32>,
    /// Stop string (repeatable).
    #[arg(long = "stop", value_name = "TEXT", value_parser = non_empty())]
    stop: Vec<String>,
}

impl SamplerArgs {
    fn params(self) -> GenParams {
        GenParams {
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k,
            min_p: self.min_p,
            repetition_penalty: self.repetition_penalty,
            repetition_penalty_range: self.repetition_penalty_range,
            typical_p: self.typical_p,
            tfs: self.tfs,
            top_a: self.top_a,
            seed: self.seed,
            stop: self.stop,
            ..GenParams::default()
        }
    }
}

fn parse_api(text: &str) -> std::result::Result<ApiType, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "chat" | "chat-completion" => Ok(ApiType::ChatCompletion),
        "text" | "text-completion" => Ok(ApiType::TextCompletion),
        other => Err(format!("\"{other}\" is not chat or text")),
    }
}

fn parse_template(text: &str) -> std::result::Result<TemplateKind, String> {
    let wanted = text.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    TemplateKind::ALL
        .into_iter()
        .find(|kind| {
            serde_json::to_value(kind)
                .ok()
                .and_then(|v| {
                    v.as_str()
                        .map(|s| s == wanted || s.replace('-', "") == wanted)
                })
                .unwrap_or(false)
        })
        .ok_or_else(|| {
            format!("\"{text}\" is not one of chatml, alpaca, llama3, mistral, vicuna, none")
        })
}

/// `--header "Name: value"`: a header name (letters, digits and ``!#$%&'*+-.^_`|~``) and a
/// value without line breaks or other control characters.
fn parse_header(text: &str) -> std::result::Result<(String, String), String> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(format!("\"{}\" is not \"Name: value\"", quoted(text)));
    };
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() {
        return Err(format!(
            "\"{}\" has no header name before the colon",
            quoted(text)
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(*c)))
    {
        return Err(format!(
            "the header name \"{}\" contains {}, which a header name cannot",
            quoted(name),
            describe_char(bad)
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!(
            "the value of header \"{}\" contains a line break or another control character",
            quoted(name)
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

/// A character as named in a message: `a space`, `"é"`, `U+0007`.
fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("\"{c}\""),
    }
}

fn api_name(api: ApiType) -> &'static str {
    match api {
        ApiType::ChatCompletion => "chat completion",
        ApiType::TextCompletion => "text completion",
    }
}

/// Runs one `profile` subcommand.
pub async fn run(engine: &Engine, command: ProfileCommand, json: bool) -> CliResult {
    match command {
        ProfileCommand::Add(args) => {
            let source: ProviderKind = args
                .source
                .parse()
                .map_err(|err: Error| Failure::Usage(err.message))?;
            let mut profile = Profile::new(
                args.name,
                source,
                args.url
                    .unwrap_or_else(|| source.info().default_url.to_string()),
            );
            profile.model = args.model;
            profile.bypass_status_check = args.bypass_status_check;
            profile.post_processing = args.post_processing;
            profile.system_prompt = args.system;
            profile.prefill = args.prefill;
            profile.placeholder = args.placeholder;
            profile.params = args.samplers.params();
            if let Some(api) = args.api {
                let capabilities = source.info().capabilities;
                if capabilities.api != api && capabilities.other_api != Some(api) {
                    return Err(Failure::Usage(format!(
                        "{} does not serve the {} API.",
                        source.label(),
                        api_name(api)
                    )));
                }
                profile.api = (capabilities.api != api).then_some(api);
            }
            if let Some(template) = args.template {
                profile.instruct.template = template;
            }
            profile.instruct.context_size = args.context_size;
            args.choices.apply(source, &mut profile.options.source)?;
            args.network.apply(&mut profile.options.network);
            args.vertex.apply(source, &mut profile.options.source)?;
            let key_file = match &args.service_account {
                Some(_) if !source.info().offers(SourceSetting::VertexAuth) => {
                    return Err(Failure::Usage(format!(
                        "--service-account is for {}, not {}.",
                        sources_offering(SourceSetting::VertexAuth),
                        source.id()
                    )))
                }
                Some(path) => Some(path.clone()),
                None => None,
            };
            let (mut profile, changes) = engine.add_profile(profile).await.map_err(refused)?;
            if let Some(path) = &key_file {
                if let Err(failure) =
                    profile_vertex::save_service_account(engine, profile.id.as_str(), path).await
                {
                    // Nothing half-saved: the profile goes with the key it could not keep.
                    let _ = engine.remove_profile(profile.id.as_str()).await;
                    return Err(failure);
                }
                profile = engine.profile(profile.id.as_str()).await?;
            }
            if !args.headers.is_empty() {
                let headers = args
                    .headers
                    .into_iter()
                    .map(|(name, value)| (name, SecretString::from(value)))
                    .collect();
                match engine.set_headers(profile.id.as_str(), headers).await {
                    Ok(saved) => profile = saved,
                    Err(err) => {
                        // Nothing half-saved: the profile goes with the headers it could not keep.
                        let _ = engine.remove_profile(profile.id.as_str()).await;
                        return Err(refused(err));
                    }
                }
            }
            if json {
                print_json(&profile);
            } else {
                outln!(
                    "Saved profile \"{}\" ({}) at {}.",
                    profile.name,
                    profile.source.label(),
                    profile.url
                );
                if !changes.is_empty() {
                    outln!("URL: {}.", changes.join("; "));
                }
                if !source.info().supported {
                    errln!(
                        "Note: {} is not supported by this version yet.",
                        source.label()
                    );
                }
                if source.info().key == KeyNeed::Required && key_file.is_none() {
                    outln!(
                        "Save its API key with: switchboard-cli key set {}",
                        profile.name
                    );
                }
            }
        }
        ProfileCommand::List => {
            let profiles = engine.profiles().await?;
            if json {
                print_json(&profiles);
            } else if profiles.is_empty() {
                errln!("No profiles yet. Add one with \"profile add NAME --source SOURCE\".");
            } else {
                outln!(
                    "{:<20} {:<11} {:<40} {:<24} KEY",
                    "NAME",
                    "SOURCE",
                    "URL",
                    "MODEL"
                );
                for ProfileSummary { profile, has_key } in &profiles {
                    outln!(
                        "{:<20} {:<11} {:<40} {:<24} {}",
                        profile.name,
                        profile.source.id(),
                        profile.url,
                        profile.model.as_deref().unwrap_or("-"),
                        if *has_key { "saved" } else { "-" }
                    );
                }
            }
        }
        ProfileCommand::Show { name } => {
            let profile = engine.profile(&name).await?;
            let has_key = engine.has_key(&name).await?;
            if json {
                print_json(&ProfileSummary { profile, has_key });
            } else {
                outln!("name:                {}", profile.name);
                outln!(
                    "source:              {} ({})",
                    profile.source.id(),
                    profile.source.label()
                );
                outln!("url:                 {}", profile.url);
                outln!(
                    "model:               {}",
                    profile.model.as_deref().unwrap_or("-")
                );
                outln!(
                    "key:                 {}",
                    if has_key {
                        "saved in the keychain"
                    } else {
                        "none"
                    }
                );
                outln!(
                    "bypass status check: {}",
                    yes_no(profile.bypass_status_check)
                );
                outln!(
                    "stream replies:      {}",
                    yes_no(profile.options.stream_replies)
                );
                let capabilities = profile.source.info().capabilities.with_api(profile.api);
                outln!("api:                 {}", api_name(capabilities.api));
                if capabilities.api == ApiType::TextCompletion {
                    let template = match &profile.instruct.custom {
                        Some(_) => "custom (edited)".to_string(),
                        None => profile.instruct.template.label().to_string(),
                    };
                    outln!("instruct template:   {template}");
                    outln!(
                        "context size:        {}",
                        profile
                            .instruct
                            .context_size
                            .map_or("the server's (else 4096)".to_string(), |c| format!(
                                "{c} tokens"
                            ))
                    );
                } else {
                    outln!("post-processing:     {}", profile.post_processing.as_str());
                }
                if let Some(system) = &profile.system_prompt {
                    outln!("system prompt:       {system}");
                }
                if let Some(prefill) = &profile.prefill {
                    outln!("prefill:             {prefill}");
                }
                if let Some(placeholder) = &profile.placeholder {
                    outln!("placeholder:         {placeholder}");
                }
                if profile.source.info().offers(SourceSetting::AzureRoute) {
                    let options = &profile.options.source;
                    let route = match options.azure_route {
                        AzureRoute::V1 => "v1".to_string(),
                        AzureRoute::Deployments => format!(
                            "deployments (api-version {})",
                            options.azure_api_version.as_deref().unwrap_or(switchboard_core::provider::openai_compat::request::azure::DEFAULT_API_VERSION)
                        ),
                    };
                    outln!("azure route:         {route}");
                }
                if profile.source.info().offers(SourceSetting::VertexAuth) {
                    profile_vertex::show(&profile.options.source);
                }
                if profile.source.info().offers(SourceSetting::OpenAiApi) {
                    let api = profile_choices::openai_api_name(profile.options.source.openai_api);
                    outln!("openai api:          {api}");
                }
                for header in &profile.headers {
                    outln!("header:              {header}: <redacted> (in the keychain)");
                }
                profile_network::show(&profile.options.network);
                warn_plain_http(&profile, has_key);
            }
        }
        ProfileCommand::Set {
            name,
            network,
            vertex,
            choices,
            no_stream,
            stream,
        } => {
            if !network.given() && !vertex.given() && !choices.given() && !no_stream && !stream {
                return Err(Failure::Usage(
                    "Nothing to change: give --proxy, --ca-cert, --no-ca-certs, --stream, --no-stream, or a source's choice (--project, --region, --azure-route, --azure-api-version, --keep-alive, --openai-api)."
                        .to_string(),
                ));
            }
            let mut profile = engine.profile(&name).await?;
            vertex.apply(profile.source, &mut profile.options.source)?;
            choices.apply(profile.source, &mut profile.options.source)?;
            network.apply(&mut profile.options.network);
            if no_stream || stream {
                profile.options.stream_replies = stream;
            }
            let profile = engine.update_profile(profile).await.map_err(refused)?;
            if json {
                print_json(&profile);
            } else {
                outln!("Saved profile \"{}\".", profile.name);
                if profile.source.info().offers(SourceSetting::VertexAuth) {
                    profile_vertex::show(&profile.options.source);
                }
                profile_network::show(&profile.options.network);
                outln!(
                    "stream replies:      {}",
                    yes_no(profile.options.stream_replies)
                );
            }
        }
        ProfileCommand::Rm { name } => {
            let profile = engine.remove_profile(&name).await?;
            if !json {
                outln!(
                    "Deleted profile \"{}\" and its keychain entries.",
                    profile.name
                );
            }
        }
        ProfileCommand::ImportSillytavern {
            settings,
            secrets,
            with_keys,
        } => {
            import_st::import_sillytavern(engine, &settings, secrets.as_deref(), with_keys).await?
        }
    }
    Ok(())
}

/// Warns on standard error when a saved key would travel over plain http:// to another machine.
pub fn warn_plain_http(profile: &Profile, has_key: bool) {
    if has_key && is_unencrypted_remote(&profile.url) {
        errln!(
            "Warning: \"{}\" sends its API key over plain http:// to another machine; anyone on the network can read it.",
            profile.name
        );
    }
}
