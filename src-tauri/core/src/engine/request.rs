//! Building the request for the adapter: the conversation (system prompt, history, the new
//! message, post-processing, prefill), the sampler settings (always with a reply length: the
//! profile's, else [`DEFAULT_REPLY_TOKENS`]), and the conversation fitted to
//! the context (the profile's size, the server's, the catalogue's, or the one assumed for a
//! local server) with the reply length reserved — for text-completion APIs rendered into one
//! prompt with the instruct template.
//!
//! Must not: save anything or send anything; it only builds what the adapter sends (the
//! context size and token counts it asks the server for are the one exception, and never for
//! a dry run).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::connections::Resolved;
use super::generation::{new_message, Action, GenerationRequest};
use super::Engine;
use crate::catalogue::{ApiType, Capabilities, ImageLimits};
use crate::context_sizes;
use crate::model::{
    Attachment, AttachmentKind, ChatMessage, ChatRequest, GenParams, ImagePart, MessageId, Part,
    Role, TextPrompt,
};
use crate::prompt::instruct::{DEFAULT_CONTEXT_SIZE, DEFAULT_REPLY_TOKENS};
use crate::prompt::{self, fit, PromptNames};
use crate::provider;
use crate::store::StoredMessage;

/// How often a prompt is fitted again after the backend counted its tokens.
const MAX_REFITS: usize = 3;

/// How long a context size a server reported is used before it is asked again (a model list
/// of a big router is megabytes; a local server restarted with another size is seen soon).
const SIZE_TTL: Duration = Duration::from_secs(60);

/// Context sizes servers reported lately, by base URL and model.
static REPORTED_SIZES: Mutex<BTreeMap<(String, String), (u32, Instant)>> =
    Mutex::new(BTreeMap::new());

/// The size `base` reported for `model` less than [`SIZE_TTL`] ago.
fn reported_size(base: &str, model: &str) -> Option<u32> {
    let sizes = REPORTED_SIZES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    sizes
        .get(&(base.to_string(), model.to_string()))
        .filter(|(_, at)| at.elapsed() < SIZE_TTL)
        .map(|&(size, _)| size)
}

fn remember_size(base: &str, model: &str, size: u32) {
    let mut sizes = REPORTED_SIZES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    sizes.retain(|_, (_, at)| at.elapsed() < SIZE_TTL);
    sizes.insert(
        (base.to_string(), model.to_string()),
        (size, Instant::now()),
    );
}

/// Building requests.
impl Engine {
    /// The request for the adapter: the conversation, the sampler settings (profile overlaid
    /// by the request), streaming when the source can and the profile has not turned it off;
    /// the conversation fitted to the context (for text completion rendered into the prompt),
    /// with how much history was left out.
    /// `probe`: the server may be asked its context size and token counts (not for a dry run,
    /// which sends nothing).
    pub(super) async fn chat_request(
        &self,
        resolved: &Resolved,
        request: &GenerationRequest,
        model: String,
        history: History<'_>,
        provider: &dyn provider::Provider,
        probe: bool,
    ) -> (ChatRequest, Option<ContextFit>) {
        let capabilities = provider.capabilities();
        let mut params = resolved.params.overlay(&request.params);
        // Every source is sent the reply length the person sees: the profile's, else the
        // default the profile form shows.
        params.max_tokens = Some(reply_tokens(&params));
        let mut chat_request = ChatRequest {
            model,
            messages: conversation(resolved, request, history, capabilities),
            params,
            stream: request.stream
                && capabilities.streaming
                && resolved.connection.options.stream_replies,
            prompt: None,
            context_size: None,
        };
        let fit = match capabilities.api {
            ApiType::TextCompletion => {
                self.render_text_prompt(resolved, provider, &mut chat_request, probe)
                    .await
            }
            ApiType::ChatCompletion => {
                fit_chat_messages(resolved, provider, &mut chat_request, probe).await
            }
        };
        (chat_request, fit)
    }

