//! `switchboard-cli`: Switchboard from a terminal, over the same core, data directory and
//! keychain as the desktop app.
//!
//! Exit codes: 0 ok, 1 storage or internal failure, 2 usage (a bad argument or input file,
//! including one the core refuses before anything is sent), 3 not configured (or no keychain),
//! 4 auth, 5 network, 6 provider error, 130 cancelled. Errors go to stderr in plain sentences;
//! `--json` makes standard output machine-readable.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use switchboard_core::catalogue::{ApiType, KeyNeed, ProviderKind, SOURCES};
use switchboard_core::endpoint::is_unencrypted_remote;
use switchboard_core::engine::{ProfileSummary, TestReport, MAX_KEY_BYTES, MAX_MODEL_CHARS};
use switchboard_core::error::quoted;
use switchboard_core::http::HttpConfig;
use switchboard_core::model::ChatEvent;
use switchboard_core::prompt::instruct::TemplateKind;
use switchboard_core::prompt::{PostProcessing, PromptNames};
use switchboard_core::provider::StatusReport;
use switchboard_core::secrets::KeyringStore;
use switchboard_core::store::Profile;
use switchboard_core::{
    CancelReason, ConnectionSpec, Engine, EngineConfig, Error, ErrorKind, GenParams,
    GenerationRequest,
};

/// `println!`/`eprint!`/`eprintln!` that never panic: a closed standard output or
/// error (a pipe into `head`, a closed terminal) must not abort a reply half-way.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod chats;
mod import_st;
mod reset;
mod snapshots;

#[derive(Parser)]
#[command(
    name = "switchboard-cli",
    version,
    about = "Chat with any LLM API from a terminal: profiles, keys, status checks, model lists and streamed replies."
)]
struct Cli {
    /// Data directory (default: the app's, e.g. ~/.local/share/switchboard).
    #[arg(long, global = true, env = "SWITCHBOARD_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Machine-readable output on standard output.
    #[arg(long, global = true)]
    json: bool,
    /// Longest silence from a server before giving up, in seconds.
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_IDLE_TIMEOUT",
        value_name = "SECS",
        default_value_t = 180,
        allow_negative_numbers = true,
        value_parser = clap::builder::RangedI64ValueParser::<u64>::new().range(0..)
    )]
    idle_timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the sources with their default URLs and capabilities.
    Providers,
    /// Manage saved connection profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Manage API keys in the system keychain.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Check that an endpoint answers and the key works.
    Status(TargetArgs),
    /// List the models an endpoint offers.
    Models(TargetArgs),
    /// Send a short test message.
    Test(TestArgs),
    /// Send a message and print the reply as it streams (Ctrl-C stops it and keeps what arrived).
    Chat(ChatArgs),
    /// Post-process a JSON array of messages read from standard input and print the result.
    Prompt(PromptArgs),
    /// Find the LLM servers running on this machine (KoboldCpp, Oobabooga, llama.cpp, Ollama,
    /// LM Studio, TabbyAPI, vLLM): one line each with source, URL, version and models.
    Detect(DetectArgs),
    /// The saved chats: list, show, search, import (SillyTavern, Switchboard) and export.
    #[command(subcommand)]
    Chats(chats::ChatsCommand),
    /// The database's rolling snapshots (one a day, one before each upgrade or restore): list,
    /// restore.
    #[command(subcommand)]
    Snapshots(snapshots::SnapshotsCommand),
    /// Delete all of Switchboard's data: the database, its backups and every keychain entry
    /// Switchboard made. Needs --yes.
    Reset(reset::ResetArgs),
}

#[derive(Args)]
struct DetectArgs {
    /// Probe these loopback ports instead of the usual ones (for testing or unusual setups).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "PORT,...",
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    ports: Vec<u16>,
    /// Save a profile for each server found (with its first model).
    #[arg(long)]
    save: bool,
}

