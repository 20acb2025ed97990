//! Attaching files to the message being written: a file checked and prepared
//! ([`crate::attach::prepare`]) and kept as a draft until it is sent with a message
//! ([`super::GenerationRequest::attachments`]), dropped when the person removes it, read back
//! (an image's bytes) for a window to draw.
//!
//! Must not: read a file a front end did not name, or send anything.

use std::path::Path;

use super::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Attachment, AttachmentId, AttachmentInfo};

impl Engine {
    /// Checks and keeps a file (its name and bytes) to be sent with the next message.
    pub async fn add_attachment(&self, name: String, bytes: Vec<u8>) -> Result<AttachmentInfo> {
        self.blocking(move |store| {
            let prepared = crate::attach::prepare(&name, &bytes)?;
            store.add_attachment(&prepared)
        })
        .await
    }

    /// [`add_attachment`](Self::add_attachment) of the file at `path`, under its file name.
    pub async fn attach_file(&self, path: &Path) -> Result<AttachmentInfo> {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let bytes = tokio::fs::read(path).await.map_err(|err| {
            Error::new(
                ErrorKind::InvalidRequest,
                format!("Could not read {} to attach it: {err}.", path.display()),
            )
        })?;
        self.add_attachment(name, bytes).await
    }

    /// Drops an attachment that was not sent; `false` when there is no such draft.
    pub async fn discard_attachment(&self, id: AttachmentId) -> Result<bool> {
        self.blocking(move |store| store.discard_attachment(&id))
            .await
    }

    /// An attachment with its bytes (a draft or one sent with a message).
    pub async fn attachment(&self, id: AttachmentId) -> Result<Attachment> {
        self.blocking(move |store| {
            store.attachment(&id)?.ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "There is no attachment with id {}.",
                        crate::error::quoted(id.as_str())
                    ),
                )
            })
        })
        .await
    }
}