    /// For a text-completion API: renders the messages with the profile's instruct template
    /// into `request.prompt`, dropping the oldest messages that do not fit the context (the
    /// profile's size, else the backend's, else a known one, else [`DEFAULT_CONTEXT_SIZE`])
    /// with room for the reply, and adds the template's stop strings. `None` (and nothing
    /// done) for a chat-completion API.
    pub(super) async fn render_text_prompt(
        &self,
        resolved: &Resolved,
        provider: &dyn provider::Provider,
        request: &mut ChatRequest,
        probe: bool,
    ) -> Option<ContextFit> {
        if provider.capabilities().api != ApiType::TextCompletion {
            return None;
        }
        let settings = resolved
            .profile
            .as_ref()
            .map(|p| p.instruct.clone())
            .unwrap_or_default();
        let context_size = context_size(resolved, provider, &request.model, probe)
            .await
            .unwrap_or(DEFAULT_CONTEXT_SIZE);
        let reply = reply_tokens(&request.params);
        let budget = budget(context_size, reply);
        let template = settings.template();
        let mut fitted = template.fit(&request.messages, budget);
        // The fit used an estimate; where the backend counts tokens, a prompt it finds too
        // long is fitted again to a budget scaled by how far the estimate was off.
        let mut estimate_budget = budget;
        let mut counted = None;
        for _ in 0..MAX_REFITS {
            if !probe {
                break;
            }
            let Ok(Some(actual)) = provider.count_tokens(&fitted.prompt).await else {
                break;
            };
            counted = Some(actual);
            let droppable = droppable(&request.messages);
            if actual <= budget || fitted.dropped >= droppable || fitted.estimated_tokens == 0 {
                break;
            }
            let ratio = f64::from(actual) / f64::from(fitted.estimated_tokens);
            estimate_budget = (f64::from(estimate_budget) / ratio).floor() as u32;
            fitted = template.fit(&request.messages, estimate_budget);
            counted = None;
        }
        for stop in fitted.stop {
            if !request.params.stop.contains(&stop) {
                request.params.stop.push(stop);
            }
        }
        request.prompt = Some(TextPrompt {
            text: fitted.prompt,
            context_size,
        });
        Some(ContextFit {
            dropped: u32::try_from(fitted.dropped).unwrap_or(u32::MAX),
            context_size,
            prompt_tokens: counted.unwrap_or(fitted.estimated_tokens),
            reply_tokens: reply,
        })
    }
}

/// For a chat-completion API whose context size is known (or assumed, for a local server):
/// drops the oldest messages that do not fit with room for the reply ([`fit::fit_chat`]),
/// refitting where the server counts tokens. `None` when the size is unknown (a cloud model
/// the catalogue does not know): the whole history is sent.
async fn fit_chat_messages(
    resolved: &Resolved,
    provider: &dyn provider::Provider,
    request: &mut ChatRequest,
    probe: bool,
) -> Option<ContextFit> {
    let context_size = context_size(resolved, provider, &request.model, probe).await?;
    let reply = reply_tokens(&request.params);
    let budget = budget(context_size, reply);
    let mut fitted = fit::fit_chat(&request.messages, budget);
    let mut estimate_budget = budget;
    let mut counted = None;
    for _ in 0..MAX_REFITS {
        // A prompt well within the budget by the (pessimistic) estimate is not counted.
        if !probe || fitted.estimated_tokens < budget / 4 * 3 {
            break;
        }
        let Ok(Some(actual)) = provider
            .count_tokens(&fit::counting_text(&fitted.messages))
            .await
        else {
            break;
        };
        let images: u32 = fitted.messages.iter().map(fit::images_tokens).sum();
        let actual = actual.saturating_add(
            fit::REPLY_PRIMER
                + fit::MESSAGE_OVERHEAD * u32::try_from(fitted.messages.len()).unwrap_or(u32::MAX)
                + images,
        );
        counted = Some(actual);
        if actual <= budget
            || fitted.dropped >= droppable(&request.messages)
            || fitted.estimated_tokens == 0
        {
            break;
        }
        let ratio = f64::from(actual) / f64::from(fitted.estimated_tokens);
        estimate_budget = (f64::from(estimate_budget) / ratio).floor() as u32;
        fitted = fit::fit_chat(&request.messages, estimate_budget);
        counted = None;
    }
    request.messages = fitted.messages;
    request.context_size = Some(context_size);
    Some(ContextFit {
        dropped: u32::try_from(fitted.dropped).unwrap_or(u32::MAX),
        context_size,
        prompt_tokens: counted.unwrap_or(fitted.estimated_tokens),
        reply_tokens: reply,
    })
}

