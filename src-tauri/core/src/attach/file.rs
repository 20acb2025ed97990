//! Attached files that are not images, as the text a model reads: plain text, Markdown, code,
//! CSV, JSON (UTF-8, or UTF-16 with its byte-order mark) and a PDF's text (taken out by
//! `pdf-extract`). Whether a file is text is decided by its content; its media type by its
//! extension (`text/markdown`, `text/csv`, `application/json`, `application/pdf`, `text/x-…`
//! for code, else `text/plain`).
//!
//! Must not: keep anything, run or interpret what a file holds beyond taking out its text, or
//! accept a binary file under a text name.

use super::{human_size, refused, MAX_TEXT_BYTES, WHAT_CAN_BE_ATTACHED};
use crate::error::Result;

/// A file made ready to keep: its text and the media type of the original.
pub(super) struct FileText {
    pub(super) media_type: &'static str,
    pub(super) text: String,
}

/// Media types by extension (lower case); any other text file is `text/plain`.
const MEDIA_TYPES: &[(&[&str], &str)] = &[
    (&["md", "markdown", "mdx"], "text/markdown"),
    (&["csv"], "text/csv"),
    (&["tsv"], "text/tab-separated-values"),
    (&["json", "jsonl", "ndjson", "geojson"], "application/json"),
    (&["html", "htm"], "text/html"),
    (&["css"], "text/css"),
    (&["xml", "svg"], "text/xml"),
    (&["yaml", "yml"], "text/yaml"),
    (&["toml"], "text/x-toml"),
    (&["js", "mjs", "cjs", "jsx"], "text/javascript"),
    (&["ts", "tsx", "mts", "cts"], "text/x-typescript"),
    (&["py", "pyi"], "text/x-python"),
    (&["rs"], "text/x-rust"),
    (&["go"], "text/x-go"),
    (&["java"], "text/x-java"),
    (&["kt", "kts"], "text/x-kotlin"),
    (&["swift"], "text/x-swift"),
    (&["c", "h"], "text/x-c"),
    (&["cc", "cpp", "cxx", "hpp", "hh", "hxx"], "text/x-c++"),
    (&["cs"], "text/x-csharp"),
    (&["rb"], "text/x-ruby"),
    (&["php"], "text/x-php"),
    (&["sh", "bash", "zsh", "fish"], "text/x-shellscript"),
    (&["sql"], "text/x-sql"),
    (&["lua"], "text/x-lua"),
    (&["r"], "text/x-r"),
    (&["tex"], "text/x-tex"),
];

/// Makes a file that is not an image ready to keep as text; refused when it is binary, not
/// UTF-8, has no text (a scanned PDF), or gives more than [`MAX_TEXT_BYTES`].
pub(super) fn prepare(name: &str, bytes: &[u8]) -> Result<FileText> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let (media_type, text) = if is_pdf(bytes, &extension) {
        ("application/pdf", pdf_text(name, bytes)?)
    } else if extension == "pdf" {
        return Err(refused(
            name,
            "it is named .pdf but is not a PDF (it does not start as one)".to_string(),
        ));
    } else {
        let text = decoded(bytes)
            .map_err(|why| refused(name, format!("{why}; {WHAT_CAN_BE_ATTACHED}")))?;
        let media_type = MEDIA_TYPES
            .iter()
            .find(|(extensions, _)| extensions.contains(&extension.as_str()))
            .map_or("text/plain", |(_, media_type)| media_type);
        (media_type, text)
    };
    if text.trim().is_empty() {
        return Err(refused(name, "it holds no text".to_string()));
    }
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
    Ok(FileText { media_type, text })
}

/// Whether `bytes` read as text (see [`decoded`]).
pub(super) fn is_text(bytes: &[u8]) -> bool {
    decoded(bytes).is_ok()
}

/// A PDF starts with `%PDF-`; readers allow a little before it (in the first 1,024 bytes),
/// which is trusted only of a file named `.pdf` (a text about PDFs may quote the marker).
fn is_pdf(bytes: &[u8], extension: &str) -> bool {
    bytes.starts_with(b"%PDF-")
        || (extension == "pdf"
            && bytes[..bytes.len().min(1024)]
                .windows(5)
                .any(|window| window == b"%PDF-"))
}