#[derive(Args)]
struct PromptArgs {
    /// none, merge, semi-strict or strict.
    #[arg(long, value_name = "MODE")]
    post_processing: PostProcessing,
    /// The character's name, put before example replies.
    #[arg(long, default_value = "")]
    char_name: String,
    /// The user's name, put before example user messages.
    #[arg(long, default_value = "")]
    user_name: String,
    /// The user message strict mode inserts.
    #[arg(long, default_value = switchboard_core::prompt::DEFAULT_PLACEHOLDER, value_parser = non_empty())]
    placeholder: String,
}

#[derive(Subcommand)]
enum ProfileCommand {
    /// Save a new profile.
    Add(Box<ProfileAddArgs>),
    /// List the profiles.
    List,
    /// Show one profile (never its key).
    Show {
        /// Profile name.
        #[arg(value_parser = non_empty())]
        name: String,
    },
    /// Delete a profile and its keychain entries (key, header values, URL credentials).
    Rm {
        /// Profile name.
        #[arg(value_parser = non_empty())]
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
struct ProfileAddArgs {
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
    /// Prompt post-processing for strict endpoints: none, merge, semi-strict or strict.
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
    /// Context size in tokens for text completion (default: what the server reports, else
    /// 4096); the oldest messages that do not fit are left out.
    #[arg(long, value_name = "TOKENS", allow_negative_numbers = true, value_parser = tokens())]
    context_size: Option<u32>,
    #[command(flatten)]
    samplers: SamplerArgs,
}

/// Sampler settings saved with a profile; each is sent only to sources that accept it.
#[derive(Args)]
struct SamplerArgs {
    /// Longest reply in tokens.
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

/// A text argument that may not be empty (clap: "a value is required for …").
fn non_empty() -> clap::builder::NonEmptyStringValueParser {
    clap::builder::NonEmptyStringValueParser::new()
}

/// A count of tokens: 1 or more.
fn tokens() -> clap::builder::RangedI64ValueParser<u32> {
    clap::builder::RangedI64ValueParser::new().range(1..=i64::from(u32::MAX))
}

/// A sampler setting: a finite number, zero or more (no source takes a negative one, and
/// NaN or infinity cannot be sent as JSON).
fn parse_sampler(text: &str) -> std::result::Result<f32, String> {
    let value: f32 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a number", quoted(text)))?;
    if value.is_nan() {
        return Err(format!("\"{}\" is not a number", quoted(text)));
    }
    if value.is_infinite() {
        return Err(format!("\"{}\" is too large", quoted(text)));
    }
    if value < 0.0 {
        return Err(format!("{value} is negative; give zero or more"));
    }
    // `-0` is zero.
    Ok(if value == 0.0 { 0.0 } else { value })
}

/// A sampler setting that is a probability: from 0 to 1.
fn parse_fraction(text: &str) -> std::result::Result<f32, String> {
    let value = parse_sampler(text)?;
    if value > 1.0 {
        return Err(format!("{value} is more than 1; give a number from 0 to 1"));
    }
    Ok(value)
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

#[derive(Subcommand)]
enum KeyCommand {
    /// Save a profile's API key, read from standard input (never from an argument).
    Set {
        /// Profile name.
        #[arg(value_parser = non_empty())]
        name: String,
    },
    /// Remove a profile's API key.
    Clear {
        /// Profile name.
        #[arg(value_parser = non_empty())]
        name: String,
    },
}

#[derive(Args)]
struct AdHoc {
    /// Ad-hoc connection instead of a profile: the source id.
    #[arg(long, conflicts_with = "name", value_parser = non_empty())]
    source: Option<String>,
    /// Ad-hoc connection: base URL.
    #[arg(long, requires = "source", value_parser = non_empty())]
    url: Option<String>,
    /// Ad-hoc connection: the environment variable holding the API key.
    #[arg(long, value_name = "VAR", requires = "source", value_parser = non_empty())]
    key_env: Option<String>,
}

#[derive(Args)]
struct TargetArgs {
    /// Profile name (or use --source for an ad-hoc connection).
    #[arg(required_unless_present = "source", value_parser = non_empty())]
    name: Option<String>,
    #[command(flatten)]
    adhoc: AdHoc,
}

#[derive(Args)]
struct TestArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Model id (default: the profile's).
    #[arg(long, value_parser = non_empty())]
    model: Option<String>,
}

#[derive(Args)]
struct ChatArgs {
    /// `NAME MESSAGE`, or just `MESSAGE` with --source.
    #[arg(required = true, num_args = 1..=2, value_name = "NAME MESSAGE")]
    words: Vec<String>,
    /// Ad-hoc connection instead of a profile: the source id.
    #[arg(long, value_parser = non_empty())]
    source: Option<String>,
    /// Ad-hoc connection: base URL.
    #[arg(long, requires = "source", value_parser = non_empty())]
    url: Option<String>,
    /// Ad-hoc connection: the environment variable holding the API key.
    #[arg(long, value_name = "VAR", requires = "source", value_parser = non_empty())]
    key_env: Option<String>,
    /// Model id (default: the profile's).
    #[arg(long, value_parser = non_empty())]
    model: Option<String>,
    /// System prompt (default: the profile's; an empty one sends none).
    #[arg(long)]
    system: Option<String>,
    /// Longest reply in tokens.
    #[arg(long, allow_negative_numbers = true, value_parser = tokens())]
    max_tokens: Option<u32>,
    /// Sampling temperature.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_sampler)]
    temperature: Option<f32>,
    /// Wait for the whole reply instead of streaming it.
    #[arg(long)]
    no_stream: bool,
    /// Continue this chat (its id, the start of its id, or its title) instead of starting a new one.
    #[arg(long, value_name = "ID", value_parser = non_empty())]
    chat: Option<String>,
    /// Print the request as it would go on the wire (`{"url", "headers", "body"}`, keys
    /// redacted) instead of sending it. Nothing is saved.
    #[arg(long)]
    dry_run: bool,
}

/// A failure on the way out: a usage mistake (exit 2) or a core error.
enum Failure {
    Usage(String),
    Core(Error),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Core(err)
    }
}

type CliResult<T = ()> = Result<T, Failure>;

/// For a step that sends nothing anywhere: the core refusing the input itself
/// (`InvalidRequest`: too long, empty, a name taken, no such chat) is a usage mistake, exit 2;
/// exit 6 stays for a provider's refusal.
fn refused(err: Error) -> Failure {
    if err.kind == ErrorKind::InvalidRequest {
        Failure::Usage(err.message)
    } else {
        Failure::Core(err)
    }
}

/// An explicit `--model`: not longer than the core takes (`test` sends it as it is).
fn check_model(model: Option<&str>) -> CliResult {
    if let Some(model) = model {
        let count = model.chars().count();
        if count > MAX_MODEL_CHARS {
            return Err(Failure::Usage(format!(
                "The model id is too long ({count} characters; at most {MAX_MODEL_CHARS})."
            )));
        }
    }
    Ok(())
}

/// Why an API key cannot be used as it is, if it cannot (the core's rule for saved keys).
fn key_problem(key: &str) -> Option<String> {
    if key.len() > MAX_KEY_BYTES {
        return Some(format!(
            "is too long ({} bytes; at most {MAX_KEY_BYTES})",
            key.len()
        ));
    }
    key.chars()
        .any(char::is_control)
        .then(|| "contains a line break or another control character".to_string())
}

/// `prompt`: standard input → post-processing → standard output, as JSON.
fn prompt(args: &PromptArgs) -> CliResult<()> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|err| Failure::Usage(format!("could not read standard input: {err}.")))?;
    let must = |err: &dyn std::fmt::Display| {
        Failure::Usage(format!(
            "standard input must be a JSON array of messages ({{\"role\", \"content\", \"name\"?}}): {err}."
        ))
    };
    let value: serde_json::Value = serde_json::from_str(&input).map_err(|err| must(&err))?;
    // As OpenAI-format clients write them: content null, missing or in parts, tool messages.
    let read = switchboard_core::prompt::client::read_messages(&value).map_err(|err| must(&err))?;
    for note in &read.notes {
        errln!("note: {note}.");
    }
    let messages = read.messages;
    let names = PromptNames {
        char_name: args.char_name.clone(),
        user_name: args.user_name.clone(),
        group_names: Vec::new(),
        placeholder: args.placeholder.clone(),
    };
    let out = switchboard_core::prompt::post_process(&messages, args.post_processing, &names);
    let text = serde_json::to_string_pretty(&out)
        .map_err(|err| Failure::Usage(format!("could not print the messages: {err}.")))?;
    outln!("{text}");
    Ok(())
}

fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::NotConfigured | ErrorKind::SecretStore => 3,
        ErrorKind::Auth => 4,
        ErrorKind::Network => 5,
        ErrorKind::RateLimited
        | ErrorKind::ProviderUnavailable
        | ErrorKind::InvalidRequest
        | ErrorKind::ModelNotFound
        | ErrorKind::Protocol => 6,
        ErrorKind::Cancelled => 130,
        _ => 1,
    }
}

