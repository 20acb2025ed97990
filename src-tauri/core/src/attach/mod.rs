//! Attachments: a file a person attached, checked and prepared to be kept with a message
//! ([`prepare`]: an image by `image.rs`, any other file as text by `file.rs`), an image fitted
//! to a source's limits when a request is built ([`fit_image`]), and a file's text as the model
//! reads it ([`file_as_text`]).
//!
//! Every refusal names the file and the limit it broke. What is kept: an image (PNG, JPEG,
//! WebP, GIF) as attached when its longest edge is at most [`MAX_STORED_EDGE`] (so a PNG
//! arrives byte for byte; a GIF is sent as its first frame in PNG); a larger one scaled down to that
//! edge (a JPEG stays a JPEG, others become PNG). A file is kept as its text (a PDF's text
//! taken out), under its own media type.
//!
//! Must not: keep anything (the store does), send anything, cache anything between calls, or
//! know any source — a source's limits arrive as [`ImageLimits`] from the catalogue.

mod file;
mod image;

use crate::catalogue::ImageLimits;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Attachment, AttachmentKind, ImagePart, NewAttachment};

pub use self::image::{MAX_PIXELS, MAX_STORED_EDGE};

/// The largest file that can be attached, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// The largest text a file may give, in bytes (a file's text is sent whole with the message).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// What can be attached, as refusals name it.
const WHAT_CAN_BE_ATTACHED: &str = "images (PNG, JPEG, WebP, GIF), text files (plain text, \
     Markdown, code, CSV, JSON) and PDFs with text can be attached";

/// Checks and prepares a file to be kept with a message: an image (PNG, JPEG, WebP, GIF) with
/// its size in pixels, a text file or a PDF as its text. Refused with the reason and the
/// limit: a file too large or empty, an image too large or that does not decode, a PDF with no
/// text, a file that is none of these.
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
    if bytes.is_empty() {
        return Err(refused(name, "it is empty (0 bytes)".to_string()));
    }
    match self::image::sniff(bytes) {
        self::image::Sniffed::Taken(format) => return self::image::prepare(name, bytes, format),
        // A few image signatures are two letters ("BM", "P1"): text that starts so is text.
        self::image::Sniffed::Other(label) if !file::is_text(bytes) => {
            return Err(refused(
                name,
                format!("it is a {label} image; only {WHAT_CAN_BE_ATTACHED}"),
            ))
        }
        _ => {}
    }
    let text = file::prepare(name, bytes)?;
    Ok(NewAttachment {
        kind: AttachmentKind::File,
        name: name.to_string(),
        media_type: text.media_type.to_string(),
        data: text.text.into_bytes(),
        width: None,
        height: None,
    })
}

/// An image kept with a message, as a request to a source with `limits` carries it: itself
/// when it is within both limits (byte for byte), else scaled down so its longest edge is at
/// most `limits.max_edge` (aspect kept) and re-encoded to at most `limits.max_bytes` — PNG
/// first (a JPEG stays a JPEG), then JPEG at decreasing quality, the media type saying which.
pub fn fit_image(attachment: &Attachment, limits: ImageLimits) -> Result<ImagePart> {
    self::image::fit(attachment, limits)
}

/// A file's text as the model reads it: its name, then its text, marked where it ends.
pub fn file_as_text(name: &str, text: &str) -> String {
    format!("--- {name} ---\n{text}\n--- end of {name} ---")
}

/// The refusal of `name`, saying `why` (which names the limit).
fn refused(name: &str, why: String) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!(
            "\"{}\" cannot be attached: {why}.",
            crate::error::quoted(name)
        ),
    )
}

/// A size in bytes for people: `512 bytes`, `12 KB`, `1.5 MB`.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<NewAttachment>) -> String {
        match result {
            Ok(kept) => format!("kept {kept:?}"),
            Err(err) => err.message,
        }
    }

    #[test]
    fn a_file_over_the_limit_is_refused_naming_it_and_the_limit() {
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        let said = message(prepare("big.txt", &big));
        assert!(said.contains("\"big.txt\" cannot be attached"), "{said}");
        assert!(said.contains("20.0 MB"), "{said}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        let said = message(prepare("empty.md", b""));
        assert_eq!(
            said,
            "\"empty.md\" cannot be attached: it is empty (0 bytes)."
        );
    }

    #[test]
    fn text_that_starts_like_an_image_signature_is_text() {
        let kept = prepare("cars.txt", b"BMW and Audi\nP1 is a pole position").unwrap();
        assert_eq!(kept.kind, AttachmentKind::File);
        assert_eq!(kept.media_type, "text/plain");
    }

    #[test]
    fn an_image_format_that_is_not_taken_is_refused_naming_what_is() {
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0]);
        let said = message(prepare("scan.bmp", &bmp));
        assert!(said.contains("it is a BMP image"), "{said}");
        assert!(said.contains("PNG, JPEG, WebP, GIF"), "{said}");
    }

    #[test]
    fn sizes_read_for_people() {
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(12 * 1024), "12 KB");
        assert_eq!(human_size(1024 * 1024 * 3 / 2), "1.5 MB");
    }

    #[test]
    fn a_file_reads_with_its_name_around_it() {
        assert_eq!(
            file_as_text("a.csv", "x,y"),
            "--- a.csv ---\nx,y\n--- end of a.csv ---"
        );
    }
}
