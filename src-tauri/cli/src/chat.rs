//! `chat`: send one message (through a profile or an ad-hoc connection) and print the reply as
//! it streams, or, given no message in a terminal, hold a conversation there
//! ([`crate::conversation`]). Text piped in is the message, or comes before the MESSAGE given
//! (a blank line between); `-` reads the whole message from standard input. `--attach FILE`
//! sends files with it ([`crate::attach`]). `--dry-run` prints the request instead of sending
//! it.
//!
//! Reply text goes to standard output, reasoning and notes to standard error; it must not
//! print a key (a dry run shows the core's redacted headers) nor save anything itself.

use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;

use clap::Args;
use switchboard_core::engine::MAX_TEXT_BYTES;
use switchboard_core::model::AttachmentInfo;
use switchboard_core::GenerationRequest;
use switchboard_core::{ChatId, ConnectionSpec, Engine, Error, GenParams};

use crate::args::{non_empty, parse_sampler, tokens};
use crate::connect::{check_model, spec};
use crate::streamed::{self, Ending, Interrupts};
use crate::{attach, completion};
use crate::{refused, CliResult, Failure};

#[derive(Args)]
pub struct ChatArgs {
    /// The profile to chat through (with --source: the MESSAGE).
    #[arg(value_name = "NAME", add = completion::profile_names())]
    name: Option<String>,
    /// The message; `-` reads it from standard input. Without one, text piped in is the
    /// message, and in a terminal a conversation starts (/help lists its commands). Text piped
    /// in with a MESSAGE comes first, then a blank line, then the MESSAGE.
    #[arg(value_name = "MESSAGE")]
    message: Option<String>,
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
    #[arg(long, value_name = "ID", value_parser = non_empty(), add = completion::chats())]
    chat: Option<String>,
    /// Print the request as it would go on the wire (`{"method", "url", "headers", "body"}`, keys
    /// redacted) instead of sending it. Nothing is saved.
    #[arg(long)]
    dry_run: bool,
    /// Send FILE with the message (repeatable): an image (PNG, JPEG, WebP, GIF), a text file
    /// (plain text, Markdown, code, CSV, JSON) or a PDF's text. Each is checked before anything
    /// is sent; in a conversation, they go with the first message.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    attach: Vec<PathBuf>,
}

/// The most text `chat` reads from standard input: the most a message may hold.
pub const MAX_PIPED_BYTES: usize = MAX_TEXT_BYTES;

/// What to send: one message, or a conversation typed in the terminal.
enum Input {
    Message(String),
    Conversation,
}

/// What every message of a chat is sent with: where, which model and system prompt, which
/// settings, and the chat (none until the first reply starts one).
pub struct Target {
    pub connection: ConnectionSpec,
    pub model: Option<String>,
    pub system_prompt: Option<String>,
    pub params: GenParams,
    pub stream: bool,
    pub chat_id: Option<ChatId>,
    /// Files attached (kept as drafts) to be sent with the next message.
    pub attachments: Vec<AttachmentInfo>,
}

impl Target {
    /// The request that sends `input` (with the files attached), or makes another version of
    /// or continues a reply.
    pub fn request(
        &self,
        input: String,
        action: switchboard_core::engine::Action,
    ) -> GenerationRequest {
        let attachments = match action {
            switchboard_core::engine::Action::Send => attach::ids(&self.attachments),
            _ => Vec::new(),
        };
        GenerationRequest {
            connection: self.connection.clone(),
            chat_id: self.chat_id.clone(),
            input,
            model: self.model.clone(),
            system_prompt: self.system_prompt.clone(),
            params: self.params.clone(),
            stream: self.stream,
            action,
            attachments,
        }
    }
}