/// An argument longer than this is shortened where a message repeats it.
const ECHO_CHARS: usize = 100;

/// `text` with every argument longer than [`ECHO_CHARS`] cut to its start: a usage message
/// that repeats a huge argument (a pasted file, say) stays readable.
fn shorten(text: &str) -> String {
    let mut text = text.to_string();
    for arg in std::env::args_os()
        .skip(1)
        .filter_map(|arg| arg.into_string().ok())
    {
        let value = match arg.split_once('=') {
            Some((_, value)) if arg.starts_with("--") => value,
            _ => arg.as_str(),
        };
        for long in [arg.as_str(), value] {
            if long.chars().nth(ECHO_CHARS).is_some() && text.contains(long) {
                let count = long.chars().count();
                text = text.replace(long, &format!("{} ({count} characters)", quoted(long)));
            }
        }
    }
    text
}

/// Parses the command line; usage mistakes are printed (shortened) with clap's exit code.
fn parse() -> Result<Cli, ExitCode> {
    let err = match Cli::try_parse() {
        Ok(cli) => return Ok(cli),
        Err(err) => err,
    };
    if !err.use_stderr() {
        // --help and --version.
        err.exit();
    }
    let rendered = err.render();
    let plain = rendered.to_string();
    let shortened = shorten(&plain);
    if shortened == plain {
        // Nothing to cut: clap's own printing, in colour on a terminal.
        let _ = err.print();
    } else {
        err!("{shortened}");
    }
    Err(ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2)))
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // One thread: a streamed reply's bytes, its decoding and its printing meet on the same
    // thread instead of waking another for every chunk (the database and the keychain still
    // get their own blocking threads).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            errln!("error: could not start: {err}.");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Usage(message)) => {
            errln!("error: {}", shorten(&message));
            ExitCode::from(2)
        }
        Err(Failure::Core(err)) => {
            errln!("error: {}", shorten(&err.message));
            ExitCode::from(exit_code(err.kind))
        }
    }
}

