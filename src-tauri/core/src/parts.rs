//! The pieces a message's content is made of ([`Part`]): text and images, as requests carry
//! them to a family's wire builder.
//!
//! No IO and no knowledge of any source: how a part travels is each family's business.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One piece of a message's content.
///
/// Each family's wire builder says how it sends (or refuses) each kind. A file attached to a
/// message reaches the model as text (see [`crate::attach::file_as_text`]), so it is a text
/// part here; tool calls and tool results join as further variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Part {
    /// Plain text.
    Text(String),
    /// An image, as the source is to be sent it (already fitted to its limits).
    Image(ImagePart),
}

/// An image in a message: its encoded bytes and their media type.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImagePart {
    /// `image/png`, `image/jpeg`, `image/webp` or `image/gif`.
    pub media_type: String,
    /// The encoded image (base64 when serialised).
    #[serde(with = "base64_bytes")]
    pub data: bytes::Bytes,
    /// The file name it was attached as, for people (and for sources that want one).
    pub name: String,
}

impl ImagePart {
    /// The image as standard base64, as most wire formats carry it.
    pub fn base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&self.data)
    }

    /// The image as a `data:` URL (OpenAI's `image_url`).
    pub fn data_url(&self) -> String {
        format!("data:{};base64,{}", self.media_type, self.base64())
    }
}

impl fmt::Debug for ImagePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImagePart")
            .field("media_type", &self.media_type)
            .field("bytes", &self.data.len())
            .field("name", &self.name)
            .finish()
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(data: &bytes::Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bytes::Bytes, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(bytes::Bytes::from)
            .map_err(serde::de::Error::custom)
    }
}
