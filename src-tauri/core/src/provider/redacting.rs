//! A provider whose every error is scrubbed of the connection's secrets before it leaves.
//!
//! [`super::build`] wraps each adapter in [`Redacting`], so no family has to remember it:
//! status checks, model lists, context sizes, token counts and every error event of a stream
//! pass through the connection's [`Redactor`]. It must not change anything but error text and
//! the status sentence.

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::contract::{Provider, Request, StatusReport, StreamEvent};
use crate::catalogue::Capabilities;
use crate::error::Result;
use crate::model::{ChatRequest, ModelInfo};
use crate::redact::Redactor;

/// An adapter and the secrets its requests carry.
pub(super) struct Redacting {
    inner: Box<dyn Provider>,
    redactor: Redactor,
}

impl Redacting {
    pub(super) fn new(inner: Box<dyn Provider>, redactor: Redactor) -> Redacting {
        Redacting { inner, redactor }
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
        self.inner
            .stream(request, cancel)
            .map(move |item| item.map_err(|err| redactor.scrub_error(err)))
            .boxed()
    }
}