async fn run(cli: Cli) -> CliResult<u8> {
    // These need no data directory or keychain.
    match &cli.command {
        Command::Providers => {
            providers(cli.json);
            return Ok(0);
        }
        Command::Prompt(args) => return prompt(args).map(|()| 0),
        _ => {}
    }
    let data_dir = match cli
        .data_dir
        .clone()
        .or_else(switchboard_core::default_data_dir)
    {
        Some(dir) => dir,
        None => return Err(Failure::Usage("no data directory; pass --data-dir.".into())),
    };
    if let Command::Reset(args) = &cli.command {
        return reset::run(&data_dir, args, cli.json).await.map(|()| 0);
    }
    let engine = Engine::open(EngineConfig {
        data_dir,
        http: HttpConfig {
            idle_timeout: Duration::from_secs(cli.idle_timeout.max(1)),
            ..HttpConfig::default()
        }
        .with_env_overrides(),
        secret_store: Arc::new(KeyringStore::new()),
        keychain_timeout: Duration::from_secs(20),
    })?;
    if let Some(problem) = engine.store().snapshot_problem() {
        errln!("warning: {problem}");
    }
    let json = cli.json;
    match cli.command {
        Command::Providers | Command::Prompt(_) | Command::Reset(_) => Ok(0),
        Command::Profile(command) => profile(&engine, command, json).await.map(|()| 0),
        Command::Chats(command) => chats::run(&engine, command, json).await,
        Command::Snapshots(command) => snapshots::run(&engine, command, json).await,
        Command::Key(command) => key(&engine, command).await.map(|()| 0),
        Command::Status(target) => {
            let spec = spec(
                &target.name,
                &target.adhoc.source,
                &target.adhoc.url,
                &target.adhoc.key_env,
                None,
            )?;
            let report = engine.status(&spec).await?;
            print_status(&report, json);
            Ok(0)
        }
        Command::Models(target) => {
            let spec = spec(
                &target.name,
                &target.adhoc.source,
                &target.adhoc.url,
                &target.adhoc.key_env,
                None,
            )?;
            let models = engine.models(&spec).await?;
            if json {
                print_json(&models);
            } else if models.is_empty() {
                errln!("The server lists no models; type the model id into the profile (--model).");
            } else {
                for model in &models {
                    match (&model.name, model.context_length) {
                        (Some(name), Some(ctx)) => outln!("{}\t{name}\t{ctx} tokens", model.id),
                        (Some(name), None) => outln!("{}\t{name}", model.id),
                        (None, Some(ctx)) => outln!("{}\t{ctx} tokens", model.id),
                        (None, None) => outln!("{}", model.id),
                    }
                }
            }
            Ok(0)
        }
        Command::Test(args) => {
            check_model(args.model.as_deref())?;
            let t = &args.target;
            let spec = spec(
                &t.name,
                &t.adhoc.source,
                &t.adhoc.url,
                &t.adhoc.key_env,
                args.model.clone(),
            )?;
            let report = engine.test_message(&spec, args.model).await?;
            print_test(&report, json);
            Ok(0)
        }
        Command::Chat(args) => chat(&engine, args, json).await,
        Command::Detect(args) => detect(&engine, args, json).await.map(|()| 0),
    }
}

