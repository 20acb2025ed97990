//! `key`: save or remove a profile's API key in the system keychain (which keys can be used
//! at all is the core's rule, `switchboard_core::engine::api_key`).
//!
//! A key is read from standard input (a hidden prompt on a terminal), never from an argument,
//! and must never be printed, logged or put into an error message.

use std::io::{IsTerminal, Read};

use clap::Subcommand;
use secrecy::SecretString;
use switchboard_core::engine::{api_key, KeyProblem};
use switchboard_core::Engine;

use crate::args::non_empty;
use crate::profile::warn_plain_http;
use crate::{refused, CliResult, Failure};

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Save a profile's API key, read from standard input (never from an argument); or a
    /// Vertex AI profile's service-account key file.
    Set {
        /// Profile name.
        #[arg(value_parser = non_empty(), add = crate::completion::profile_names())]
        name: String,
        /// Vertex AI: a service account's JSON key file, checked and kept in the keychain (the
        /// profile then signs in with it).
        #[arg(long, value_name = "FILE")]
        service_account: Option<std::path::PathBuf>,
    },
    /// Remove a profile's API key.
    Clear {
        /// Profile name.
        #[arg(value_parser = non_empty(), add = crate::completion::profile_names())]
        name: String,
    },
}

/// Runs one `key` subcommand; its messages go to standard error.
pub async fn run(engine: &Engine, command: KeyCommand) -> CliResult {
    match command {
        KeyCommand::Set {
            name,
            service_account: Some(path),
        } => crate::profile_vertex::save_service_account(engine, &name, &path).await?,
        KeyCommand::Set {
            name,
            service_account: None,
        } => {
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

/// Reads a key from standard input: a hidden prompt on a terminal, else the whole input;
/// checked by the core's rule for keys (trimmed; not empty, not too long, no control
/// characters).
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
    match api_key(&text) {
        Ok(key) => Ok(key),
        Err(KeyProblem::Empty) => Err(Failure::Usage("no key on standard input.".into())),
        Err(problem) => Err(refused(problem.into())),
    }
}
