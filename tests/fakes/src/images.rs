//! Images a generation request carries, as every family sends them, checked and described.
//!
//! Each family's shape is read from the last user message of a generation request:
//!
//! | Family (route) | Where an image is |
//! | --- | --- |
//! | OpenAI-compatible, llama.cpp (`…/chat/completions`), Cohere (`…/chat`) | `content: [{"type":"image_url","image_url":{"url":"data:<type>;base64,<data>"}}]` |
//! | OpenAI Responses (`…/responses`) | `content: [{"type":"input_image","image_url":"data:<type>;base64,<data>"}]` in `input` |
//! | Anthropic (`…/messages`) | `content: [{"type":"image","source":{"type":"base64","media_type","data"}}]` |
//! | Gemini (`…:generateContent`, `…:streamGenerateContent`) | `parts: [{"inlineData":{"mimeType","data"}}]` in `contents` |
//! | Ollama (`/api/chat`) | `images: ["<data>"]` (no media type stated) |
//!
//! Each image's base64 is decoded and read with the `image` crate: it must be a PNG, JPEG,
//! WebP or GIF whose format is the media type stated, else the family's 400 (in its error
//! shape) says what is wrong. A request whose images all read is answered as in the scenario,
//! its reply text being, per image, `Received image/png, 1234 bytes, 64x48 pixels.` (sentences
//! joined by one space; bytes: the decoded length). With [`FakeOptions::refuses_images`] the
//! server refuses any image as real servers refuse one sent to a model that reads none, in
//! their words (the table in [`refusal`]).
//!
//! A request that does not carry the fake's key ([`FakeOptions::api_key`]) is left to the
//! family (its 401).

use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::Value;

use crate::reply::Reply;
use crate::server::RecordedRequest;
use crate::{FakeOptions, Family};

/// What a generation request's last user message carries.
pub(crate) enum Check {
    /// No image (or not a generation request).
    NoImages,
    /// Every image read: the reply text describing them.
    Described(String),
    /// The answer instead of a reply: an image that does not read, or [`FakeOptions::refuses_images`].
    Refused(Reply),
}

/// One image as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedImage {
    /// The media type stated (or, where the family states none, read from the bytes).
    pub media_type: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ReceivedImage {
    /// `Received image/png, 1234 bytes, 64x48 pixels.`
    pub fn sentence(&self) -> String {
        format!(
            "Received {}, {} bytes, {}x{} pixels.",
            self.media_type,
            self.bytes.len(),
            self.width,
            self.height
        )
    }
}

/// The reply text for `images`: each one's [`ReceivedImage::sentence`], joined by one space.
pub fn describe_images(images: &[ReceivedImage]) -> String {
    images
        .iter()
        .map(ReceivedImage::sentence)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One image as the request states it: its media type (if stated) and its base64.
struct Stated {
    media_type: Option<String>,
    data: String,
}

/// Decodes and reads one stated image; `Err` says what is wrong with it.
fn read(stated: &Stated) -> Result<ReceivedImage, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(stated.data.as_bytes())
        .map_err(|err| format!("the image data is not valid base64 ({err})"))?;
    let format = image::guess_format(&bytes)
        .map_err(|_| "the image data is not a PNG, JPEG, WebP or GIF image".to_string())?;
    let actual = match format {
        image::ImageFormat::Png => "image/png",
        image::ImageFormat::Jpeg => "image/jpeg",
        image::ImageFormat::WebP => "image/webp",
        image::ImageFormat::Gif => "image/gif",
        other => return Err(format!("the image format {other:?} is not supported")),
    };
    let media_type = stated.media_type.clone().unwrap_or_else(|| actual.into());
    if media_type != actual {
        return Err(format!(
            "Image does not match the provided media type {media_type}"
        ));
    }
    let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(&bytes), format)
        .into_dimensions()
        .map_err(|err| format!("the image could not be read ({err})"))?;
    Ok(ReceivedImage {
        media_type,
        bytes,
        width,
        height,
    })
}