/// The most ports `detect --ports` probes: each takes several requests.
const MAX_PORTS: usize = 256;

/// `detect`: one `source<TAB>url<TAB>version<TAB>models` line per server (`-` for unknown or
/// none); with `--save`, one "Saved profile" line per profile saved instead.
async fn detect(engine: &Engine, mut args: DetectArgs, json: bool) -> CliResult {
    let mut seen = std::collections::HashSet::new();
    args.ports.retain(|port| seen.insert(*port));
    if args.ports.len() > MAX_PORTS {
        return Err(Failure::Usage(format!(
            "--ports takes at most {MAX_PORTS} ports ({} given).",
            args.ports.len()
        )));
    }
    let ports = (!args.ports.is_empty()).then_some(args.ports);
    let probed = ports
        .clone()
        .unwrap_or_else(|| switchboard_core::detect::LOCAL_PORTS.to_vec());
    let found = engine.detect(ports).await;
    if found.is_empty() {
        if json {
            print_json(&found);
        }
        let probed: Vec<String> = probed.iter().map(u16::to_string).collect();
        errln!("No local servers found on ports {}.", probed.join(", "));
        return Ok(());
    }
    if args.save {
        for server in &found {
            let mut profile = Profile::new(
                server.profile_name.clone(),
                server.source,
                server.url.clone(),
            );
            profile.model = server.models.first().cloned();
            let (profile, _) = engine.add_profile(profile).await?;
            if !json {
                outln!(
                    "Saved profile \"{}\" ({}) at {}: {}.",
                    profile.name,
                    profile.source.id(),
                    profile.url,
                    server.summary
                );
                if !server.source.info().supported {
                    errln!(
                        "Note: {} is not supported by this version yet.",
                        server.source.label()
                    );
                }
            }
        }
    }
    if json {
        print_json(&found);
    } else if !args.save {
        for server in &found {
            outln!(
                "{}\t{}\t{}\t{}",
                server.source.id(),
                server.url,
                server.version.as_deref().unwrap_or("-"),
                if server.models.is_empty() {
                    "-".to_string()
                } else {
                    server.models.join(",")
                }
            );
        }
    }
    Ok(())
}

