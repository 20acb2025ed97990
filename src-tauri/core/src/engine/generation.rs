//! Generations: the request ([`GenerationRequest`], [`Action`]), starting one (the user
//! message saved, the reply begun, the task spawned), the dry run, the running generations
//! ([`Generations`]) and cancelling them.
//!
//! Must not: wait for the reply (the task in `reply.rs` writes and saves it, and unregisters
//! the generation at its end); start a generation whose input fails the limits in `limits.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::connections::{ConnectionSpec, Resolved};
use super::limits::{check_bytes, check_chars, check_params, MAX_MODEL_CHARS, MAX_TEXT_BYTES};
use super::reply::GenerationTask;
use super::request::{prefill, ready, Attachments, History};
use super::Engine;
use crate::catalogue::ImageLimits;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{
    Attachment, AttachmentId, AttachmentKind, ChatEvent, ChatId, GenParams, GenerationId,
    MessageId, Role,
};
use crate::provider::{self, WireRequest};
use crate::store::{Chat, StoredMessage};

/// What a generation does in its chat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Action {
    /// Sends the request's `input` as a new user message and writes a new reply.
    #[default]
    Send,
    /// Writes a new version (swipe) of this reply from the history before it; the earlier
    /// versions are kept. `input` is not used.
    Regenerate(MessageId),
    /// Continues this reply (one that was cut off) where it ends. `input` is not used.
    Continue(MessageId),
}

/// A request to generate one reply.
#[derive(Clone)]
pub struct GenerationRequest {
    /// Where to send it.
    pub connection: ConnectionSpec,
    /// Continue this chat; a new chat when `None`.
    pub chat_id: Option<ChatId>,
    /// The user's message.
    pub input: String,
    /// Overrides the profile's model.
    pub model: Option<String>,
    /// Overrides the profile's system prompt.
    pub system_prompt: Option<String>,
    /// Overrides of the profile's sampler settings.
    pub params: GenParams,
    /// Stream the reply (when the source can).
    pub stream: bool,
    /// A new message, a new version of a reply, or more of a reply.
    pub action: Action,
    /// Attachments waiting to be sent ([`Engine::add_attachment`]), sent with the new message
    /// in this order ([`Action::Send`] only).
    pub attachments: Vec<AttachmentId>,
}

/// A started generation.
pub struct Generation {
    /// Its id, for [`Engine::cancel`].
    pub id: GenerationId,
    /// The chat it belongs to.
    pub chat_id: ChatId,
    /// The user message that was saved ([`Action::Send`]).
    pub user_message_id: Option<MessageId>,
    /// Its events; exactly one terminal event, then the channel closes.
    pub events: mpsc::Receiver<ChatEvent>,
}

/// Why a generation was cancelled; decides the state its reply is saved with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// The person pressed Stop: the reply is `stopped`.
    User,
    /// The front end went away (window closed, process terminating): the reply is `interrupted`.
    Shutdown,
}

/// The running generations and their cancel tokens.
#[derive(Default)]
pub struct Generations {
    running: Mutex<HashMap<GenerationId, (CancellationToken, CancelReason)>>,
}

impl Generations {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<GenerationId, (CancellationToken, CancelReason)>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn register(&self, id: &GenerationId) -> CancellationToken {
        let token = CancellationToken::new();
        self.lock()
            .insert(id.clone(), (token.clone(), CancelReason::User));
        token
    }

    /// Cancels `id`; a no-op for unknown or finished ids. Returns whether it was running.
    pub fn cancel(&self, id: &GenerationId, reason: CancelReason) -> bool {
        let mut running = self.lock();
        match running.get_mut(id) {
            Some((token, stored)) => {
                if !token.is_cancelled() {
                    *stored = reason;
                }
                token.cancel();
                true
            }
            None => false,
        }
    }

    pub(super) fn reason(&self, id: &GenerationId) -> CancelReason {
        self.lock()
            .get(id)
            .map_or(CancelReason::User, |(_, reason)| *reason)
    }

    pub(super) fn remove(&self, id: &GenerationId) {
        self.lock().remove(id);
    }

    /// Ids of the generations still running.
    pub fn running(&self) -> Vec<GenerationId> {
        self.lock().keys().cloned().collect()
    }
}

