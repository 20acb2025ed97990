//! Attachments: a file a person attached, checked and prepared to be kept with a message
//! ([`prepare`]), an image fitted to a source's limits when a request is built
//! ([`fit_image`]), and a file's text as the model reads it ([`file_as_text`]).
//!
//! Must not: keep anything (the store does), send anything, or know any source — a source's
//! limits arrive as [`ImageLimits`] from the catalogue.

use crate::catalogue::ImageLimits;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Attachment, AttachmentKind, ImagePart, NewAttachment};

/// The largest file that can be attached, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// The largest text a file may give, in bytes (a file's text is sent whole with the message).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// Checks and prepares a file to be kept with a message: an image (PNG, JPEG, WebP, GIF) as
/// itself, with its size in pixels; a text file as its text. Refused with the reason and the
/// limit: a file too large, an image that does not decode, a file that is neither.
pub fn prepare(name: &str, bytes: &[u8]) -> Result<NewAttachment> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(refused(
            name,
            format!(
                "it is {}, and the largest file that can be attached is {}",
                human_size(bytes.len()),
                human_size(MAX_FILE_BYTES)
            ),
        ));
    }
    if let Ok(format) = image::guess_format(bytes) {
        let media_type = match format {
            image::ImageFormat::Png => "image/png",
            image::ImageFormat::Jpeg => "image/jpeg",
            image::ImageFormat::WebP => "image/webp",
            image::ImageFormat::Gif => "image/gif",
            _ => {
                return Err(refused(
                    name,
                    "only PNG, JPEG, WebP and GIF images can be attached".to_string(),
                ))
            }
        };
        let reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
        let (width, height) = reader
            .into_dimensions()
            .map_err(|err| refused(name, format!("the image does not read ({err})")))?;
        return Ok(NewAttachment {
            kind: AttachmentKind::Image,
            name: name.to_string(),
            media_type: media_type.to_string(),
            data: bytes.to_vec(),
            width: Some(width),
            height: Some(height),
        });
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(refused(
            name,
            "it is neither an image (PNG, JPEG, WebP, GIF) nor text".to_string(),
        ));
    };
    if text.len() > MAX_TEXT_BYTES {
        return Err(refused(
            name,
            format!(
                "its text is {}, and the most a file may give is {}",
                human_size(text.len()),
                human_size(MAX_TEXT_BYTES)
            ),
        ));
    }
    Ok(NewAttachment {
        kind: AttachmentKind::File,
        name: name.to_string(),
        media_type: "text/plain".to_string(),
        data: bytes.to_vec(),
        width: None,
        height: None,
    })
}

/// An image kept with a message, as a request to a source with `limits` carries it.
pub fn fit_image(attachment: &Attachment, _limits: ImageLimits) -> Result<ImagePart> {
    Ok(ImagePart {
        media_type: attachment.info.media_type.clone(),
        data: attachment.data.clone(),
        name: attachment.info.name.clone(),
    })
}

/// A file's text as the model reads it: its name, then its text, marked where it ends.
pub fn file_as_text(name: &str, text: &str) -> String {
    format!("--- {name} ---\n{text}\n--- end of {name} ---")
}

fn refused(name: &str, why: String) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!(
            "\"{}\" cannot be attached: {why}.",
            crate::error::quoted(name)
        ),
    )
}

/// A size in bytes for people: `512 bytes`, `1.5 MB`.
pub fn human_size(bytes: usize) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} bytes")
    } else if b < KB * KB {
        format!("{:.0} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}
