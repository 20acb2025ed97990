//! What a preview ("show the request", the CLI's dry run) shows of a body's images: each image
//! a request carries, as a `data:image/…;base64,…` URL or as a bare base64 string, replaced by a
//! short note of its media type, size in pixels and encoded size (`[image/png, 64×48, 1 KB]`).
//!
//! It scans the JSON for such strings, whatever field holds them, so it knows no family and
//! no wire shape. Must not change anything else in the body, nor touch what is sent.

use base64::Engine as _;
use serde_json::Value;

/// The shortest bare base64 string looked at as a possible image (shorter strings are ids,
/// signatures and the like; no real image is this small).
const MIN_BARE_BASE64: usize = 64;

/// `body` with every image replaced by its note.
pub fn hide_images(body: &mut Value) {
    match body {
        Value::String(text) => {
            if let Some(note) = image_note(text) {
                *text = note;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_images),
        Value::Object(fields) => fields.values_mut().for_each(hide_images),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The note for `text` when it is an image: a `data:image/…;base64,` URL (whatever its
/// bytes), or a long base64 string whose bytes are an image.
fn image_note(text: &str) -> Option<String> {
    if let Some(rest) = text.strip_prefix("data:image/") {
        let (media, data) = rest.split_once(";base64,")?;
        let bytes = decode(data);
        return Some(note(
            &format!("image/{media}"),
            bytes.as_deref(),
            data.len(),
        ));
    }
    if text.len() < MIN_BARE_BASE64 || !text.bytes().all(is_base64_byte) {
        return None;
    }
    let bytes = decode(text)?;
    let format = image::guess_format(&bytes).ok()?;
    Some(note(format.to_mime_type(), Some(&bytes), text.len()))
}

fn is_base64_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'=')
}

fn decode(data: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(data).ok()
}

/// `[image/png, 64×48, 1 KB]`; the size in pixels left out when the bytes do not read, the
/// size being then the base64 text's.
fn note(media_type: &str, bytes: Option<&[u8]>, encoded_len: usize) -> String {
    let Some(bytes) = bytes else {
        return format!(
            "[{media_type}, {} of base64]",
            crate::attach::human_size(encoded_len)
        );
    };
    let size = crate::attach::human_size(bytes.len());
    let dimensions = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|reader| reader.into_dimensions().ok());
    match dimensions {
        Some((width, height)) => format!("[{media_type}, {width}×{height}, {size}]"),
        None => format!("[{media_type}, {size}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
        });
        let mut bytes = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .unwrap();
        bytes
    }

    #[test]
    fn images_in_any_field_become_notes_and_nothing_else_changes() {
        let bytes = png(64, 48);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let size = crate::attach::human_size(bytes.len());
        let mut body = json!({
            "messages": [{"content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{b64}")}},
            ]}],
            "images": [b64.clone()],
            "inlineData": {"mimeType": "image/png", "data": b64},
            "signature": "RmFrZSB0aGlua2luZyBzaWduYXR1cmUgZm9yIHRlc3RzLg==",
            "long_text": "a".repeat(200),
            "n": 3,
        });
        hide_images(&mut body);
        let note = format!("[image/png, 64×48, {size}]");
        assert_eq!(
            body,
            json!({
                "messages": [{"content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": note}},
                ]}],
                "images": [note],
                "inlineData": {"mimeType": "image/png", "data": note},
                "signature": "RmFrZSB0aGlua2luZyBzaWduYXR1cmUgZm9yIHRlc3RzLg==",
                "long_text": "a".repeat(200),
                "n": 3,
            })
        );
    }

    #[test]
    fn a_data_url_that_does_not_decode_is_still_hidden() {
        let mut body = json!({"url": "data:image/jpeg;base64,@@@not base64@@@"});
        hide_images(&mut body);
        assert_eq!(body, json!({"url": "[image/jpeg, 16 bytes of base64]"}));
    }
}
