//! Attachments in the composer: a pasted or dropped file handed over as base64
//! ([`add_attachment`]), files chosen in the system's file dialog ([`choose_attachments`]), a
//! draft removed before sending ([`discard_attachment`]) and an image read back as a `data:`
//! URL to draw a thumbnail or the full-size view ([`attachment_image`]). Each file is checked
//! and prepared by the core (`engine.add_attachment`); it is kept as a draft until it is sent
//! with a message (`StartGeneration::attachments`).
//!
//! Must not: read a file the person did not choose in the dialog, decide what a file is (the
//! core does), or hand the page a file's bytes other than an image's, to draw it.

use base64::Engine as _;
use serde::Serialize;
use specta::Type;
use switchboard_core::model::{AttachmentId, AttachmentInfo, AttachmentKind};
use tauri::State;

use super::IpcError;
use crate::shell::{invalid, Shell};

/// The longest file name an attachment may have, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// A chosen file that could not be attached, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RefusedFile {
    /// The file's name.
    pub name: String,
    /// Why, for people (the core's message, naming the file and the limit).
    pub message: String,
}

/// What attaching the files chosen in the dialog did.
#[derive(Debug, Clone, Default, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChosenAttachments {
    /// The files attached, in the order chosen.
    pub attached: Vec<AttachmentInfo>,
    /// The files refused; the others were still attached.
    pub refused: Vec<RefusedFile>,
}

/// Checks and keeps a file the page was given (pasted or dropped), its bytes as base64, to be
/// sent with the next message. Refused with the core's reason (too large, not an image or
/// text, an image that does not read).
#[tauri::command]
#[specta::specta]
pub async fn add_attachment(
    shell: State<'_, Shell>,
    name: String,
    data_base64: String,
) -> Result<AttachmentInfo, IpcError> {
    shell.add_attachment(name, &data_base64).await
}

/// Opens the system's file dialog (several files: images, text and code, PDF, any file) and
/// attaches each file chosen; a refused file is reported by name and the others still attach.
/// Nothing when the person cancels.
#[tauri::command]
#[specta::specta]
pub async fn choose_attachments(shell: State<'_, Shell>) -> Result<ChosenAttachments, IpcError> {
    shell.choose_attachments().await
}

/// Drops an attachment that was not sent (removed from the composer); `false` when there was
/// no such draft (one sent with a message stays with it).
#[tauri::command]
#[specta::specta]
pub async fn discard_attachment(shell: State<'_, Shell>, id: String) -> Result<bool, IpcError> {
    shell.engine().discard_attachment(AttachmentId(id)).await
}

/// An attached image as a `data:` URL, to draw its thumbnail and its full-size view; a file
/// that is not an image is refused.
#[tauri::command]
#[specta::specta]
pub async fn attachment_image(shell: State<'_, Shell>, id: String) -> Result<String, IpcError> {
    shell.attachment_image(id).await
}

impl Shell {
    /// [`add_attachment`]: decodes the page's base64 and hands the file to the core.
    pub async fn add_attachment(
        &self,
        name: String,
        data_base64: &str,
    ) -> Result<AttachmentInfo, IpcError> {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(invalid("The file to attach has no name."));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(invalid(format!(
                "The file name is too long to attach ({} characters; at most {MAX_NAME_CHARS}).",
                name.chars().count()
            )));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data_base64.trim())
            .map_err(|_| {
                invalid(format!(
                    "{} could not be attached: its contents did not arrive whole.",
                    switchboard_core::error::quoted(&name)
                ))
            })?;
        self.engine().add_attachment(name, bytes).await
    }

    /// [`choose_attachments`]: the dialog, then each file chosen attached or refused by name.
    pub async fn choose_attachments(&self) -> Result<ChosenAttachments, IpcError> {
        let chosen = self.choose_attachment_files().await?;
        let mut report = ChosenAttachments::default();
        for path in chosen {
            match self.engine().attach_file(&path).await {
                Ok(info) => report.attached.push(info),
                Err(error) => report.refused.push(RefusedFile {
                    name: path.file_name().map_or_else(
                        || path.display().to_string(),
                        |name| name.to_string_lossy().into_owned(),
                    ),
                    message: error.message,
                }),
            }
        }
        Ok(report)
    }

    /// [`attachment_image`]: the image's kept bytes as a `data:` URL.
    pub async fn attachment_image(&self, id: String) -> Result<String, IpcError> {
        let attachment = self.engine().attachment(AttachmentId(id)).await?;
        if attachment.info.kind != AttachmentKind::Image {
            return Err(invalid(format!(
                "{} is not an image.",
                switchboard_core::error::quoted(&attachment.info.name)
            )));
        }
        Ok(format!(
            "data:{};base64,{}",
            attachment.info.media_type,
            base64::engine::general_purpose::STANDARD.encode(&attachment.data)
        ))
    }
}
