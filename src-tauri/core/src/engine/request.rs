//! Building the request for the adapter: the conversation (system prompt, history, the new
//! message, post-processing, prefill), the sampler settings, and for text-completion APIs the
//! prompt rendered with the instruct template and fitted to the context.
//!
//! Must not: save anything or send anything; it only builds what the adapter sends (the token
//! counts it asks a text-completion backend for are the one exception).

use super::connections::Resolved;
use super::generation::{Action, GenerationRequest};
use super::Engine;
use crate::catalogue::{ApiType, Capabilities};
use crate::model::{ChatMessage, ChatRequest, Role, TextPrompt};
use crate::prompt::instruct::{DEFAULT_CONTEXT_SIZE, DEFAULT_REPLY_TOKENS};
use crate::prompt::{self, PromptNames};
use crate::provider;
use crate::store::StoredMessage;

/// How often a text-completion prompt is fitted again after the backend counted its tokens.
const MAX_REFITS: usize = 3;

/// Building requests.
impl Engine {
    /// The request for the adapter: the conversation, the sampler settings (profile overlaid
    /// by the request), streaming when the source can; for text completion also the prompt,
    /// fitted to the context (with how much history was left out).
    pub(super) async fn chat_request(
        &self,
        resolved: &Resolved,
        request: &GenerationRequest,
        model: String,
        history: &[StoredMessage],
        provider: &dyn provider::Provider,
    ) -> (ChatRequest, Option<Trimmed>) {
        let capabilities = provider.capabilities();
        let mut chat_request = ChatRequest {
            model,
            messages: conversation(resolved, request, history, capabilities),
            params: resolved.params.overlay(&request.params),
            stream: request.stream && capabilities.streaming,
            prompt: None,
        };
        let trimmed = self
            .render_text_prompt(resolved, provider, &mut chat_request)
            .await;
        (chat_request, trimmed)
    }

    /// For a text-completion API: renders the messages with the profile's instruct template
    /// into `request.prompt`, dropping the oldest messages that do not fit the context (the
    /// profile's size, else the backend's, else [`DEFAULT_CONTEXT_SIZE`]) with room for the
    /// reply, and adds the template's stop strings. `Some` when history was left out.
    pub(super) async fn render_text_prompt(
        &self,
        resolved: &Resolved,
        provider: &dyn provider::Provider,
        request: &mut ChatRequest,
    ) -> Option<Trimmed> {
        if provider.capabilities().api != ApiType::TextCompletion {
            return None;
        }
        let settings = resolved
            .profile
            .as_ref()
            .map(|p| p.instruct.clone())
            .unwrap_or_default();
        let context_size = match settings.context_size.filter(|&c| c > 0) {
            Some(size) => size,
            None => match provider.context_size(&request.model).await {
                Ok(Some(size)) if size > 0 => size,
                Ok(_) => DEFAULT_CONTEXT_SIZE,
                Err(err) => {
                    tracing::warn!(
                        "{}: could not read the context size ({}); assuming {DEFAULT_CONTEXT_SIZE}",
                        resolved.connection.who,
                        err.log_summary()
                    );
                    DEFAULT_CONTEXT_SIZE
                }
            },
        };
        let reply = request.params.max_tokens.unwrap_or(DEFAULT_REPLY_TOKENS);
        let budget = context_size.saturating_sub(reply).max(context_size / 4);
        let template = settings.template();
        let mut fitted = template.fit(&request.messages, budget);
        // The fit used an estimate; where the backend counts tokens, a prompt it finds too
        // long is fitted again to a budget scaled by how far the estimate was off.
        let mut estimate_budget = budget;
        for _ in 0..MAX_REFITS {
            let Ok(Some(actual)) = provider.count_tokens(&fitted.prompt).await else {
                break;
            };
            let droppable = request.messages.len().saturating_sub(
                1 + usize::from(
                    request
                        .messages
                        .first()
                        .is_some_and(|m| m.role == Role::System),
                ),
            );
            if actual <= budget || fitted.dropped >= droppable || fitted.estimated_tokens == 0 {
                break;
            }
            let ratio = f64::from(actual) / f64::from(fitted.estimated_tokens);
            estimate_budget = (f64::from(estimate_budget) / ratio).floor() as u32;
            fitted = template.fit(&request.messages, estimate_budget);
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
        (fitted.dropped > 0).then(|| Trimmed {
            dropped: u32::try_from(fitted.dropped).unwrap_or(u32::MAX),
            context_size,
        })
    }
}

/// History left out of a text-completion prompt.
#[derive(Debug, Clone, Copy)]
pub(super) struct Trimmed {
    pub(super) dropped: u32,
    pub(super) context_size: u32,
}

/// The messages of a request: the system prompt, the chat so far (replies that never got any
/// text left out), the new user message — post-processed as the profile says for chat
/// completion APIs.
fn conversation(
    resolved: &Resolved,
    request: &GenerationRequest,
    history: &[StoredMessage],
    capabilities: Capabilities,
) -> Vec<ChatMessage> {
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
            .map(|m| ChatMessage::new(m.role, m.content.clone())),
    );
    match request.action {
        Action::Send => messages.push(ChatMessage::new(Role::User, request.input.clone())),
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
