//! `chat`: send one message (through a profile or an ad-hoc connection) and print the reply as
//! it streams; Ctrl-C, SIGTERM or SIGHUP stop it and keep what arrived. `--dry-run` prints
//! the request instead of sending it.
//!
//! Reply text goes to standard output, reasoning and notes to standard error; it must not
//! print a key (a dry run shows the core's redacted headers) nor save anything itself.

use std::io::Write;

use tokio::sync::mpsc::error::TryRecvError;

use clap::Args;
use switchboard_core::model::ChatEvent;
use switchboard_core::{CancelReason, Engine, Error, GenParams, GenerationRequest};

use crate::args::{non_empty, parse_sampler, tokens};
use crate::connect::{check_model, spec};
use crate::{refused, CliResult, Failure};

#[derive(Args)]
pub struct ChatArgs {
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
    /// Longest reply in tokens (default: the profile's, else 300).
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

/// Sends the message and streams the reply; the exit code is 0, or 130 when stopped.
pub async fn run(engine: &Engine, args: ChatArgs, json: bool) -> CliResult<u8> {
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
    // Text is written in batches: flushed when no further event is waiting, not per delta.
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut wrote_text = false;
    let mut in_reasoning = false;
    let terminate = shutdown_signal();
    tokio::pin!(terminate);
    let mut interrupted = false;
    loop {
        let event = match events.try_recv() {
            Ok(event) => Some(event),
            Err(TryRecvError::Disconnected) => None,
            Err(TryRecvError::Empty) => {
                // Nothing more waiting: what was written goes out now.
                let _ = stdout.flush();
                tokio::select! {
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
                }
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
                    let _ = stdout.flush();
                    errln!();
                    in_reasoning = false;
                }
                let _ = stdout.write_all(text.as_bytes());
                wrote_text = true;
            }
            ChatEvent::Reasoning { text } if !json => {
                let _ = stdout.flush();
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
                let _ = stdout.flush();
                errln!(
                    "Note: {dropped} older message{} left out to fit the {context_size}-token context.",
                    if dropped == 1 { " was" } else { "s were" }
                );
            }
            ChatEvent::Queued {
                position,
                wait_secs,
            } if !json => {
                let _ = stdout.flush();
                errln!(
                    "Queued: position {position}, about {} s.",
                    wait_secs.round()
                );
            }
            ChatEvent::Finished { .. } => {
                if wrote_text && !json {
                    let _ = writeln!(stdout);
                }
                let _ = stdout.flush();
                return Ok(0);
            }
            ChatEvent::Failed { error, .. } => {
                if wrote_text && !json {
                    let _ = writeln!(stdout);
                }
                let _ = stdout.flush();
                return Err(Failure::Core(error));
            }
            ChatEvent::Cancelled { .. } => {
                if wrote_text && !json {
                    let _ = writeln!(stdout);
                }
                let _ = stdout.flush();
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
