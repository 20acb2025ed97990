//! Attached images: recognised by their first bytes ([`sniff`]), checked and made ready to keep
//! ([`prepare`]), and fitted to a source's limits when a request is built ([`fit`]).
//!
//! An image's size in pixels is read from its header and refused over [`MAX_PIXELS`] before
//! anything is decoded. Scaling keeps the aspect and uses Lanczos3.
//!
//! Must not: keep or cache anything (each request fits its images anew), or know any source.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder as _, ImageFormat, ImageReader, RgbImage};

use super::{human_size, refused, MAX_FILE_BYTES};
use crate::catalogue::ImageLimits;
use crate::error::Result;
use crate::model::{Attachment, AttachmentKind, ImagePart, NewAttachment};

/// The most pixels an attached image may have (50 megapixels), read from its header before it
/// is decoded.
pub const MAX_PIXELS: u64 = 50_000_000;

/// The longest edge an image is kept at: a larger one is scaled down when it is attached, so
/// the database does not hold full-size photos no source reads (the largest any source takes
/// is 2048 pixels; 4096 leaves room for a source that takes more).
pub const MAX_STORED_EDGE: u32 = 4096;

/// The JPEG qualities tried, in turn, until an image fits a size limit.
const JPEG_QUALITIES: [u8; 6] = [90, 82, 74, 66, 58, 50];

/// What an attached file's first bytes say it is.
pub(super) enum Sniffed {
    /// An image in a format that can be attached.
    Taken(ImageFormat),
    /// An image in another format (its usual name, `BMP`).
    Other(String),
    /// Not an image.
    NotAnImage,
}

/// What `bytes` are, by their signature.
pub(super) fn sniff(bytes: &[u8]) -> Sniffed {
    match image::guess_format(bytes) {
        Ok(
            format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif),
        ) => Sniffed::Taken(format),
        Ok(format) => Sniffed::Other(
            format
                .extensions_str()
                .first()
                .map_or_else(|| format!("{format:?}"), |ext| ext.to_uppercase()),
        ),
        Err(_) => Sniffed::NotAnImage,
    }
}

fn media_type(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::WebP => "image/webp",
        ImageFormat::Gif => "image/gif",
        _ => "image/png",
    }
}

/// Checks an image (its size in pixels, then that it decodes) and makes it ready to keep: as
/// attached (a GIF too, animation and all: it is sent as its first frame, see [`fit`]), or
/// scaled down to [`MAX_STORED_EDGE`].
pub(super) fn prepare(name: &str, bytes: &[u8], format: ImageFormat) -> Result<NewAttachment> {
    let (width, height) = dimensions(name, bytes, format)?;
    let image = decode(name, bytes, format)?;
    // The size kept is as shown (a JPEG's orientation applied).
    let (media_type, data, (width, height)) = if width.max(height) <= MAX_STORED_EDGE {
        let shown = (image.width(), image.height());
        (media_type(format), bytes.to_vec(), shown)
    } else {
        let image = shrink(image, MAX_STORED_EDGE);
        let shown = (image.width(), image.height());
        let (media_type, data) = encode(&image, format == ImageFormat::Jpeg, MAX_FILE_BYTES)
            .ok_or_else(|| {
                refused(
                    name,
                    format!(
                        "scaled to {MAX_STORED_EDGE} pixels it is still over {}",
                        human_size(MAX_FILE_BYTES)
                    ),
                )
            })?;
        (media_type, data, shown)
    };
    Ok(NewAttachment {
        kind: AttachmentKind::Image,
        name: name.to_string(),
        media_type: media_type.to_string(),
        data,
        width: Some(width),
        height: Some(height),
    })
}

