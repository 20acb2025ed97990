//! Chats and generations: a chat's latest page of messages (or the page around one message)
//! and the pages before and after it, and the three kinds of generation (a new message, a new version of a reply, more of a cut-off
//! reply). Replies stream over a per-generation channel; the command returns the generation id
//! at once.

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::engine::Action;
use switchboard_core::model::AttachmentId;
use switchboard_core::store::{Chat, StoredMessage, PAGE_SIZE};
use switchboard_core::{
    CancelReason, ChatEvent, ChatId, ConnectionSpec, GenParams, Generation, GenerationId,
    GenerationRequest, MessageId,
};
use tauri::ipc::Channel;
use tauri::State;

use super::IpcError;
use crate::shell::{invalid, Shell};

/// A chat with its latest page of messages.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChatView {
    /// The chat.
    pub chat: Chat,
    /// Its latest messages (at most a page), oldest first.
    pub messages: Vec<StoredMessage>,
    /// Older messages exist: `loadMessages` with the first message's `seq` fetches them.
    pub has_older: bool,
}

/// A chat opened on the page around one of its messages (a search hit).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChatAround {
    /// The chat.
    pub chat: Chat,
    /// The page holding the message (at most a page), oldest first.
    pub messages: Vec<StoredMessage>,
    /// Older messages exist: `loadMessages` with the first message's `seq` fetches them.
    pub has_older: bool,
    /// Newer messages exist: `loadNewerMessages` with the last message's `seq` fetches them.
    pub has_newer: bool,
}

/// What to send.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StartGeneration {
    /// The profile to send it with.
    pub profile_id: String,
    /// The chat to continue; `null` starts a new chat.
    pub chat_id: Option<String>,
    /// The user's message.
    pub input: String,
    /// Overrides the profile's model.
    pub model: Option<String>,
    /// Drafts (`addAttachment`, `chooseAttachments`) sent with the message, in order.
    pub attachments: Vec<AttachmentId>,
}

/// The request the next message would send, as it goes on the wire (keys redacted).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RequestPreview {
    /// HTTP method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers in order; keys show as `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// The JSON body, pretty-printed.
    pub body: String,
}

/// A started generation.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GenerationStarted {
    /// For `cancelGeneration`.
    pub generation_id: String,
    /// The chat (new or continued).
    pub chat_id: String,
    /// The saved user message; `null` when nothing was sent (a new version of a reply, or more
    /// of one).
    pub user_message_id: Option<String>,
}

/// Every chat, most recent first.
#[tauri::command]
#[specta::specta]
pub async fn list_chats(shell: State<'_, Shell>) -> Result<Vec<Chat>, IpcError> {
    shell.engine().chats().await
}

/// One chat with its latest page of messages.
#[tauri::command]
#[specta::specta]
pub async fn load_chat(shell: State<'_, Shell>, chat_id: String) -> Result<ChatView, IpcError> {
    shell.load_chat(chat_id).await
}

/// The page of a chat's messages before `before_seq` (a message's `seq`), oldest first; empty
/// when there are none.
#[tauri::command]
#[specta::specta]
pub async fn load_messages(
    shell: State<'_, Shell>,
    chat_id: String,
    before_seq: u32,
) -> Result<Vec<StoredMessage>, IpcError> {
    shell.load_messages(chat_id, before_seq).await
}

/// One chat on the page around `message_id` (about half before it, the rest from it on); an
/// error naming the message when it is not in this chat.
#[tauri::command]
#[specta::specta]
pub async fn load_chat_around(
    shell: State<'_, Shell>,
    chat_id: String,
    message_id: String,
) -> Result<ChatAround, IpcError> {
    shell.load_chat_around(chat_id, message_id).await
}

/// The page of a chat's messages after `after_seq` (a message's `seq`), oldest first; empty
/// when there are none.
#[tauri::command]
#[specta::specta]
pub async fn load_newer_messages(
    shell: State<'_, Shell>,
    chat_id: String,
    after_seq: u32,
) -> Result<Vec<StoredMessage>, IpcError> {
    shell.load_newer_messages(chat_id, after_seq).await
}