/// The images of the last user message of a generation request, as the family sends them;
/// `None` when the request is no generation of a family that reads images.
fn stated_images(family: Family, req: &RecordedRequest) -> Option<Vec<Stated>> {
    let path = req.path.trim_end_matches('/');
    let generation = match family {
        Family::OpenAi => path.ends_with("/chat/completions") || path.ends_with("/responses"),
        Family::LlamaCpp => path.ends_with("/chat/completions"),
        Family::Cohere => path.ends_with("/v2/chat"),
        Family::Anthropic => path.ends_with("/messages"),
        Family::Gemini => path.contains("enerateContent"),
        Family::Ollama => path.ends_with("/api/chat"),
        Family::Kobold | Family::Horde | Family::NovelAi => false,
    };
    if req.method != "POST" || !generation {
        return None;
    }
    let body = req.json()?;
    let last_user = |list: &str| -> Option<Value> {
        body.get(list)?
            .as_array()?
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .cloned()
    };
    let items = |message: &Value, key: &str| -> Vec<Value> {
        message
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let images = match family {
        Family::OpenAi | Family::LlamaCpp | Family::Cohere
            if path.ends_with("/chat/completions") || path.ends_with("/v2/chat") =>
        {
            let message = last_user("messages")?;
            items(&message, "content")
                .iter()
                .filter(|part| part.get("type").and_then(Value::as_str) == Some("image_url"))
                .map(|part| {
                    let url = part.pointer("/image_url/url").or(part.get("image_url"));
                    data_url(url.and_then(Value::as_str).unwrap_or(""))
                })
                .collect()
        }
        Family::OpenAi if path.ends_with("/responses") => {
            let message = last_user("input")?;
            items(&message, "content")
                .iter()
                .filter(|part| part.get("type").and_then(Value::as_str) == Some("input_image"))
                .map(|part| data_url(part.get("image_url").and_then(Value::as_str).unwrap_or("")))
                .collect()
        }
        Family::Anthropic if path.ends_with("/messages") => {
            let message = last_user("messages")?;
            items(&message, "content")
                .iter()
                .filter(|part| part.get("type").and_then(Value::as_str) == Some("image"))
                .map(|part| Stated {
                    media_type: Some(text_at(part, "/source/media_type")),
                    data: text_at(part, "/source/data"),
                })
                .collect()
        }
        Family::Gemini if path.contains("enerateContent") => {
            let message = last_user("contents")?;
            items(&message, "parts")
                .iter()
                .filter_map(|part| part.get("inlineData"))
                .map(|inline| Stated {
                    media_type: Some(text_at(inline, "/mimeType")),
                    data: text_at(inline, "/data"),
                })
                .collect()
        }
        Family::Ollama if path.ends_with("/api/chat") => {
            let message = last_user("messages")?;
            items(&message, "images")
                .iter()
                .map(|image| Stated {
                    media_type: None,
                    data: image.as_str().unwrap_or("").to_string(),
                })
                .collect()
        }
        _ => return None,
    };
    Some(images)
}

fn text_at(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// `data:<type>;base64,<data>` as a stated image (a URL of another kind states no data).
fn data_url(url: &str) -> Stated {
    match url
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
    {
        Some((media_type, data)) => Stated {
            media_type: Some(media_type.to_string()),
            data: data.to_string(),
        },
        None => Stated {
            media_type: Some(String::new()),
            data: String::new(),
        },
    }
}

/// Whether the request carries the fake's key in some header (any family's way), or the fake
/// wants none.
fn carries_key(opts: &FakeOptions, req: &RecordedRequest) -> bool {
    match &opts.api_key {
        None => true,
        Some(key) => req
            .headers
            .iter()
            .any(|(_, value)| value.contains(key.as_str())),
    }
}

/// What the images of `req` mean for its answer.
pub(crate) fn check(opts: &FakeOptions, req: &RecordedRequest) -> Check {
    if !carries_key(opts, req) {
        return Check::NoImages;
    }
    let Some(stated) = stated_images(opts.family, req) else {
        return Check::NoImages;
    };
    if stated.is_empty() {
        return Check::NoImages;
    }
    if opts.refuses_images {
        let model = req
            .json()
            .and_then(|body| {
                body.get("model")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .or_else(|| gemini_model(&req.path))
            .unwrap_or_default();
        return Check::Refused(refusal(opts.family, &model));
    }
    let mut received = Vec::with_capacity(stated.len());
    for image in &stated {
        match read(image) {
            Ok(image) => received.push(image),
            Err(why) => return Check::Refused(invalid(opts.family, &why)),
        }
    }
    Check::Described(describe_images(&received))
}

/// The model of a Gemini path (`…/models/{m}:generateContent`).
fn gemini_model(path: &str) -> Option<String> {
    let (_, rest) = path.rsplit_once("/models/")?;
    Some(rest.split(':').next()?.to_string())
}

/// OpenAI's wording when an image reaches a model that reads none.
pub const OPENAI_IMAGES_REFUSED: &str =
    "Invalid content type. image_url is only supported by certain models.";

/// llama.cpp's wording when its server was started without a multimodal projector.
pub const LLAMACPP_IMAGES_REFUSED: &str =
    "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj";

/// Ollama's wording when the model has no vision part.
pub const OLLAMA_IMAGES_REFUSED: &str = "this model is missing data required for image input";

/// A server's refusal of an image sent to a model that reads none, in each family's words
/// and error shape:
///
/// | Family | Answer |
/// | --- | --- |
/// | OpenAI-compatible (and Responses) | 400 `invalid_request_error` [`OPENAI_IMAGES_REFUSED`] |
/// | llama.cpp (no `--mmproj`) | 400 `invalid_request_error` [`LLAMACPP_IMAGES_REFUSED`] |
/// | Anthropic | 400 `invalid_request_error` `'<model>' does not support image input.` |
/// | Gemini | 400 `INVALID_ARGUMENT` `Image input modality is not enabled for models/<model>` |
/// | Ollama | 500 `{"error":` [`OLLAMA_IMAGES_REFUSED`] `}` |
/// | Cohere | 400 `invalid request: model '<model>' does not support image inputs` (unconfirmed: no Cohere body is on record) |
fn refusal(family: Family, model: &str) -> Reply {
    match family {
        Family::Anthropic => crate::anthropic::error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("'{model}' does not support image input."),
        ),
        Family::Gemini => crate::gemini::error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            &format!("Image input modality is not enabled for models/{model}"),
            Vec::new(),
        ),
        Family::Ollama => {
            crate::ollama::error(StatusCode::INTERNAL_SERVER_ERROR, OLLAMA_IMAGES_REFUSED)
        }
        Family::Cohere => crate::cohere::error(
            StatusCode::BAD_REQUEST,
            &format!("invalid request: model '{model}' does not support image inputs"),
        ),
        Family::LlamaCpp => crate::llamacpp::error(
            StatusCode::BAD_REQUEST,
            LLAMACPP_IMAGES_REFUSED,
            "invalid_request_error",
        ),
        _ => crate::openai::openai_error(
            StatusCode::BAD_REQUEST,
            OPENAI_IMAGES_REFUSED,
            "invalid_request_error",
            crate::json::J::Null,
        ),
    }
}

/// The family's 400 for an image that does not read (`why`).
fn invalid(family: Family, why: &str) -> Reply {
    match family {
        Family::Anthropic => crate::anthropic::error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("messages.0.content.0.image.source.base64.data: {why}"),
        ),
        Family::Gemini => crate::gemini::error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            &format!("Unable to process input image: {why}"),
            Vec::new(),
        ),
        Family::Ollama => crate::ollama::error(StatusCode::BAD_REQUEST, why),
        Family::Cohere => {
            crate::cohere::error(StatusCode::BAD_REQUEST, &format!("invalid request: {why}"))
        }
        Family::LlamaCpp => crate::llamacpp::error(
            StatusCode::BAD_REQUEST,
            &format!("Failed to load image or audio file: {why}"),
            "invalid_request_error",
        ),
        _ => crate::openai::openai_error(
            StatusCode::BAD_REQUEST,
            &format!("Invalid image: {why}"),
            "invalid_request_error",
            crate::json::s("invalid_image_format"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let image = image::RgbImage::from_fn(4, 3, |x, y| image::Rgb([x as u8, y as u8, 0]));
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
    fn an_image_reads_only_as_its_stated_type() {
        let bytes = png();
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let read_as = |media_type: Option<&str>| {
            read(&Stated {
                media_type: media_type.map(str::to_string),
                data: data.clone(),
            })
        };
        let image = read_as(Some("image/png")).unwrap();
        assert_eq!(
            image.sentence(),
            format!("Received image/png, {} bytes, 4x3 pixels.", bytes.len())
        );
        assert_eq!(read_as(None).unwrap(), image);
        assert_eq!(
            read_as(Some("image/jpeg")).unwrap_err(),
            "Image does not match the provided media type image/jpeg"
        );
        assert!(read(&Stated {
            media_type: Some("image/png".into()),
            data: "bm90IGFuIGltYWdl".into(),
        })
        .is_err());
        assert_eq!(
            describe_images(&[image.clone(), image.clone()]),
            format!("{} {}", image.sentence(), image.sentence())
        );
    }
}