impl Engine {
    /// would go on the wire (keys redacted). Nothing is saved and nothing is sent.
    pub async fn dry_run(&self, request: &GenerationRequest) -> Result<WireRequest> {
        let (resolved, model, provider, drafts) = self.prepare(request).await?;
        let history = match request.chat_id.clone() {
            Some(id) => {
                if self.chat(&id).await?.is_none() {
                    return Err(Error::not_configured(format!(
                        "There is no chat with id {}.",
                        crate::error::quoted(id.as_str())
                    )));
                }
                self.blocking(move |store| store.messages(&id)).await?
            }
            None => Vec::new(),
        };
        let limits = provider.capabilities().image_limits();
        let attachments = self.history_attachments(&history, drafts, limits).await?;
        let history = History {
            messages: &history,
            attachments: &attachments,
        };
        // A dry run asks a chat server nothing (a text-completion backend's context size and
        // token counts shape the prompt shown, as they always have).
        let probe = provider.capabilities().api == crate::catalogue::ApiType::TextCompletion;
        let (chat_request, _) = self
            .chat_request(&resolved, request, model, history, provider.as_ref(), probe)
            .await;
        provider.wire_request(&chat_request)
    }

    /// The connection, model and adapter a generation request will use, and the attachments it
    /// sends (refused here, before anything is saved or sent, when they include an image and
    /// the source reads none).
    async fn prepare(
        &self,
        request: &GenerationRequest,
    ) -> Result<(
        Resolved,
        String,
        Box<dyn provider::Provider>,
        Vec<Attachment>,
    )> {
        check_bytes("message", &request.input, MAX_TEXT_BYTES)?;
        check_bytes(
            "system prompt",
            request.system_prompt.as_deref().unwrap_or(""),
            MAX_TEXT_BYTES,
        )?;
        check_chars(
            "model id",
            request.model.as_deref().unwrap_or(""),
            MAX_MODEL_CHARS,
        )?;
        check_params(&request.params)?;
        let resolved = self.resolve(&request.connection).await?;
        let model = self.choose_model(&resolved, request.model.clone()).await?;
        let provider = provider::build(resolved.connection.clone(), resolved.http(&self.http)?)?;
        let drafts = match request.action {
            Action::Send if !request.attachments.is_empty() => {
                let ids = request.attachments.clone();
                self.blocking(move |store| store.drafts(&ids)).await?
            }
            _ => Vec::new(),
        };
        if provider.capabilities().image_limits().is_none() {
            if let Some(image) = drafts.iter().find(|a| a.info.kind == AttachmentKind::Image) {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "{} ({}) does not read images, so \"{}\" was not sent: remove the image, \
                         or choose a source that reads images.",
                        resolved.connection.who,
                        resolved.connection.kind.info().label,
                        crate::error::quoted(&image.info.name)
                    ),
                ));
            }
        }
        Ok((resolved, model, provider, drafts))
    }

    /// Starts a generation: resolves the connection, saves the user message, spawns the task
    /// and returns at once.
    pub async fn start_generation(&self, request: GenerationRequest) -> Result<Generation> {
        let (resolved, model, provider, drafts) = self.prepare(&request).await?;
        let attachment_ids = request.attachments.clone();
        let profile_id = resolved.connection.profile_id.clone();

        let input = request.input.clone();
        let chat_id = request.chat_id.clone();
        let action = request.action.clone();
        let model_for_chat = model.clone();
        let (chat, user_message, history, reply, previous_version) = self
            .blocking(move |store| {
                let in_chat = |message: &MessageId| -> Result<(Chat, StoredMessage)> {
                    let message = store.message(message)?.ok_or_else(|| {
                        Error::not_configured(format!(
                            "There is no message with id {}.",
                            crate::error::quoted(message.as_str())
                        ))
                    })?;
                    let chat = store.chat(&message.chat_id)?.ok_or_else(|| {
                        Error::not_configured(format!(
                            "There is no chat with id {}.",
                            message.chat_id
                        ))
                    })?;
                    if message.role != Role::Assistant {
                        return Err(Error::new(
                            ErrorKind::InvalidRequest,
                            "Only a reply can be regenerated or continued.",
                        ));
                    }
                    Ok((chat, message))
                };
                match action {
                    Action::Send => {
                        let chat = match chat_id {
                            Some(id) => store.chat(&id)?.ok_or_else(|| {
                                Error::not_configured(format!(
                                    "There is no chat with id {}.",
                                    crate::error::quoted(id.as_str())
                                ))
                            })?,
                            None => store.create_chat(
                                &title_for(&input),
                                profile_id.as_ref(),
                                Some(&model_for_chat),
                            )?,
                        };
                        store.touch_chat(&chat.id, profile_id.as_ref(), &model_for_chat)?;
                        let history = store.messages(&chat.id)?;
                        let user = store.append_message(&chat.id, Role::User, &input)?;
                        store.bind_attachments(&user.id, &attachment_ids)?;
                        let reply = store.begin_reply(&chat.id, &model_for_chat)?;
                        Ok((chat, Some(user.id), history, reply, None))
                    }
                    Action::Regenerate(id) => {
                        let (chat, message) = in_chat(&id)?;
                        let history: Vec<StoredMessage> = store
                            .messages(&chat.id)?
                            .into_iter()
                            .filter(|m| m.seq < message.seq)
                            .collect();
                        store.touch_chat(&chat.id, profile_id.as_ref(), &model_for_chat)?;
                        let reply = store.begin_swipe(&id, &model_for_chat)?;
                        // The version shown before, when a version was added (a failed attempt
                        // without text is replaced instead).
                        let previous = (reply.swipe_count > message.swipe_count)
                            .then_some(message.swipe_index);
                        Ok((chat, None, history, reply, previous))
                    }
                    Action::Continue(id) => {
                        let (chat, message) = in_chat(&id)?;
                        // The reply so far ends the history: the model picks it up there.
                        let history: Vec<StoredMessage> = store
                            .messages(&chat.id)?
                            .into_iter()
                            .filter(|m| m.seq <= message.seq)
                            .collect();
                        store.touch_chat(&chat.id, profile_id.as_ref(), &model_for_chat)?;
                        let reply = store.resume_reply(&id)?;
                        Ok((chat, None, history, reply, None))
                    }
                }
            })
            .await?;

        let limits = provider.capabilities().image_limits();
        let attachments = self.history_attachments(&history, drafts, limits).await?;
        let history = History {
            messages: &history,
            attachments: &attachments,
        };
        let (chat_request, fit) = self
            .chat_request(
                &resolved,
                &request,
                model.clone(),
                history,
                provider.as_ref(),
                true,
            )
            .await;
        let stops = match chat_request.prompt {
            Some(_) => chat_request.params.stop.clone(),
            None => Vec::new(),
        };

        let id = GenerationId::new();
        let token = self.generations.register(&id);
        let (tx, rx) = mpsc::channel(256);
        let continuing = matches!(request.action, Action::Continue(_));
        let task = GenerationTask {
            prefill: prefill(&resolved, provider.capabilities()).filter(|_| !continuing),
            reply,
            fit,
            previous_version,
            stops,
            id: id.clone(),
            chat_id: chat.id.clone(),
            model,
            store: self.store.clone(),
            generations: Arc::clone(&self.generations),
            token,
            tx,
        };
        tokio::spawn(task.run(provider, chat_request));
        Ok(Generation {
            id,
            chat_id: chat.id,
            user_message_id: user_message,
            events: rx,
        })
    }

    /// Cancels a generation; a no-op for unknown or finished ids.
    pub fn cancel(&self, id: &GenerationId, reason: CancelReason) -> bool {
        self.generations.cancel(id, reason)
    }

    /// The attachments a request carries, by message, ready to be sent (images fitted to
    /// `limits`, off the async threads): those of the history's messages, and `drafts` under
    /// [`new_message`] (the message being sent, not in the history).
    async fn history_attachments(
        &self,
        history: &[StoredMessage],
        drafts: Vec<Attachment>,
        limits: Option<ImageLimits>,
    ) -> Result<Attachments> {
        let with: Vec<MessageId> = history
            .iter()
            .filter(|m| !m.attachments.is_empty())
            .map(|m| m.id.clone())
            .collect();
        if with.is_empty() && drafts.is_empty() {
            return Ok(Attachments::new());
        }
        self.blocking(move |store| {
            let mut found = if with.is_empty() {
                HashMap::new()
            } else {
                store.attachments_of(&with)?
            };
            if !drafts.is_empty() {
                found.insert(new_message(), drafts);
            }
            Ok(found
                .into_iter()
                .map(|(id, all)| (id, all.iter().map(|a| ready(a, limits)).collect()))
                .collect())
        })
        .await
    }
}

/// The key of the message being sent in [`Attachments`] (it is not in the history it is
/// built from, and a dry run saves it nowhere).
pub(super) fn new_message() -> MessageId {
    MessageId(String::new())
}

/// A chat title from the first message: its first line, at most 60 characters.
fn title_for(input: &str) -> String {
    let line = input
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("New chat");
    let mut title: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        title.push('…');
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_first_line() {
        assert_eq!(title_for("\n  hello there\nsecond"), "hello there");
        assert_eq!(title_for(""), "New chat");
        let long = "x".repeat(80);
        assert_eq!(title_for(&long).chars().count(), 61);
    }

    #[test]
    fn cancelling_unknown_or_finished_generations_is_a_no_op() {
        let generations = Generations::default();
        let id = GenerationId::new();
        assert!(!generations.cancel(&id, CancelReason::User));
        let token = generations.register(&id);
        assert!(generations.cancel(&id, CancelReason::Shutdown));
        assert!(token.is_cancelled());
        // A later cancel does not change why it was cancelled.
        generations.cancel(&id, CancelReason::User);
        assert_eq!(generations.reason(&id), CancelReason::Shutdown);
        generations.remove(&id);
        assert!(!generations.cancel(&id, CancelReason::User));
    }
}