/// A kept image as a request to a source with `limits` carries it (see
/// [`super::fit_image`]).
pub(super) fn fit(attachment: &Attachment, limits: ImageLimits) -> Result<ImagePart> {
    let name = &attachment.info.name;
    let bytes = &attachment.data;
    let format = match sniff(bytes) {
        Sniffed::Taken(format) => format,
        _ => {
            return Err(refused(
                name,
                "it is no longer an image that reads".to_string(),
            ))
        }
    };
    let (width, height) = match (attachment.info.width, attachment.info.height) {
        (Some(width), Some(height)) => (width, height),
        _ => dimensions(name, bytes, format)?,
    };
    let max_bytes = usize::try_from(limits.max_bytes).unwrap_or(usize::MAX);
    // A GIF is sent as its first frame, in PNG (not every source reads GIFs, none animates one).
    if format != ImageFormat::Gif
        && width.max(height) <= limits.max_edge
        && bytes.len() <= max_bytes
    {
        return Ok(ImagePart {
            media_type: media_type(format).to_string(),
            data: bytes.clone(),
            name: name.clone(),
        });
    }
    let mut image = shrink(decode(name, bytes, format)?, limits.max_edge);
    loop {
        if let Some((media_type, data)) = encode(&image, format == ImageFormat::Jpeg, max_bytes) {
            return Ok(ImagePart {
                media_type: media_type.to_string(),
                data: data.into(),
                name: name.clone(),
            });
        }
        let edge = image.width().max(image.height());
        if edge <= 64 {
            return Err(refused(
                name,
                format!(
                    "even scaled down it does not fit in {}, the most the source reads",
                    human_size(max_bytes)
                ),
            ));
        }
        image = shrink(image, edge * 3 / 4);
    }
}

