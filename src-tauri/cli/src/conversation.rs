//! The conversation in a terminal (`chat NAME` with no message, standard input a terminal): a
//! prompt read with a line editor (rustyline; its history is kept in memory only), each line
//! sent as a message and the reply streamed, and the commands `/regenerate`, `/model ID`,
//! `/system TEXT`, `/attach FILE` (sent with the next message) and `/help`. Ctrl-C stops a reply as the window's Stop does; at the prompt
//! it clears the line, and on an empty line it leaves, as Ctrl-D does. Every message and
//! reply is saved by the core as in any other chat.
//!
//! Sends only through the engine (`start_generation`, as one-shot `chat` does); it must not
//! save anything itself, and it must not write the lines typed anywhere.

use rustyline::error::ReadlineError;
use rustyline::{
    Cmd, ConditionalEventHandler, Config, Editor, Event, EventContext, EventHandler, KeyEvent,
    Movement, RepeatCount,
};
use switchboard_core::engine::Action;
use switchboard_core::{CancelReason, ConnectionSpec, Engine, Error, GenerationRequest, Role};

use crate::advice::advised;
use crate::attach;
use crate::chat::Target;
use crate::connect::check_model;
use crate::streamed::{self, Ending, Interrupts};
use crate::{CliResult, Failure};

/// What the prompt shows.
pub const PROMPT: &str = "> ";