/// The text of `bytes`: UTF-8 (a byte-order mark dropped) or UTF-16 with its byte-order mark,
/// holding no control characters but tab, line breaks, form feed and escape. Else why not.
fn decoded(bytes: &[u8]) -> std::result::Result<String, &'static str> {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        std::str::from_utf8(rest).map(str::to_string).ok()
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, u16::from_be_bytes)
    } else {
        std::str::from_utf8(bytes).map(str::to_string).ok()
    };
    let binary = "it is not a text file";
    let Some(text) = text else {
        // Text in another encoding has no NUL bytes; a binary file nearly always has some.
        return Err(if bytes.contains(&0) {
            binary
        } else {
            "its text is not UTF-8 (save it as UTF-8 and attach it again)"
        });
    };
    let control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1b');
    if text.chars().any(control) {
        return Err(binary);
    }
    Ok(text)
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| unit([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// A PDF's text, its lines' trailing spaces and runs of blank lines tidied; refused when the
/// PDF does not read (`pdf-extract` panics on some malformed files: caught here).
fn pdf_text(name: &str, bytes: &[u8]) -> Result<String> {
    let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    let raw = match extracted {
        Ok(Ok(text)) => text,
        Ok(Err(err)) => return Err(refused(name, format!("the PDF does not read ({err})"))),
        Err(_) => {
            return Err(refused(
                name,
                "the PDF does not read (its text could not be taken out)".to_string(),
            ))
        }
    };
    let mut text = String::with_capacity(raw.len());
    let mut blank_lines = 0;
    for line in raw.lines().map(str::trim_end) {
        if line.is_empty() {
            blank_lines += 1;
            continue;
        }
        if !text.is_empty() {
            text.push_str(if blank_lines > 0 { "\n\n" } else { "\n" });
        }
        blank_lines = 0;
        text.push_str(line);
    }
    if text.is_empty() {
        return Err(refused(
            name,
            "the PDF holds no text to read (a scanned PDF holds pictures of its pages: attach \
             them as images instead)"
                .to_string(),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::super::prepare as prepare_any;
    use crate::model::AttachmentKind;
    use switchboard_fakes::one_page_pdf as pdf;

    fn said(name: &str, bytes: &[u8]) -> String {
        prepare_any(name, bytes).unwrap_err().message
    }

    #[test]
    fn text_files_keep_their_text_and_their_media_type() {
        for (name, media_type) in [
            ("notes.md", "text/markdown"),
            ("table.CSV", "text/csv"),
            ("data.json", "application/json"),
            ("main.rs", "text/x-rust"),
            ("script.py", "text/x-python"),
            ("README", "text/plain"),
            ("log.txt", "text/plain"),
        ] {
            let kept = prepare_any(name, "a,b\n1,2\n".as_bytes()).unwrap();
            assert_eq!(kept.kind, AttachmentKind::File, "{name}");
            assert_eq!(kept.media_type, media_type, "{name}");
            assert_eq!(kept.data, b"a,b\n1,2\n", "{name}");
            assert_eq!((kept.width, kept.height), (None, None));
        }
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_utf16_is_read() {
        let kept = prepare_any("a.txt", b"\xEF\xBB\xBFh\xC3\xA9").unwrap();
        assert_eq!(kept.data, "hé".as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "hé\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let kept = prepare_any("win.txt", &utf16).unwrap();
        assert_eq!(kept.data, "hé\n".as_bytes());
    }

    #[test]
    fn a_binary_file_is_refused_naming_what_can_be_attached() {
        let message = said("app.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00");
        assert_eq!(
            message,
            "\"app.exe\" cannot be attached: it is not a text file; images (PNG, JPEG, WebP, \
             GIF), text files (plain text, Markdown, code, CSV, JSON) and PDFs with text can be \
             attached."
        );
        // A binary file under a text name is still binary.
        assert!(said("notes.txt", b"ab\x01\x02cd").contains("it is not a text file"));
    }

    #[test]
    fn text_in_another_encoding_is_refused_asking_for_utf8() {
        let message = said("latin1.txt", b"caf\xE9");
        assert!(message.contains("its text is not UTF-8"), "{message}");
    }

    #[test]
    fn a_file_with_only_blank_text_is_refused() {
        assert_eq!(
            said("blank.md", b" \n\n\t"),
            "\"blank.md\" cannot be attached: it holds no text."
        );
    }

    #[test]
    fn too_much_text_is_refused_naming_the_limit() {
        let text = "x".repeat(super::MAX_TEXT_BYTES + 1);
        let message = said("long.txt", text.as_bytes());
        assert_eq!(
            message,
            "\"long.txt\" cannot be attached: its text is 1.0 MB, and the most a file may give \
             is 1.0 MB."
        );
    }

    #[test]
    fn a_pdf_is_kept_as_its_text() {
        let kept =
            prepare_any("report.pdf", &pdf(&["Quarterly report", "Sales rose 12%"])).unwrap();
        assert_eq!(kept.kind, AttachmentKind::File);
        assert_eq!(kept.media_type, "application/pdf");
        let text = String::from_utf8(kept.data).unwrap();
        assert!(text.contains("Quarterly report"), "{text:?}");
        assert!(text.contains("Sales rose 12%"), "{text:?}");
    }

    #[test]
    fn a_pdf_without_text_is_refused_as_scanned() {
        let message = said("scan.pdf", &pdf(&[]));
        assert!(message.starts_with("\"scan.pdf\" cannot be attached: the PDF holds no text"));
        assert!(message.contains("attach them as images"), "{message}");
    }

    #[test]
    fn a_broken_pdf_or_a_false_one_is_refused() {
        let message = said("broken.pdf", b"%PDF-1.4\nthis is not a pdf at all");
        assert!(message.contains("the PDF does not read"), "{message}");
        let message = said("fake.pdf", b"just text");
        assert!(message.contains("named .pdf but is not a PDF"), "{message}");
    }
}