/// Builds the connection spec from a profile name or the ad-hoc flags.
fn spec(
    name: &Option<String>,
    source: &Option<String>,
    url: &Option<String>,
    key_env: &Option<String>,
    model: Option<String>,
) -> CliResult<ConnectionSpec> {
    match (name, source) {
        (Some(_), Some(_)) => Err(Failure::Usage(
            "give either a profile NAME or --source for an ad-hoc connection, not both.".into(),
        )),
        // clap does not hold `--url`/`--key-env` to their `requires = "source"` next to a
        // profile NAME; used with one they would be ignored without a word.
        (Some(_), None) if url.is_some() || key_env.is_some() => Err(Failure::Usage(
            "--url and --key-env go with --source (an ad-hoc connection); a profile uses its own URL and key.".into(),
        )),
        (Some(name), None) => Ok(ConnectionSpec::Profile(name.clone())),
        (None, Some(source)) => {
            let source: ProviderKind = source
                .parse()
                .map_err(|err: Error| Failure::Usage(err.message))?;
            // A URL the core would refuse is the argument's fault, said before anything else.
            if let Some(url) = url {
                source.normalize_url(url).map_err(Failure::Usage)?;
            }
            let key = match key_env {
                Some(var) => Some(key_from_env(var)?),
                None => None,
            };
            Ok(ConnectionSpec::AdHoc {
                source,
                url: url.clone(),
                key,
                model,
            })
        }
        (None, None) => Err(Failure::Usage(
            "name a profile, or give --source (and --url) for an ad-hoc connection.".into(),
        )),
    }
}

/// The API key in the environment variable `var` (`--key-env`), trimmed.
fn key_from_env(var: &str) -> CliResult<SecretString> {
    if var.contains('=') || var.contains('\0') {
        return Err(Failure::Usage(format!(
            "--key-env takes the name of an environment variable (like OPENAI_API_KEY), not \"{}\".",
            quoted(var)
        )));
    }
    let not_configured = |why: &str| {
        Failure::Core(Error::not_configured(format!(
            "The environment variable {} (--key-env) {why}.",
            quoted(var)
        )))
    };
    let value = match std::env::var(var) {
        Ok(value) => value,
        Err(std::env::VarError::NotPresent) => return Err(not_configured("is not set")),
        Err(std::env::VarError::NotUnicode(_)) => return Err(not_configured("is not UTF-8 text")),
    };
    let key = value.trim();
    if key.is_empty() {
        return Err(not_configured("is empty"));
    }
    if let Some(why) = key_problem(key) {
        return Err(not_configured(&why));
    }
    Ok(SecretString::from(key.to_string()))
}

fn print_json<T: serde::Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => outln!("{text}"),
        Err(err) => errln!("error: could not encode the output: {err}."),
    }
}

fn providers(json: bool) {
    if json {
        print_json(SOURCES);
        return;
    }
    outln!(
        "{:<11} {:<32} {:<16} {:<34} {:<9} {:<7} {:<7} SUPPORTED",
        "SOURCE",
        "NAME",
        "API",
        "DEFAULT URL",
        "KEY",
        "STREAM",
        "MODELS"
    );
    for source in SOURCES {
        let caps = source.capabilities;
        outln!(
            "{:<11} {:<32} {:<16} {:<34} {:<9} {:<7} {:<7} {}",
            source.id,
            source.label,
            match caps.api {
                ApiType::ChatCompletion => "chat completion",
                ApiType::TextCompletion => "text completion",
            },
            source.default_url,
            match source.key {
                KeyNeed::Required => "required",
                KeyNeed::Optional => "optional",
            },
            yes_no(caps.streaming),
            yes_no(caps.model_list),
            if source.supported { "yes" } else { "not yet" },
        );
    }
}

