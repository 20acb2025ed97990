//! A reply printed as it streams, for `chat` and the conversation in a terminal: text to
//! standard output (and after it the pages it cites, numbered), reasoning and notes to standard
//! error, and the signals that stop it —
//! Ctrl-C (SIGINT) stops the reply as the window's Stop does (the server told to stop where
//! it can, the text so far kept, the reply `stopped`), SIGTERM and SIGHUP stop it as the
//! process going away (`interrupted`).
//!
//! Only prints and cancels through the engine; it must not save anything itself nor print a
//! key.

use std::io::Write;

use tokio::sync::mpsc::error::TryRecvError;

use switchboard_core::model::{ChatEvent, SourceLink};
use switchboard_core::{CancelReason, Engine, Error, Generation};

/// The signals that stop a reply, listened for from [`Interrupts::listen`] on: once listening,
/// Ctrl-C no longer ends the process by itself.
pub struct Interrupts {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
}

impl Interrupts {
    pub fn listen() -> std::io::Result<Interrupts> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Interrupts {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
                hangup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Interrupts {})
    }

    /// The next signal: [`CancelReason::User`] for Ctrl-C, [`CancelReason::Shutdown`] for
    /// SIGTERM or SIGHUP.
    pub async fn next(&mut self) -> CancelReason {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => CancelReason::User,
                _ = self.terminate.recv() => CancelReason::Shutdown,
                _ = self.hangup.recv() => CancelReason::Shutdown,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            CancelReason::User
        }
    }

    /// A SIGTERM or SIGHUP (never Ctrl-C, which a prompt reads as a key).
    pub async fn shutdown(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    }

    /// Forgets a Ctrl-C that arrived after the last reply ended (pressed twice, say), so that
    /// it does not stop the next one.
    pub async fn forget_interrupts(&mut self) {
        #[cfg(unix)]
        while tokio::time::timeout(std::time::Duration::ZERO, self.interrupt.recv())
            .await
            .is_ok()
        {}
    }
}

/// How a reply ended.
pub enum Ending {
    /// Complete.
    Finished,
    /// Stopped by a signal (`reason`); what arrived is saved.
    Stopped(CancelReason),
    /// The source or the connection failed; what arrived is saved.
    Failed(Error),
}

/// Prints `generation`'s events until its terminal one (as JSON lines with `json`), cancelling
/// it on a signal; returns how it ended.
pub async fn print(
    engine: &Engine,
    generation: Generation,
    json: bool,
    interrupts: &mut Interrupts,
) -> Ending {
    let mut events = generation.events;
    // Text is written in batches: flushed when no further event is waiting, not per delta.
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut wrote_text = false;
    let mut in_reasoning = false;
    let mut stopped = None;
    let mut sources = Vec::new();
    loop {
        let event = match events.try_recv() {
            Ok(event) => Some(event),
            Err(TryRecvError::Disconnected) => None,
            Err(TryRecvError::Empty) => {
                // Nothing more waiting: what was written goes out now.
                let _ = stdout.flush();
                tokio::select! {
                    event = events.recv() => event,
                    reason = interrupts.next(), if stopped.is_none() => {
                        stopped = Some(reason);
                        engine.cancel(&generation.id, reason);
                        continue;
                    }
                }
            }
        };
        let Some(event) = event else {
            return Ending::Failed(Error::internal("The reply stream ended unexpectedly."));
        };
        if json {
            if let Ok(line) = serde_json::to_string(&event) {
                let _ = writeln!(stdout, "{line}");
                let _ = stdout.flush();
            }
        }
        let ending = match event {
            ChatEvent::Delta { text } if !json => {
                if in_reasoning {
                    let _ = stdout.flush();
                    errln!();
                    in_reasoning = false;
                }
                let _ = stdout.write_all(text.as_bytes());
                wrote_text = true;
                None
            }
            ChatEvent::Reasoning { text } if !json => {
                let _ = stdout.flush();
                if !in_reasoning {
                    err!("Thinking: ");
                    in_reasoning = true;
                }
                err!("{text}");
                None
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
                None
            }
            ChatEvent::PromptCut { kept_tokens } if !json => {
                let _ = stdout.flush();
                errln!(
                    "Note: the prompt was longer than the server's context; it cut the start and read the last {kept_tokens} tokens."
                );
                None
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
                None
            }
            ChatEvent::Sources { sources: cited } => {
                sources = cited;
                None
            }
            ChatEvent::Finished { .. } => Some(Ending::Finished),
            ChatEvent::Failed { error, .. } => Some(Ending::Failed(error)),
            ChatEvent::Cancelled { .. } => {
                Some(Ending::Stopped(stopped.unwrap_or(CancelReason::User)))
            }
            _ => None,
        };
        if let Some(ending) = ending {
            if wrote_text && !json {
                let _ = writeln!(stdout);
            }
            if !json && !sources.is_empty() {
                let _ = write!(stdout, "{}", sources_list(&sources));
            }
            let _ = stdout.flush();
            return ending;
        }
    }
}

/// The pages a reply cites, as printed under it: "Sources:" and one line each, numbered from 1,
/// "  [1] Title — https://…" (the address alone when there is no title).
pub fn sources_list(sources: &[SourceLink]) -> String {
    let mut list = String::from("Sources:\n");
    for (index, source) in sources.iter().enumerate() {
        let number = index + 1;
        match source.title.as_deref() {
            Some(title) => list.push_str(&format!("  [{number}] {title} — {}\n", source.url)),
            None => list.push_str(&format!("  [{number}] {}\n", source.url)),
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_numbered_with_their_titles() {
        let sources = [
            SourceLink {
                url: "https://a.example/".into(),
                title: Some("A page".into()),
            },
            SourceLink {
                url: "https://b.example/x".into(),
                title: None,
            },
        ];
        assert_eq!(
            sources_list(&sources),
            "Sources:\n  [1] A page — https://a.example/\n  [2] https://b.example/x\n"
        );
    }
}
