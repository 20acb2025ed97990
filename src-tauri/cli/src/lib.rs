//! `switchboard-cli`: Switchboard from a terminal, over the same core, data directory and
//! keychain as the desktop app.
//!
//! A library with one entry point, [`run`], so that two binaries can be the command line: the
//! standalone `switchboard-cli` (src/main.rs: development, tests, `cargo install`) and the desktop
//! app's own binary, which runs it when started as `switchboard-cli` or with `--cli` first (the
//! .deb's `/usr/bin/switchboard-cli`), so that the package carries one copy of the core.
//!
//! Exit codes: 0 ok, 1 storage or internal failure, 2 usage (a bad argument or input file,
//! including one the core refuses before anything is sent), 3 not configured (or no keychain),
//! 4 auth, 5 network, 6 provider error, 130 cancelled. Errors go to stderr in plain sentences;
//! `--json` makes standard output machine-readable.
//!
//! This file holds the arguments shared by every command, the exit codes, the output helpers
//! and the dispatch; each command lives in its own module. It must not grow a command's own
//! logic.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use clap::{CommandFactory as _, Parser, Subcommand};
use switchboard_core::error::quoted;
use switchboard_core::http::HttpConfig;
use switchboard_core::secrets::KeyringStore;
use switchboard_core::{Engine, EngineConfig, Error, ErrorKind};

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

mod advice;
mod args;
mod attach;
mod chat;
mod chats;
mod completion;
mod connect;
mod conversation;
mod detect;
mod doctor;
mod import_st;
mod key;
mod manual;
mod profile;
mod profile_choices;
mod profile_network;
mod profile_vertex;
mod prompt;
mod providers;
mod reset;
mod snapshots;
mod streamed;

#[derive(Parser)]
#[command(
    name = "switchboard-cli",
    bin_name = completion::BIN,
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
    /// List the sources, grouped, with their default URLs and capabilities (SEARCH: only those
    /// whose id or name contains it).
    Providers(providers::ProvidersArgs),
    /// Manage saved connection profiles.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Manage API keys in the system keychain.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Check that an endpoint answers and the key works.
    Status(connect::TargetArgs),
    /// List the models an endpoint offers.
    Models(connect::TargetArgs),
    /// Send a short test message.
    Test(connect::TestArgs),
    /// Find why a connection fails: normalise the URL, reach the host, list the models, ask for
    /// a one-token reply whole and streamed; each step printed with its time and, when it
    /// fails, the fix. Exits non-zero when a step failed.
    Doctor(connect::TestArgs),
    /// Send a message and print the reply as it streams (Ctrl-C stops it and keeps what
    /// arrived); without a message, hold a conversation in the terminal. Text piped in is the
    /// message, or comes before the MESSAGE given.
    Chat(chat::ChatArgs),
    /// Post-process a JSON array of messages read from standard input and print the result.
    Prompt(prompt::PromptArgs),
    /// Find the LLM servers running on this machine (KoboldCpp, Oobabooga, llama.cpp, Ollama,
    /// LM Studio, TabbyAPI, vLLM, Aphrodite): one line each with source, URL, version and
    /// models, and "needs a key" for a server that refused to answer without one.
    Detect(detect::DetectArgs),
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
    /// Print a shell's completion script: profile names and chats complete from the data
    /// directory. Load it with e.g. `source <(switchboard-cli completions bash)`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: completion::Shell,
    },
    /// Print the manual page (roff), e.g. `switchboard-cli man | man -l -`.
    Man,
}

/// The command line's definition: what parses it, completes it and writes its manual.
fn command() -> clap::Command {
    Cli::command()
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
        Failure::Usage(advice::advised(&err))
    } else {
        Failure::Core(err)
    }
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
    for arg in args()
        .iter()
        .skip(1)
        .cloned()
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
    let err = match Cli::try_parse_from(args()) {
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

/// The command line [`run`] was given, its program name first.
static ARGS: OnceLock<Vec<OsString>> = OnceLock::new();

/// The command line this run was given (the process's own when [`run`] was not called).
fn args() -> Vec<OsString> {
    ARGS.get()
        .cloned()
        .unwrap_or_else(|| std::env::args_os().collect())
}

/// Runs the command line `args` (the program's name first, as in `std::env::args_os()`) and
/// returns its exit code; `--help`, `--version` and a shell's completion request print and exit
/// the process. Call it once, before anything is printed: it must not run twice in one process.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString>>) -> ExitCode {
    let _ = ARGS.set(args.into_iter().map(Into::into).collect());
    completion::answer_if_asked();
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
    let outcome = runtime.block_on(dispatch(cli));
    // A keychain call that timed out may still be waiting (a keyring never unlocked): exit
    // without waiting for its thread.
    runtime.shutdown_background();
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Usage(message)) => {
            errln!("error: {}", shorten(&message));
            ExitCode::from(2)
        }
        Err(Failure::Core(err)) => {
            errln!("error: {}", shorten(&advice::advised(&err)));
            ExitCode::from(exit_code(err.kind))
        }
    }
}

async fn dispatch(cli: Cli) -> CliResult<u8> {
    // These need no data directory or keychain.
    match &cli.command {
        Command::Providers(args) => {
            providers::run(args, cli.json);
            return Ok(0);
        }
        Command::Prompt(args) => return prompt::run(args).map(|()| 0),
        Command::Completions { shell } => return completion::print_script(*shell),
        Command::Man => return manual::print(),
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
        Command::Providers(_)
        | Command::Prompt(_)
        | Command::Reset(_)
        | Command::Completions { .. }
        | Command::Man => Ok(0),
        Command::Profile(command) => profile::run(&engine, command, json).await.map(|()| 0),
        Command::Chats(command) => chats::run(&engine, command, json).await,
        Command::Snapshots(command) => snapshots::run(&engine, command, json).await,
        Command::Key(command) => key::run(&engine, command).await.map(|()| 0),
        Command::Status(target) => connect::status(&engine, target, json).await,
        Command::Models(target) => connect::models(&engine, target, json).await,
        Command::Test(args) => connect::test(&engine, args, json).await,
        Command::Doctor(args) => doctor::run(&engine, args, json).await,
        Command::Chat(args) => chat::run(&engine, args, json).await,
        Command::Detect(args) => detect::run(&engine, args, json).await.map(|()| 0),
    }
}

fn print_json<T: serde::Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => outln!("{text}"),
        Err(err) => errln!("error: could not encode the output: {err}."),
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
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
