//! Vertex AI from the command line: `--project` and `--region` (for `profile add` and `profile
//! set`), `--service-account FILE` (for `profile add` and `key set`: the key file read here and
//! handed to the core, which checks it and keeps it in the keychain), and the profile's Vertex
//! lines in `profile show`.
//!
//! It must never print, log or put in a message any part of a key file; it names the account
//! and project the core confirms.

use std::io::Read as _;
use std::path::Path;

use clap::Args;
use secrecy::SecretString;
use switchboard_core::catalogue::{sources_offering, SourceSetting};
use switchboard_core::google_auth::key::MAX_KEY_FILE_BYTES;
use switchboard_core::google_auth::{check_project, check_region, DEFAULT_REGION};
use switchboard_core::options::{SourceOptions, VertexAuth};
use switchboard_core::{Engine, ProviderKind};

use crate::{refused, CliResult, Failure};

/// The Vertex AI settings of `profile add` and `profile set`.
#[derive(Args, Default)]
pub struct VertexArgs {
    /// Vertex AI with a service account: the Google Cloud project (default: the key file's
    /// project_id).
    #[arg(long, value_name = "PROJECT", value_parser = parse_project)]
    project: Option<String>,
    /// Vertex AI with a service account: the region, such as us-central1 (default: global).
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    region: Option<String>,
}

fn parse_project(text: &str) -> Result<String, String> {
    let text = text.trim();
    check_project(text).map_err(|err| err.message)?;
    Ok(text.to_string())
}

fn parse_region(text: &str) -> Result<String, String> {
    let text = text.trim();
    check_region(text).map_err(|err| err.message)?;
    Ok(text.to_string())
}

impl VertexArgs {
    /// Whether a Vertex setting was given.
    pub fn given(&self) -> bool {
        self.project.is_some() || self.region.is_some()
    }

    /// Applies the settings to a profile of `source`; refused for another source.
    pub fn apply(self, source: ProviderKind, options: &mut SourceOptions) -> CliResult {
        if !self.given() {
            return Ok(());
        }
        if !source.info().offers(SourceSetting::VertexAuth) {
            return Err(Failure::Usage(format!(
                "--project and --region are for {}, not {}.",
                sources_offering(SourceSetting::VertexAuth),
                source.id()
            )));
        }
        if self.project.is_some() {
            options.vertex_project = self.project;
        }
        if self.region.is_some() {
            options.vertex_region = self.region;
        }
        Ok(())
    }
}

/// Reads a service account's key file (at most the core's limit), never showing its content.
pub fn read_key_file(path: &Path) -> CliResult<SecretString> {
    let unreadable =
        |err: std::io::Error| Failure::Usage(format!("could not read {}: {err}.", path.display()));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut text = String::new();
    file.take(MAX_KEY_FILE_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|_| {
            Failure::Usage(format!(
                "{} is not a service-account key file (not text).",
                path.display()
            ))
        })?;
    Ok(SecretString::from(text))
}

/// Saves the key file at `path` as the service account of the Vertex AI profile `name`.
pub async fn save_service_account(engine: &Engine, name: &str, path: &Path) -> CliResult {
    let text = read_key_file(path)?;
    let saved = engine
        .set_service_account(name, text)
        .await
        .map_err(refused)?;
    errln!(
        "Saved the service-account key of \"{}\" ({}, project {}) in the system keychain.",
        saved.profile,
        saved.client_email,
        saved.project_id
    );
    Ok(())
}

/// The `profile show` lines of a Vertex AI profile.
pub fn show(options: &SourceOptions) {
    let sign_in = match options.vertex_auth {
        VertexAuth::Express => "API key (express mode)",
        VertexAuth::ServiceAccount => "service account",
    };
    outln!("vertex sign-in:      {sign_in}");
    if options.vertex_auth == VertexAuth::ServiceAccount
        || options.vertex_project.is_some()
        || options.vertex_region.is_some()
    {
        outln!(
            "vertex project:      {}",
            options
                .vertex_project
                .as_deref()
                .unwrap_or("the key file's project_id")
        );
        outln!(
            "vertex region:       {}",
            options.vertex_region.as_deref().unwrap_or(DEFAULT_REGION)
        );
    }
}