/// The context size a request is fitted to: the profile's, else what the server reports
/// (asked only when `probe`, at most once a minute per server and model; not of cloud
/// services whose sizes the catalogue knows), else the
/// catalogue's for the model, else what is assumed for the source (none for cloud services).
async fn context_size(
    resolved: &Resolved,
    provider: &dyn provider::Provider,
    model: &str,
    probe: bool,
) -> Option<u32> {
    let profile = resolved
        .profile
        .as_ref()
        .and_then(|p| p.instruct.context_size)
        .filter(|&c| c > 0);
    if profile.is_some() {
        return profile;
    }
    let kind = resolved.connection.kind;
    let known = context_sizes::known_context_size(model);
    let ask = probe && !(known.is_some() && kind.info().assumed_context.is_none());
    let base = &resolved.connection.base_url;
    if ask {
        if let Some(size) = reported_size(base, model) {
            return Some(size);
        }
        match provider.context_size(model).await {
            Ok(Some(size)) if size > 0 => {
                remember_size(base, model, size);
                return Some(size);
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(
                "{}: could not read the context size ({})",
                resolved.connection.who,
                err.log_summary()
            ),
        }
    }
    known.or_else(|| kind.info().assumed_context)
}

/// The reply length asked for and reserved in the context: the request's maximum, else
/// [`DEFAULT_REPLY_TOKENS`] (what the profile form shows for a profile that sets none).
fn reply_tokens(params: &GenParams) -> u32 {
    params.max_tokens.unwrap_or(DEFAULT_REPLY_TOKENS)
}

/// The prompt's budget: the context less the reply, but at least a quarter of the context.
fn budget(context_size: u32, reply: u32) -> u32 {
    context_size.saturating_sub(reply).max(context_size / 4)
}

/// How many messages fitting may drop: all but a leading system prompt and the last message.
fn droppable(messages: &[ChatMessage]) -> usize {
    messages
        .len()
        .saturating_sub(1 + usize::from(messages.first().is_some_and(|m| m.role == Role::System)))
}

/// How a request was fitted to the context, told to the person: how full it is and how much
/// history was left out.
#[derive(Debug, Clone, Copy)]
pub(super) struct ContextFit {
    /// How many of the oldest messages were left out.
    pub(super) dropped: u32,
    /// The context size in tokens.
    pub(super) context_size: u32,
    /// The prompt's size in tokens (the server's count where it gave one, else an estimate).
    pub(super) prompt_tokens: u32,
    /// The reply length reserved.
    pub(super) reply_tokens: u32,
}

/// The messages of a request: the system prompt, the chat so far (replies that never got any
/// text left out), the new user message — post-processed as the profile says for chat
/// completion APIs.
fn conversation(
    resolved: &Resolved,
    request: &GenerationRequest,
    history: History<'_>,
    capabilities: Capabilities,
) -> Vec<ChatMessage> {
    let with_attachments = |id: &MessageId, message: ChatMessage| match history.attachments.get(id)
    {
        Some(found) => attach(message, found),
        None => message,
    };
    let history = history.messages;
    let mut messages = Vec::with_capacity(history.len() + 2);
    if let Some(system) = request
        .system_prompt
        .clone()
        .or_else(|| resolved.system_prompt.clone())
        .filter(|s| !s.trim().is_empty())
    {
        messages.push(ChatMessage::new(Role::System, system));
    }
    messages.extend(
        history
            .iter()
            .filter(|m| !(m.role == Role::Assistant && m.content.is_empty()))
            .map(|m| {
                let message = ChatMessage {
                    // What the family asked to have sent back with this version goes with it.
                    provider_data: m.provider_data.clone(),
                    ..ChatMessage::new(m.role, m.content.clone())
                };
                with_attachments(&m.id, message)
            }),
    );
    match request.action {
        Action::Send => messages.push(with_attachments(
            &new_message(),
            ChatMessage::new(Role::User, request.input.clone()),
        )),
        Action::Regenerate(_) => {}
        Action::Continue(_) => {
            // The reply so far is last; an API that continues a prefill refuses one that ends
            // in whitespace.
            if let Some(last) = messages.last_mut().filter(|m| m.role == Role::Assistant) {
                if capabilities.prefill {
                    let text = last.text().trim_end().to_string();
                    last.set_text(text);
                }
            }
        }
    }
    if capabilities.api == ApiType::ChatCompletion {
        let mode = resolved
            .profile
            .as_ref()
            .map(|p| p.post_processing)
            .unwrap_or_default();
        let mut names = PromptNames::default();
        if let Some(placeholder) = resolved
            .profile
            .as_ref()
            .and_then(|p| p.placeholder.clone())
            .filter(|p| !p.trim().is_empty())
        {
            names.placeholder = placeholder;
        }
        messages = prompt::post_process(&messages, mode, &names);
    }
    if let Some(prefill) = prefill(resolved, capabilities) {
        if !matches!(request.action, Action::Continue(_)) {
            messages.push(ChatMessage::new(Role::Assistant, prefill));
        }
    }
    messages
}

/// The conversation a request is built from: the chat's messages and their attachments,
/// ready to be sent.
#[derive(Clone, Copy)]
pub(super) struct History<'a> {
    /// The messages before the one being sent (or the reply being written), oldest first.
    pub(super) messages: &'a [StoredMessage],
    /// Their attachments (and the new message's, under [`new_message`]).
    pub(super) attachments: &'a Attachments,
}

