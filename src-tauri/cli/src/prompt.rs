//! `prompt`: post-process a JSON array of messages from standard input and print the result
//! as JSON, in the shape it was read in (`role`, `content` as text, `name` when there is one).
//!
//! Works on its input alone: it must not open the data directory, the keychain or the network.

use std::borrow::Cow;
use std::io::Read;

use clap::Args;
use serde::Serialize;
use switchboard_core::model::{ChatMessage, Role};
use switchboard_core::prompt::{PostProcessing, PromptNames};

use crate::args::non_empty;
use crate::{CliResult, Failure};

#[derive(Args)]
pub struct PromptArgs {
    /// none, merge, semi-strict, strict or single.
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

/// One message as printed: its text parts as one `content` string.
#[derive(Serialize)]
struct Printed<'m> {
    role: Role,
    content: Cow<'m, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'m str>,
}

impl<'m> From<&'m ChatMessage> for Printed<'m> {
    fn from(message: &'m ChatMessage) -> Self {
        Printed {
            role: message.role,
            content: message.text(),
            name: message.name.as_deref(),
        }
    }
}

/// `prompt`: standard input → post-processing → standard output, as JSON.
pub fn run(args: &PromptArgs) -> CliResult<()> {
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
    let printed: Vec<Printed> = out.iter().map(Printed::from).collect();
    let text = serde_json::to_string_pretty(&printed)
        .map_err(|err| Failure::Usage(format!("could not print the messages: {err}.")))?;
    outln!("{text}");
    Ok(())
}
