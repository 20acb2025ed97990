//! `status`, `models` and `test`: reach an endpoint through a profile or an ad-hoc connection
//! (`--source`, `--url`, `--key-env`), and the connection spec `chat` shares.
//!
//! Reads an ad-hoc key only from the environment variable named; it must never print a key,
//! and it saves nothing (a status check may update the profile's URL through the core).

use clap::Args;
use secrecy::SecretString;
use switchboard_core::engine::{api_key, explicit_model, TestReport};
use switchboard_core::error::quoted;
use switchboard_core::model::{ModelInfo, ModelPrice};
use switchboard_core::provider::StatusReport;
use switchboard_core::{ConnectionSpec, Engine, Error, ProviderKind};

use crate::args::non_empty;
use crate::{print_json, CliResult, Failure};

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
pub struct TargetArgs {
    /// Profile name (or use --source for an ad-hoc connection).
    #[arg(
        required_unless_present = "source",
        value_parser = non_empty(),
        add = crate::completion::profile_names()
    )]
    name: Option<String>,
    #[command(flatten)]
    adhoc: AdHoc,
}

#[derive(Args)]
pub struct TestArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Model id (default: the profile's).
    #[arg(long, value_parser = non_empty())]
    model: Option<String>,
}

impl TestArgs {
    /// The profile's name, when one was given (not an ad-hoc connection).
    pub fn profile_name(&self) -> Option<&str> {
        self.target.name.as_deref()
    }

    /// The `--model` given, checked.
    pub fn model(&self) -> CliResult<Option<String>> {
        check_model(self.model.as_deref())?;
        Ok(self.model.clone())
    }

    /// The connection named by the profile or the ad-hoc flags.
    pub fn spec(&self) -> CliResult<ConnectionSpec> {
        let t = &self.target;
        spec(
            &t.name,
            &t.adhoc.source,
            &t.adhoc.url,
            &t.adhoc.key_env,
            self.model.clone(),
        )
    }
}

/// `status`: checks that the endpoint answers and the key works.
pub async fn status(engine: &Engine, target: TargetArgs, json: bool) -> CliResult<u8> {
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

/// `models`: one line per model the endpoint lists.
pub async fn models(engine: &Engine, target: TargetArgs, json: bool) -> CliResult<u8> {
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
        for line in model_lines(&models) {
            outln!("{line}");
        }
    }
    Ok(0)
}

/// One line a model, its fields separated by tabs: the id, then the name, the context and the
/// price, each column only when the server gave it for some model (empty where it did not for
/// this one), so the columns line up for `cut` and `column -t -s $'\t'`.
fn model_lines(models: &[ModelInfo]) -> Vec<String> {
    let names = models.iter().any(|m| m.name.is_some());
    let contexts = models.iter().any(|m| m.context_length.is_some());
    let prices = models.iter().any(|m| m.price.is_some());
    models
        .iter()
        .map(|model| {
            let mut fields = vec![model.id.clone()];
            if names {
                fields.push(model.name.clone().unwrap_or_default());
            }
            if contexts {
                fields.push(
                    model
                        .context_length
                        .map(|n| format!("{n} tokens"))
                        .unwrap_or_default(),
                );
            }
            if prices {
                fields.push(model.price.map(price_text).unwrap_or_default());
            }
            let line = fields.join("\t");
            line.trim_end_matches('\t').to_string()
        })
        .collect()
}

/// `$2.50 in, $10.00 out per 1M tokens` (`free` when both are 0).
fn price_text(price: ModelPrice) -> String {
    if price.input == 0.0 && price.output == 0.0 {
        return "free".into();
    }
    format!(
        "${} in, ${} out per 1M tokens",
        dollars(price.input),
        dollars(price.output)
    )
}

/// Dollars as people write them: cents for a dollar or more (`2.50`, `10.00`), up to four
/// decimals below (`0.15`, `0.0375`).
fn dollars(usd: f64) -> String {
    if usd >= 1.0 {
        return format!("{usd:.2}");
    }
    let text = format!("{usd:.4}");
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split('.').nth(1).map_or(0, str::len);
    if decimals < 2 {
        format!("{usd:.2}")
    } else {
        trimmed.to_string()
    }
}

/// `test`: sends a short test message.
pub async fn test(engine: &Engine, args: TestArgs, json: bool) -> CliResult<u8> {
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

/// An explicit `--model`: not longer than the core takes (`test` sends it as it is).
pub fn check_model(model: Option<&str>) -> CliResult {
    explicit_model(model).map_err(|err| Failure::Usage(err.message))?;
    Ok(())
}

/// Builds the connection spec from a profile name or the ad-hoc flags.
pub fn spec(
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
                options: Default::default(),
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
    api_key(&value).map_err(|problem| not_configured(&problem.describe()))
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