/// Attachments ready to be sent, by the message they go with; the message being sent under
/// [`new_message`].
pub(super) type Attachments = HashMap<MessageId, Vec<Ready>>;

/// An attachment as a request carries it.
#[derive(Debug, Clone)]
pub(super) enum Ready {
    /// An image fitted to the source's limits.
    Image(ImagePart),
    /// Text that goes before the message's own: a file's text with its name, or a line that
    /// stands for an image the source cannot be sent.
    Text(String),
}

/// `attachment` ready to be sent to a source that reads images up to `limits` (`None`: none).
/// A source that reads no images gets a line naming each image instead (only earlier messages
/// can hold one: a new message with an image is refused before this); an image that cannot be
/// fitted is named with the reason, and logged.
pub(super) fn ready(attachment: &Attachment, limits: Option<ImageLimits>) -> Ready {
    let name = &attachment.info.name;
    match (attachment.info.kind, limits) {
        (AttachmentKind::File, _) => Ready::Text(crate::attach::file_as_text(
            name,
            &String::from_utf8_lossy(&attachment.data),
        )),
        (AttachmentKind::Image, None) => Ready::Text(format!("[image \"{name}\"]")),
        (AttachmentKind::Image, Some(limits)) => match crate::attach::fit_image(attachment, limits)
        {
            Ok(image) => Ready::Image(image),
            Err(err) => {
                tracing::warn!("an attached image was left out: {}", err.log_summary());
                Ready::Text(format!(
                    "[image \"{name}\" could not be sent: {}]",
                    err.message
                ))
            }
        },
    }
}

/// `message` with its attachments: images first, as image parts, then each text (a file's,
/// with its name) before the message's own text.
fn attach(mut message: ChatMessage, attachments: &[Ready]) -> ChatMessage {
    let mut images = Vec::new();
    let mut texts = Vec::new();
    for attachment in attachments {
        match attachment {
            Ready::Image(image) => images.push(Part::Image(image.clone())),
            Ready::Text(text) => texts.push(text.clone()),
        }
    }
    if !texts.is_empty() {
        let text = message.text();
        if !text.is_empty() {
            texts.push(text.into_owned());
        }
        message.set_text(texts.join("\n\n"));
    }
    if !images.is_empty() {
        images.append(&mut message.parts);
        message.parts = images;
    }
    message
}

/// The profile's prefill, where the source continues one.
pub(super) fn prefill(resolved: &Resolved, capabilities: Capabilities) -> Option<String> {
    resolved
        .profile
        .as_ref()
        .and_then(|p| p.prefill.as_deref())
        // The API refuses a prefill ending in whitespace.
        .map(|p| p.trim_end().to_string())
        .filter(|p| capabilities.prefill && !p.is_empty())
}
