//! A provider whose every error is scrubbed of the connection's secrets before it leaves, and
//! whose refusal of an image says so.
//!
//! [`super::build`] wraps each adapter in [`Redacting`], so no family has to remember it:
//! status checks, model lists, context sizes, token counts and every error event of a stream
//! pass through the connection's [`Redactor`]; a generation that carried images has a server's
//! refusal to read them reworded to name the model ([`server_error::images_refused`], the
//! vendors' words as data). It must not change anything but error text and the status sentence.

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::contract::{Provider, Request, StatusReport, StreamEvent};
use super::server_error;
use crate::catalogue::Capabilities;
use crate::error::Result;
use crate::model::{ChatMessage, ChatRequest, ModelInfo};
use crate::redact::Redactor;

/// An adapter, the secrets its requests carry and who it speaks for (`Profile "name"`).
pub(super) struct Redacting {
    inner: Box<dyn Provider>,
    redactor: Redactor,
    who: String,
}

impl Redacting {
    pub(super) fn new(inner: Box<dyn Provider>, redactor: Redactor, who: String) -> Redacting {
        Redacting {
            inner,
            redactor,
            who,
        }
    }

    fn scrubbed<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|err| self.redactor.scrub_error(err))
    }
}

impl Provider for Redacting {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        Box::pin(async move {
            let mut report = self.scrubbed(self.inner.status().await)?;
            report.message = self.redactor.scrub(&report.message).into_owned();
            Ok(report)
        })
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        Box::pin(async move { self.scrubbed(self.inner.list_models().await) })
    }

    fn context_size<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        Box::pin(async move { self.scrubbed(self.inner.context_size(model).await) })
    }

    fn count_tokens<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        Box::pin(async move { self.scrubbed(self.inner.count_tokens(text).await) })
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        self.scrubbed(self.inner.request(request))
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let redactor = self.redactor.clone();
        let images = request
            .messages
            .iter()
            .any(ChatMessage::has_images)
            .then(|| (self.who.clone(), request.model.clone()));
        self.inner
            .stream(request, cancel)
            .map(move |item| {
                item.map_err(|err| {
                    let err = redactor.scrub_error(err);
                    match &images {
                        Some((who, model)) => server_error::images_refused(err, who, model),
                        None => err,
                    }
                })
            })
            .boxed()
    }
}