const HELP: &str = "\
Type a message and press Enter to send it.
  /regenerate    a new version of the last reply (the earlier versions are kept)
  /model ID      send to model ID from now on (/model alone: the profile's model)
  /system TEXT   use TEXT as the system prompt from now on (/system alone: the profile's)
  /attach FILE   send FILE (an image, a text file or a PDF) with the next message
                 (/attach alone: what is attached)
  /help          this list
  //text         sends \"/text\" as a message
Ctrl-C stops a reply (what arrived is kept); Ctrl-C on an empty line, or Ctrl-D, leaves.";

type LineEditor = Editor<(), rustyline::history::DefaultHistory>;

/// One line typed at the prompt, understood.
#[derive(Debug, PartialEq)]
enum Typed {
    Send(String),
    Regenerate,
    Model(Option<String>),
    System(Option<String>),
    Attach(Option<String>),
    Help,
    Unknown(String),
    Nothing,
}

fn understand(line: &str) -> Typed {
    if line.trim().is_empty() {
        return Typed::Nothing;
    }
    if let Some(escaped) = line.strip_prefix("//") {
        return Typed::Send(format!("/{escaped}"));
    }
    let Some(command) = line.strip_prefix('/') else {
        return Typed::Send(line.to_string());
    };
    let (name, rest) = command
        .split_once(char::is_whitespace)
        .unwrap_or((command, ""));
    let rest = rest.trim();
    let value = (!rest.is_empty()).then(|| rest.to_string());
    match name {
        "regenerate" if value.is_none() => Typed::Regenerate,
        "model" => Typed::Model(value),
        "system" => Typed::System(value),
        "attach" => Typed::Attach(value),
        "help" | "?" => Typed::Help,
        _ => Typed::Unknown(name.to_string()),
    }
}

/// What reading the prompt gave.
enum Read {
    Line(String),
    Leave,
    Shutdown,
}

/// Holds the conversation until Ctrl-D (0), or SIGTERM/SIGHUP (130).
pub async fn run(engine: &Engine, mut target: Target) -> CliResult<u8> {
    let who = match &target.connection {
        ConnectionSpec::Profile(name) => {
            let profile = engine.profile(name).await?;
            format!("\"{}\"", profile.name)
        }
        _ => "the ad-hoc connection".to_string(),
    };
    let mut interrupts = Interrupts::listen().map_err(|err| {
        Failure::Core(Error::internal(format!(
            "Could not listen for Ctrl-C: {err}."
        )))
    })?;
    let mut editor = Some(editor()?);
    errln!("Chatting through {who}; /help lists the commands, Ctrl-D leaves.");
    let code = loop {
        interrupts.forget_interrupts().await;
        let Some(taken) = editor.take() else {
            break 1;
        };
        let (back, read) = read_line(taken, &mut interrupts).await?;
        editor = back;
        let line = match read {
            Read::Line(line) => line,
            Read::Leave => break 0,
            Read::Shutdown => break 130,
        };
        let request = match understand(&line) {
            Typed::Nothing => continue,
            Typed::Help => {
                errln!("{HELP}");
                continue;
            }
            Typed::Unknown(name) => {
                errln!("There is no command /{name}; /help lists them.");
                continue;
            }
            Typed::Model(model) => {
                if let Err(Failure::Usage(message) | Failure::Core(Error { message, .. })) =
                    check_model(model.as_deref())
                {
                    errln!("error: {message}");
                    continue;
                }
                match &model {
                    Some(model) => errln!("From now on the model is {model}."),
                    None => errln!("From now on the model is the profile's."),
                }
                target.model = model;
                continue;
            }
            Typed::System(system) => {
                match &system {
                    Some(_) => errln!("From now on that is the system prompt."),
                    None => errln!("From now on the system prompt is the profile's."),
                }
                target.system_prompt = system;
                continue;
            }
            Typed::Attach(None) => {
                match target.attachments.as_slice() {
                    [] => errln!("Nothing is attached; /attach FILE attaches one."),
                    attached => {
                        for info in attached {
                            errln!("Attached: {}", attach::describe(info));
                        }
                    }
                }
                continue;
            }
            Typed::Attach(Some(path)) => {
                match attach::files(engine, &[path.into()]).await {
                    Ok(mut attached) => target.attachments.append(&mut attached),
                    Err(Failure::Usage(message) | Failure::Core(Error { message, .. })) => {
                        errln!("error: {message}");
                    }
                }
                continue;
            }
            Typed::Send(text) => target.request(text, Action::Send),
            Typed::Regenerate => match last_reply(engine, &target).await {
                Ok(reply) => target.request(String::new(), Action::Regenerate(reply)),
                Err(message) => {
                    errln!("{message}");
                    continue;
                }
            },
        };
        if reply(engine, &mut target, request, &mut interrupts).await
            == Some(CancelReason::Shutdown)
        {
            break 130;
        }
    };
    if let Some(chat) = &target.chat_id {
        errln!("Saved as chat {chat} (continue it with --chat {chat}).");
    }
    Ok(code)
}

/// Sends `request` and prints the reply; a failure is printed and the conversation goes on.
/// The files attached go with a message sent, or are dropped when it is refused. Returns how
/// the reply was stopped, if it was.
async fn reply(
    engine: &Engine,
    target: &mut Target,
    request: GenerationRequest,
    interrupts: &mut Interrupts,
) -> Option<CancelReason> {
    let sending_files = !request.attachments.is_empty();
    let started = engine.start_generation(request).await;
    if sending_files {
        let attached = std::mem::take(&mut target.attachments);
        if started.is_err() {
            attach::discard(engine, &attached).await;
        }
    }
    let generation = match started {
        Ok(generation) => generation,
        Err(err) => {
            errln!("error: {}", advised(&err));
            if sending_files {
                errln!("The files attached were not sent and are dropped; /attach them again.");
            }
            return None;
        }
    };
    target.chat_id = Some(generation.chat_id.clone());
    match streamed::print(engine, generation, false, interrupts).await {
        Ending::Finished => None,
        Ending::Failed(err) => {
            errln!("error: {}", advised(&err));
            None
        }
        Ending::Stopped(reason) => {
            errln!("Stopped; the reply so far is kept.");
            Some(reason)
        }
    }
}

/// The chat's last message when it is a reply: what `/regenerate` makes a new version of.
async fn last_reply(
    engine: &Engine,
    target: &Target,
) -> Result<switchboard_core::MessageId, String> {
    let Some(chat) = &target.chat_id else {
        return Err("There is no reply to regenerate yet: send a message first.".into());
    };
    let last = engine
        .messages_page(chat, None, 1)
        .await
        .map_err(|err| format!("error: {}", advised(&err)))?;
    match last.into_iter().last() {
        Some(message) if message.role == Role::Assistant => Ok(message.id),
        _ => Err("The last message is not a reply, so there is nothing to regenerate.".into()),
    }
}

/// Reads one line at the prompt on a blocking thread (the editor goes there and back); a
/// SIGTERM or SIGHUP meanwhile ends the conversation.
async fn read_line(
    mut editor: LineEditor,
    interrupts: &mut Interrupts,
) -> CliResult<(Option<LineEditor>, Read)> {
    let reading = tokio::task::spawn_blocking(move || {
        let line = editor.readline(PROMPT);
        (editor, line)
    });
    tokio::select! {
        joined = reading => {
            let (editor, line) = joined.map_err(|err| {
                Failure::Core(Error::internal(format!("The prompt stopped: {err}.")))
            })?;
            let read = match line {
                Ok(line) => Read::Line(line),
                Err(ReadlineError::Eof | ReadlineError::Interrupted) => Read::Leave,
                Err(err) => {
                    return Err(Failure::Core(Error::internal(format!(
                        "Could not read the prompt: {err}."
                    ))))
                }
            };
            Ok((Some(editor), read))
        }
        () = interrupts.shutdown() => Ok((None, Read::Shutdown)),
    }
}

/// Ctrl-C at the prompt: clears a line that has text; on an empty line it interrupts (leaves).
struct ClearOrLeave;

impl ConditionalEventHandler for ClearOrLeave {
    fn handle(
        &self,
        _event: &Event,
        _count: RepeatCount,
        _positive: bool,
        context: &EventContext,
    ) -> Option<Cmd> {
        (!context.line().is_empty()).then_some(Cmd::Kill(Movement::WholeLine))
    }
}

fn editor() -> CliResult<LineEditor> {
    let config = Config::builder().auto_add_history(true).build();
    let mut editor = LineEditor::with_config(config).map_err(|err| {
        Failure::Core(Error::internal(format!(
            "Could not open the terminal for a conversation: {err}."
        )))
    })?;
    editor.bind_sequence(
        KeyEvent::ctrl('C'),
        EventHandler::Conditional(Box::new(ClearOrLeave)),
    );
    Ok(editor)
}

#[cfg(test)]
mod tests {
    use super::{understand, Typed};

    #[test]
    fn lines_are_messages_commands_or_nothing() {
        assert_eq!(understand("hello"), Typed::Send("hello".into()));
        assert_eq!(understand("  "), Typed::Nothing);
        assert_eq!(understand("//etc/hosts"), Typed::Send("/etc/hosts".into()));
        assert_eq!(understand("/regenerate"), Typed::Regenerate);
        assert_eq!(understand("/model  m-2 "), Typed::Model(Some("m-2".into())));
        assert_eq!(understand("/model"), Typed::Model(None));
        assert_eq!(
            understand("/system Be brief.  Always."),
            Typed::System(Some("Be brief.  Always.".into()))
        );
        assert_eq!(understand("/help"), Typed::Help);
        assert_eq!(
            understand("/attach  my shot.png "),
            Typed::Attach(Some("my shot.png".into()))
        );
        assert_eq!(understand("/attach"), Typed::Attach(None));
        assert_eq!(understand("/quit"), Typed::Unknown("quit".into()));
    }
}