/// The image's size in pixels from its header, refused over [`MAX_PIXELS`].
fn dimensions(name: &str, bytes: &[u8], format: ImageFormat) -> Result<(u32, u32)> {
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|err| refused(name, format!("the image does not read ({err})")))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(refused(
            name,
            format!(
                "it is {width}×{height} pixels ({:.1} megapixels), and the largest image that \
                 can be attached is {} megapixels",
                pixels as f64 / 1e6,
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    if width == 0 || height == 0 {
        return Err(refused(name, "the image has no pixels".to_string()));
    }
    Ok((width, height))
}

/// The decoded image (a GIF's first frame), a JPEG's orientation applied.
fn decode(name: &str, bytes: &[u8], format: ImageFormat) -> Result<DynamicImage> {
    let unreadable =
        |err: image::ImageError| refused(name, format!("the image does not read ({err})"));
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(unreadable)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// `image` with its longest edge at most `edge`, aspect kept.
fn shrink(image: DynamicImage, edge: u32) -> DynamicImage {
    if image.width().max(image.height()) <= edge {
        image
    } else {
        image.resize(edge, edge, FilterType::Lanczos3)
    }
}

/// `image` encoded in at most `max_bytes`: PNG first (unless `photo`, an image that was a
/// JPEG), then JPEG at decreasing quality; `None` when none fits.
fn encode(image: &DynamicImage, photo: bool, max_bytes: usize) -> Option<(&'static str, Vec<u8>)> {
    if !photo {
        let mut png = Vec::new();
        if image
            .write_to(Cursor::new(&mut png), ImageFormat::Png)
            .is_ok()
            && png.len() <= max_bytes
        {
            return Some(("image/png", png));
        }
    }
    let opaque = over_white(image);
    JPEG_QUALITIES.iter().find_map(|&quality| {
        let mut jpeg = Vec::new();
        let encoder = JpegEncoder::new_with_quality(&mut jpeg, quality);
        (opaque.write_with_encoder(encoder).is_ok() && jpeg.len() <= max_bytes)
            .then_some(("image/jpeg", jpeg))
    })
}

/// `image` without transparency (JPEG has none): laid over white.
fn over_white(image: &DynamicImage) -> DynamicImage {
    if !image.has_alpha() {
        return DynamicImage::ImageRgb8(image.to_rgb8());
    }
    let rgba = image.to_rgba8();
    let rgb = RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([over(r), over(g), over(b)])
    });
    DynamicImage::ImageRgb8(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttachmentId, AttachmentInfo};
    use image::codecs::gif::GifEncoder;
    use image::{Frame, Rgba, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbaImage::from_fn(width, height, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
        });
        let mut bytes = Vec::new();
        DynamicImage::ImageRgba8(image)
            .write_to(Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    /// Pixels no encoder can squeeze: a PNG of noise.
    fn noise_png(width: u32, height: u32) -> Vec<u8> {
        let mut state = 0x2545_f491_u32;
        let image = RgbImage::from_fn(width, height, |_, _| {
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state & 0xff) as u8
            };
            image::Rgb([next(), next(), next()])
        });
        let mut bytes = Vec::new();
        DynamicImage::ImageRgb8(image)
            .write_to(Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    fn kept(bytes: &[u8], name: &str) -> Attachment {
        let new = super::super::prepare(name, bytes).unwrap();
        Attachment {
            info: AttachmentInfo {
                id: AttachmentId("a".into()),
                kind: new.kind,
                name: new.name,
                media_type: new.media_type,
                size: new.data.len() as u32,
                width: new.width,
                height: new.height,
            },
            data: new.data.into(),
        }
    }

    fn decoded(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory(bytes).unwrap()
    }

    const LIMITS: ImageLimits = ImageLimits {
        max_edge: 2048,
        max_bytes: 5 * 1024 * 1024,
    };

    #[test]
    fn a_png_within_every_limit_is_kept_and_sent_byte_for_byte() {
        let bytes = png(64, 48);
        let new = super::super::prepare("shot.png", &bytes).unwrap();
        assert_eq!(new.kind, AttachmentKind::Image);
        assert_eq!(new.media_type, "image/png");
        assert_eq!((new.width, new.height), (Some(64), Some(48)));
        assert_eq!(new.data, bytes);
        let sent = fit(&kept(&bytes, "shot.png"), LIMITS).unwrap();
        assert_eq!(sent.media_type, "image/png");
        assert_eq!(sent.data.as_ref(), bytes.as_slice());
        assert_eq!(sent.name, "shot.png");
    }

    #[test]
    fn jpeg_and_webp_are_kept_as_they_are() {
        let image = decoded(&png(40, 30));
        let mut jpeg = Vec::new();
        image
            .to_rgb8()
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        let mut webp = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut webp), ImageFormat::WebP)
            .unwrap();
        for (bytes, media_type) in [(jpeg, "image/jpeg"), (webp, "image/webp")] {
            let new = super::super::prepare("photo", &bytes).unwrap();
            assert_eq!(new.media_type, media_type);
            assert_eq!(new.data, bytes);
            assert_eq!((new.width, new.height), (Some(40), Some(30)));
        }
    }

    #[test]
    fn an_animated_gif_is_kept_as_attached_and_sent_as_its_first_frame_in_png() {
        let mut gif = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut gif);
            let red = RgbaImage::from_pixel(8, 6, Rgba([255, 0, 0, 255]));
            let blue = RgbaImage::from_pixel(8, 6, Rgba([0, 0, 255, 255]));
            encoder
                .encode_frames([Frame::new(red), Frame::new(blue)])
                .unwrap();
        }
        let new = super::super::prepare("wave.gif", &gif).unwrap();
        assert_eq!(new.media_type, "image/gif");
        assert_eq!(new.data, gif, "kept byte for byte");
        assert_eq!((new.width, new.height), (Some(8), Some(6)));
        let sent = fit(&kept(&gif, "wave.gif"), crate::catalogue::VISION).unwrap();
        assert_eq!(sent.media_type, "image/png");
        assert!(sent.data.starts_with(b"\x89PNG"));
        let frame = decoded(&sent.data).to_rgba8();
        assert_eq!(frame.get_pixel(3, 3).0, [255, 0, 0, 255]);
    }

    #[test]
    fn an_image_over_the_pixel_limit_is_refused_from_its_header_before_decoding() {
        // A PNG header claiming 10000×8000 pixels, with no pixel data at all: were it decoded,
        // the refusal would be that it does not read.
        let mut header = png(1, 1);
        header.truncate(33);
        header[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        header[20..24].copy_from_slice(&8_000u32.to_be_bytes());
        let crc = crc32(&header[12..29]);
        header[29..33].copy_from_slice(&crc.to_be_bytes());
        // The header is read up to the first pixel data: a chunk of four bytes of nothing.
        header.extend_from_slice(&4u32.to_be_bytes());
        let start = header.len();
        header.extend_from_slice(b"IDAT\x01\x02\x03\x04");
        let crc = crc32(&header[start..]);
        header.extend_from_slice(&crc.to_be_bytes());
        let err = super::super::prepare("huge.png", &header).unwrap_err();
        assert_eq!(
            err.message,
            "\"huge.png\" cannot be attached: it is 10000×8000 pixels (80.0 megapixels), and \
             the largest image that can be attached is 50 megapixels."
        );
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffff_u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn an_image_that_does_not_decode_is_refused() {
        let mut broken = png(32, 32);
        let len = broken.len();
        broken.truncate(len / 2);
        let err = super::super::prepare("broken.png", &broken).unwrap_err();
        assert!(
            err.message
                .starts_with("\"broken.png\" cannot be attached: the image does not read"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_larger_image_is_kept_scaled_to_the_stored_edge() {
        let new = super::super::prepare("wide.png", &png(5000, 100)).unwrap();
        assert_eq!(new.media_type, "image/png");
        assert_eq!((new.width, new.height), (Some(4096), Some(82)));
        let stored = decoded(&new.data);
        assert_eq!((stored.width(), stored.height()), (4096, 82));
    }

    #[test]
    fn an_image_over_the_edge_is_scaled_down_aspect_kept() {
        let limits = ImageLimits {
            max_edge: 256,
            ..LIMITS
        };
        let sent = fit(&kept(&png(600, 300), "big.png"), limits).unwrap();
        assert_eq!(sent.media_type, "image/png");
        let image = decoded(&sent.data);
        assert_eq!((image.width(), image.height()), (256, 128));
    }

    #[test]
    fn an_image_over_the_byte_limit_is_re_encoded_as_jpeg_within_it() {
        let bytes = noise_png(300, 300);
        let limits = ImageLimits {
            max_edge: 2048,
            max_bytes: 100 * 1024,
        };
        assert!(bytes.len() > 100 * 1024);
        let sent = fit(&kept(&bytes, "noise.png"), limits).unwrap();
        assert_eq!(sent.media_type, "image/jpeg");
        assert!(sent.data.len() <= 100 * 1024, "{} bytes", sent.data.len());
        assert!(sent.data.starts_with(&[0xff, 0xd8, 0xff]));
        let image = decoded(&sent.data);
        assert_eq!(image.width(), image.height());
        assert!(image.width() <= 300);
    }

    #[test]
    fn an_image_that_cannot_fit_a_tiny_limit_is_refused_naming_it() {
        let limits = ImageLimits {
            max_edge: 2048,
            max_bytes: 10,
        };
        let err = fit(&kept(&noise_png(100, 100), "noise.png"), limits).unwrap_err();
        assert!(err.message.contains("\"noise.png\""), "{}", err.message);
        assert!(err.message.contains("10 bytes"), "{}", err.message);
    }

    #[test]
    fn transparency_is_laid_over_white_for_jpeg() {
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(2, 2, Rgba([0, 0, 0, 0])));
        assert_eq!(
            over_white(&clear).to_rgb8().get_pixel(0, 0).0,
            [255, 255, 255]
        );
    }
}