/// Saves the user's message and starts the reply; its events arrive on `on_event`, ending with
/// exactly one of `finished`, `failed` or `cancelled`.
#[tauri::command]
#[specta::specta]
pub async fn start_generation(
    shell: State<'_, Shell>,
    request: StartGeneration,
    on_event: Channel<ChatEvent>,
) -> Result<GenerationStarted, IpcError> {
    shell.start_generation(request, on_event).await
}

/// Writes a new version (swipe) of the reply `message_id` from the history before it; the
/// versions before stay. `model` overrides the profile's (the chat's own model). Its events arrive on `on_event` as for `start_generation`.
#[tauri::command]
#[specta::specta]
pub async fn regenerate(
    shell: State<'_, Shell>,
    profile_id: String,
    message_id: String,
    model: Option<String>,
    on_event: Channel<ChatEvent>,
) -> Result<GenerationStarted, IpcError> {
    shell
        .start_action(
            profile_id,
            model,
            Action::Regenerate(MessageId(message_id)),
            on_event,
        )
        .await
}

/// Continues the reply `message_id` where it ends (one that was stopped, interrupted or cut
/// off). The `started` event carries its text so far; the deltas follow it.
#[tauri::command]
#[specta::specta]
pub async fn continue_reply(
    shell: State<'_, Shell>,
    profile_id: String,
    message_id: String,
    model: Option<String>,
    on_event: Channel<ChatEvent>,
) -> Result<GenerationStarted, IpcError> {
    shell
        .start_action(
            profile_id,
            model,
            Action::Continue(MessageId(message_id)),
            on_event,
        )
        .await
}

fn generation_request(request: StartGeneration) -> GenerationRequest {
    GenerationRequest {
        connection: ConnectionSpec::Profile(request.profile_id),
        chat_id: request.chat_id.map(ChatId),
        input: request.input,
        model: request.model.filter(|m| !m.trim().is_empty()),
        system_prompt: None,
        params: GenParams::default(),
        stream: true,
        action: Action::Send,
        attachments: request.attachments,
    }
}

impl Shell {
    /// What sending `request` would put on the wire.
    pub async fn preview_request(
        &self,
        request: StartGeneration,
    ) -> Result<RequestPreview, IpcError> {
        let wire = self.engine().dry_run(&generation_request(request)).await?;
        Ok(RequestPreview {
            method: wire.method,
            url: wire.url,
            headers: wire.headers,
            body: serde_json::to_string_pretty(&wire.body).unwrap_or_default(),
        })
    }

    /// One chat with its latest page of messages.
    pub async fn load_chat(&self, chat_id: String) -> Result<ChatView, IpcError> {
        let id = ChatId(chat_id);
        let engine = self.engine();
        let chat = existing_chat(self, &id).await?;
        let messages = engine.messages_page(&id, None, PAGE_SIZE).await?;
        let has_older = usize::try_from(chat.message_count).unwrap_or(0) > messages.len();
        Ok(ChatView {
            chat,
            messages,
            has_older,
        })
    }

    /// The page of a chat's messages before `before_seq`, oldest first.
    pub async fn load_messages(
        &self,
        chat_id: String,
        before_seq: u32,
    ) -> Result<Vec<StoredMessage>, IpcError> {
        let id = ChatId(chat_id);
        existing_chat(self, &id).await?;
        self.engine()
            .messages_page(&id, Some(i64::from(before_seq)), PAGE_SIZE)
            .await
    }

    /// One chat on the page around `message_id`, with whether messages exist before and after.
    pub async fn load_chat_around(
        &self,
        chat_id: String,
        message_id: String,
    ) -> Result<ChatAround, IpcError> {
        let id = ChatId(chat_id);
        let engine = self.engine();
        let chat = existing_chat(self, &id).await?;
        let messages = engine
            .messages_around(&id, &MessageId(message_id), PAGE_SIZE)
            .await?;
        let (has_older, has_newer) = match (messages.first(), messages.last()) {
            (Some(first), Some(last)) => (
                !engine
                    .messages_page(&id, Some(first.seq), 1)
                    .await?
                    .is_empty(),
                !engine.messages_after(&id, last.seq, 1).await?.is_empty(),
            ),
            _ => (false, false),
        };
        Ok(ChatAround {
            chat,
            messages,
            has_older,
            has_newer,
        })
    }