fn api_name(api: ApiType) -> &'static str {
    match api {
        ApiType::ChatCompletion => "chat completion",
        ApiType::TextCompletion => "text completion",
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

async fn profile(engine: &Engine, command: ProfileCommand, json: bool) -> CliResult {
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
            let (mut profile, changes) = engine.add_profile(profile).await.map_err(refused)?;
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
                if source.info().key == KeyNeed::Required {
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
                for header in &profile.headers {
                    outln!("header:              {header}: <redacted> (in the keychain)");
                }
                warn_plain_http(&profile, has_key);
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

/// A file's text, refused before reading when it is over the import size limit.
fn read_text(path: &std::path::Path) -> CliResult<String> {
    switchboard_core::transfer::files::read_text(path).map_err(|err| {
        let why = err
            .message
            .strip_prefix("cannot read it: ")
            .unwrap_or(&err.message);
        Failure::Usage(format!("cannot read {}: {why}.", short_path(path)))
    })
}

/// A path as named in an error message: a path longer than any file system takes (a pasted
/// text, say) is cut to its start.
fn short_path(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    match text.chars().nth(1024) {
        Some(_) => format!("{} ({} characters)", quoted(&text), text.chars().count()),
        None => text,
    }
}

fn warn_plain_http(profile: &Profile, has_key: bool) {
    if has_key && is_unencrypted_remote(&profile.url) {
        errln!(
            "Warning: \"{}\" sends its API key over plain http:// to another machine; anyone on the network can read it.",
            profile.name
        );
    }
}

async fn key(engine: &Engine, command: KeyCommand) -> CliResult {
    match command {
        KeyCommand::Set { name } => {
            let profile = engine.profile(&name).await?;
            let key = read_key(&profile.name)?;
            engine.set_key(&name, key).await.map_err(refused)?;
            errln!(
                "Saved the API key of \"{}\" in the system keychain.",
                profile.name
            );
            warn_plain_http(&profile, true);
        }
        KeyCommand::Clear { name } => {
            let profile = engine.clear_key(&name).await?;
            errln!("Removed the API key of \"{}\".", profile.name);
        }
    }
    Ok(())
}

/// Reads a key from standard input: a hidden prompt on a terminal, else the whole input.
fn read_key(profile: &str) -> CliResult<SecretString> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        rpassword::prompt_password(format!("API key for \"{profile}\": "))
            .map_err(|err| Failure::Usage(format!("could not read the key: {err}.")))?
    } else {
        let mut text = String::new();
        stdin.lock().read_to_string(&mut text).map_err(|err| {
            Failure::Usage(format!(
                "could not read the key from standard input: {err}."
            ))
        })?;
        text
    };
    let key = text.trim();
    if key.is_empty() {
        return Err(Failure::Usage("no key on standard input.".into()));
    }
    Ok(SecretString::from(key.to_string()))
}

fn print_status(report: &StatusReport, json: bool) {
    if json {
        print_json(report);
        return;
    }
    outln!("{}", report.message);
    if report.url_changed {
        outln!("The profile now uses {}.", report.base_url);
    }
}

fn print_test(report: &TestReport, json: bool) {
    if json {
        print_json(report);
        return;
    }
    let reply = report.reply.trim();
    if reply.is_empty() {
        outln!(
            "OK in {} ms: {} answered with an empty reply ({}).",
            report.elapsed_ms,
            report.model,
            report.stop_reason.as_str()
        );
    } else {
        outln!(
            "OK in {} ms: {} replied: {reply}",
            report.elapsed_ms,
            report.model
        );
    }
}

async fn chat(engine: &Engine, args: ChatArgs, json: bool) -> CliResult<u8> {
    let (name, message) = match (args.words.as_slice(), &args.source) {
        ([message], Some(_)) => (None, message.clone()),
        ([name, message], None) => (Some(name.clone()), message.clone()),
        ([_], None) => {
            return Err(Failure::Usage(
                "give a profile NAME and a MESSAGE, or --source with a MESSAGE.".into(),
            ))
        }
        (_, Some(_)) => {
            return Err(Failure::Usage(
                "with --source give only the MESSAGE, not a profile name.".into(),
            ))
        }
        _ => return Err(Failure::Usage("give a profile NAME and a MESSAGE.".into())),
    };
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(Failure::Usage("the profile name is empty.".into()));
    }
    if message.trim().is_empty() {
        return Err(Failure::Usage("the message is empty.".into()));
    }
    check_model(args.model.as_deref())?;
    // The chat to continue must exist (given by id or title), dry run or not.
    let chat_id = match &args.chat {
        Some(chat) => Some(engine.find_chat(chat).await.map_err(refused)?.id),
        None => None,
    };
    let spec = spec(
        &name,
        &args.source,
        &args.url,
        &args.key_env,
        args.model.clone(),
    )?;
    let request = GenerationRequest {
        connection: spec,
        chat_id,
        input: message,
        model: args.model,
        system_prompt: args.system,
        params: GenParams {
            max_tokens: args.max_tokens,
            temperature: args.temperature,
            ..GenParams::default()
        },
        stream: !args.no_stream,
        action: switchboard_core::engine::Action::Send,
    };
    if args.dry_run {
        let wire = engine.dry_run(&request).await?;
        let headers: serde_json::Map<String, serde_json::Value> = wire
            .headers
            .into_iter()
            .map(|(name, value)| (name, serde_json::Value::String(value)))
            .collect();
        let shown = serde_json::json!({"url": wire.url, "headers": headers, "body": wire.body});
        let text = serde_json::to_string_pretty(&shown)
            .map_err(|err| Failure::Usage(format!("could not print the request: {err}.")))?;
        outln!("{text}");
        return Ok(0);
    }
    let generation = engine.start_generation(request).await?;

    let mut events = generation.events;
    let mut stdout = std::io::stdout().lock();
    let mut wrote_text = false;
    let mut in_reasoning = false;
    let terminate = shutdown_signal();
    tokio::pin!(terminate);
    let mut interrupted = false;
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                engine.cancel(&generation.id, CancelReason::User);
                continue;
            }
            _ = &mut terminate, if !interrupted => {
                interrupted = true;
                engine.cancel(&generation.id, CancelReason::Shutdown);
                continue;
            }
        };
        let Some(event) = event else {
            return Err(Failure::Core(Error::internal(
                "The reply stream ended unexpectedly.",
            )));
        };
        if json {
            if let Ok(line) = serde_json::to_string(&event) {
                let _ = writeln!(stdout, "{line}");
                let _ = stdout.flush();
            }
        }
        match event {
            ChatEvent::Delta { text } if !json => {
                if in_reasoning {
                    errln!();
                    in_reasoning = false;
                }
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
                wrote_text = true;
            }
            ChatEvent::Reasoning { text } if !json => {
                if !in_reasoning {
                    err!("Thinking: ");
                    in_reasoning = true;
                }
                err!("{text}");
            }
            ChatEvent::HistoryTrimmed {
                dropped,
                context_size,
            } if !json => {
                errln!(
                    "Note: {dropped} older message{} left out to fit the {context_size}-token context.",
                    if dropped == 1 { " was" } else { "s were" }
                );
            }
            ChatEvent::Queued {
                position,
                wait_secs,
            } if !json => {
                errln!(
                    "Queued: position {position}, about {} s.",
                    wait_secs.round()
                );
            }
            ChatEvent::Finished { .. } => {
                if wrote_text && !json {
                    let _ = writeln!(stdout);
                }
                return Ok(0);
            }
            ChatEvent::Failed { error, .. } => {
                if wrote_text && !json {
                    let _ = writeln!(stdout);
                }
                return Err(Failure::Core(error));
            }
            ChatEvent::Cancelled { .. } => {
                if wrote_text && !json {
                    let _ = writeln!(stdout);
                }
                errln!("Stopped; the reply received so far is saved.");
                return Ok(130);
            }
            _ => {}
        }
    }
}

/// Resolves on SIGTERM or SIGHUP (Unix); never elsewhere.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(mut term), Ok(mut hup)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            }
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await;
}