/// Sends the message and streams the reply (exit code 0, or 130 when stopped), or holds the
/// conversation.
pub async fn run(engine: &Engine, args: ChatArgs, json: bool) -> CliResult<u8> {
    let (name, message) = match (&args.source, args.name, args.message) {
        (Some(_), Some(_), Some(_)) => {
            return Err(Failure::Usage(
                "with --source give only the MESSAGE, not a profile name.".into(),
            ))
        }
        // With --source the one word given is the message.
        (Some(_), message, None) => (None, message),
        (_, name, message) => (name, message),
    };
    if name.is_none() && args.source.is_none() {
        return Err(Failure::Usage(
            "give a profile NAME (and a MESSAGE), or --source for an ad-hoc connection.".into(),
        ));
    }
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(Failure::Usage("the profile name is empty.".into()));
    }
    let input = input(message)?;
    check_model(args.model.as_deref())?;
    // The chat to continue must exist (given by id or title), dry run or not.
    let chat_id = match &args.chat {
        Some(chat) => Some(engine.find_chat(chat).await.map_err(refused)?.id),
        None => None,
    };
    let connection = spec(
        &name,
        &args.source,
        &args.url,
        &args.key_env,
        args.model.clone(),
    )?;
    let mut target = Target {
        connection,
        model: args.model,
        system_prompt: args.system,
        params: GenParams {
            max_tokens: args.max_tokens,
            temperature: args.temperature,
            ..GenParams::default()
        },
        stream: !args.no_stream,
        chat_id,
        attachments: Vec::new(),
    };
    let message = match input {
        Input::Message(message) => message,
        Input::Conversation if json || args.dry_run => {
            return Err(Failure::Usage(format!(
                "{} needs a MESSAGE: a conversation in the terminal prints plain text.",
                if json { "--json" } else { "--dry-run" }
            )))
        }
        Input::Conversation => {
            target.attachments = attach::files(engine, &args.attach).await?;
            return crate::conversation::run(engine, target).await;
        }
    };
    target.attachments = attach::files(engine, &args.attach).await?;
    let request = target.request(message, switchboard_core::engine::Action::Send);
    if args.dry_run {
        // Nothing is saved: the files attached for it go again.
        let wire = engine.dry_run(&request).await;
        attach::discard(engine, &target.attachments).await;
        let wire = wire?;
        let headers: serde_json::Map<String, serde_json::Value> = wire
            .headers
            .into_iter()
            .map(|(name, value)| (name, serde_json::Value::String(value)))
            .collect();
        let shown = serde_json::json!({"method": wire.method, "url": wire.url, "headers": headers, "body": wire.body});
        let text = serde_json::to_string_pretty(&shown)
            .map_err(|err| Failure::Usage(format!("could not print the request: {err}.")))?;
        outln!("{text}");
        return Ok(0);
    }
    let generation = match engine.start_generation(request).await {
        Ok(generation) => generation,
        Err(err) => {
            attach::discard(engine, &target.attachments).await;
            return Err(Failure::Core(err));
        }
    };
    let mut interrupts = Interrupts::listen().map_err(|err| {
        Failure::Core(Error::internal(format!(
            "Could not listen for Ctrl-C: {err}."
        )))
    })?;
    match streamed::print(engine, generation, json, &mut interrupts).await {
        Ending::Finished => Ok(0),
        Ending::Failed(error) => Err(Failure::Core(error)),
        Ending::Stopped(_) => {
            errln!("Stopped; the reply received so far is saved.");
            Ok(130)
        }
    }
}

/// The message from the argument and standard input: `-` is standard input alone; a MESSAGE
/// comes after any text piped in; with neither, the text piped in, or a conversation when
/// standard input is a terminal.
fn input(message: Option<String>) -> CliResult<Input> {
    let piped = || -> CliResult<Option<String>> {
        if std::io::stdin().is_terminal() {
            Ok(None)
        } else {
            read_piped().map(Some)
        }
    };
    match message.as_deref() {
        Some("-") => match piped()? {
            Some(text) if !text.trim().is_empty() => Ok(Input::Message(text)),
            _ => Err(Failure::Usage(
                "standard input is empty: with \"-\" the message is read from it; pipe the text in (… | switchboard-cli chat NAME -).".into(),
            )),
        },
        Some(message) if message.trim().is_empty() => {
            Err(Failure::Usage("the message is empty.".into()))
        }
        Some(message) => Ok(Input::Message(match piped()? {
            Some(text) => with_piped(&text, message),
            None => message.to_string(),
        })),
        None => match piped()? {
            None => Ok(Input::Conversation),
            Some(text) if !text.trim().is_empty() => Ok(Input::Message(text)),
            Some(_) => Err(Failure::Usage(
                "no message: give a MESSAGE, pipe one in, or run this in a terminal for a conversation.".into(),
            )),
        },
    }
}

/// `message` after the text piped in, as Simon Willison's `llm` orders them (the piped text,
/// then the prompt), with a blank line between; text that is only blank is left out.
fn with_piped(piped: &str, message: &str) -> String {
    if piped.trim().is_empty() {
        return message.to_string();
    }
    format!("{}\n\n{message}", piped.trim_end_matches(['\n', '\r']))
}

/// Standard input, whole, refused when it is over [`MAX_PIPED_BYTES`] or not UTF-8 text.
fn read_piped() -> CliResult<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_PIPED_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| Failure::Usage(format!("could not read standard input: {err}.")))?;
    if bytes.len() > MAX_PIPED_BYTES {
        return Err(Failure::Usage(format!(
            "standard input is over {} MiB, the most a message may hold: send a shorter text.",
            MAX_PIPED_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|_| Failure::Usage("standard input is not UTF-8 text.".into()))
}

#[cfg(test)]
mod tests {
    use super::with_piped;

    #[test]
    fn piped_text_comes_first_then_a_blank_line_then_the_message() {
        assert_eq!(with_piped("a\n  b\n\n", "sum up"), "a\n  b\n\nsum up");
        assert_eq!(with_piped("a", "sum up"), "a\n\nsum up");
        assert_eq!(with_piped(" \n", "sum up"), "sum up");
    }
}