    /// The page of a chat's messages after `after_seq`, oldest first.
    pub async fn load_newer_messages(
        &self,
        chat_id: String,
        after_seq: u32,
    ) -> Result<Vec<StoredMessage>, IpcError> {
        let id = ChatId(chat_id);
        existing_chat(self, &id).await?;
        self.engine()
            .messages_after(&id, i64::from(after_seq), PAGE_SIZE)
            .await
    }

    /// Saves the user's message and starts the reply, forwarding its events to `on_event`.
    pub async fn start_generation(
        &self,
        request: StartGeneration,
        on_event: Channel<ChatEvent>,
    ) -> Result<GenerationStarted, IpcError> {
        if request.input.trim().is_empty() && request.attachments.is_empty() {
            return Err(invalid("Type a message or attach a file first."));
        }
        let generation = self
            .engine()
            .start_generation(generation_request(request))
            .await?;
        Ok(self.forward(generation, on_event))
    }

    /// Starts a new version of a reply, or more of one, with `profile_id`'s connection and
    /// `model` (the profile's when `None` or empty), forwarding its events to `on_event`.
    pub async fn start_action(
        &self,
        profile_id: String,
        model: Option<String>,
        action: Action,
        on_event: Channel<ChatEvent>,
    ) -> Result<GenerationStarted, IpcError> {
        let request = GenerationRequest {
            connection: ConnectionSpec::Profile(profile_id),
            chat_id: None,
            input: String::new(),
            model: model.filter(|m| !m.trim().is_empty()),
            system_prompt: None,
            params: GenParams::default(),
            stream: true,
            action,
            attachments: Vec::new(),
        };
        let generation = self.engine().start_generation(request).await?;
        Ok(self.forward(generation, on_event))
    }

    /// Forwards a started generation's events to the window until the terminal one.
    fn forward(&self, generation: Generation, on_event: Channel<ChatEvent>) -> GenerationStarted {
        let engine = self.engine().clone();
        let started = GenerationStarted {
            generation_id: generation.id.0.clone(),
            chat_id: generation.chat_id.0.clone(),
            user_message_id: generation.user_message_id.map(|id| id.0),
        };
        let id = generation.id;
        let mut events = generation.events;
        tauri::async_runtime::spawn(async move {
            let mut window_gone = false;
            while let Some(event) = events.recv().await {
                if let ChatEvent::Delta { text } = &event {
                    tracing::trace!(bytes = text.len(), "delta to the window");
                }
                if !window_gone && on_event.send(event).is_err() {
                    // Nobody is listening any more: stop, and keep draining so the engine can save.
                    window_gone = true;
                    engine.cancel(&id, CancelReason::Shutdown);
                }
            }
        });
        started
    }
}

/// The chat `id`, or an error saying it is gone.
pub(crate) async fn existing_chat(shell: &Shell, id: &ChatId) -> Result<Chat, IpcError> {
    shell
        .engine()
        .chat(id)
        .await?
        .ok_or_else(|| invalid("That chat no longer exists."))
}

/// What sending `request` would put on the wire, after post-processing. Sends and saves
/// nothing.
#[tauri::command]
#[specta::specta]
pub async fn preview_request(
    shell: State<'_, Shell>,
    request: StartGeneration,
) -> Result<RequestPreview, IpcError> {
    shell.preview_request(request).await
}

/// Stops a running generation; the text received so far is kept, marked "stopped".
#[tauri::command]
#[specta::specta]
pub fn cancel_generation(shell: State<'_, Shell>, generation_id: String) -> bool {
    shell
        .engine()
        .cancel(&GenerationId(generation_id), CancelReason::User)
}

/// Opens an `http`, `https` or `mailto` link from a reply in the system browser; the window
/// itself never navigates away.
#[tauri::command]
#[specta::specta]
pub fn open_external(url: String) -> Result<(), IpcError> {
    let parsed = url::Url::parse(url.trim()).map_err(|_| {
        invalid(format!(
            "\"{}\" is not a link.",
            switchboard_core::error::quoted(&url)
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https" | "mailto") {
        return Err(invalid(format!(
            "Links of the kind \"{}:\" are not opened.",
            parsed.scheme()
        )));
    }
    tauri_plugin_opener::open_url(parsed.as_str(), None::<&str>)
        .map_err(|err| invalid(format!("Could not open {parsed}: {err}.")))
}
