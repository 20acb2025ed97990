//! `chat --attach FILE` and the conversation's `/attach FILE`: each file checked and kept by
//! the core ([`Engine::attach_file`]) as a draft sent with the next message, and named on
//! standard error ("Attached: shot.png (image/png, 64×48, 12 KB)").
//!
//! Must not: read, check or convert a file itself (the core does), or leave drafts behind
//! when the message they were for is not sent (a refusal, a failure, a dry run).

use std::path::PathBuf;

use switchboard_core::attach::human_size;
use switchboard_core::model::{AttachmentId, AttachmentInfo};
use switchboard_core::Engine;

use crate::{refused, CliResult};

/// Attaches every file in `paths`, in order, naming each on standard error; the first refused
/// stops it (its reason, a usage mistake) and drops those already attached.
pub async fn files(engine: &Engine, paths: &[PathBuf]) -> CliResult<Vec<AttachmentInfo>> {
    let mut attached = Vec::new();
    for path in paths {
        match engine.attach_file(path).await {
            Ok(info) => attached.push(info),
            Err(err) => {
                discard(engine, &attached).await;
                return Err(refused(err));
            }
        }
    }
    for info in &attached {
        errln!("Attached: {}", describe(info));
    }
    Ok(attached)
}

/// What was attached, for people: `shot.png (image/png, 64×48, 12 KB)`.
pub fn describe(info: &AttachmentInfo) -> String {
    let size = human_size(info.size as usize);
    match (info.width, info.height) {
        (Some(width), Some(height)) => {
            format!(
                "{} ({}, {width}×{height}, {size})",
                info.name, info.media_type
            )
        }
        _ => format!("{} ({}, {size})", info.name, info.media_type),
    }
}

/// The ids a request carries.
pub fn ids(attached: &[AttachmentInfo]) -> Vec<AttachmentId> {
    attached.iter().map(|info| info.id.clone()).collect()
}

/// Drops drafts that will not be sent; a failure to drop one only leaves it for the store's
/// clean-up of stale drafts.
pub async fn discard(engine: &Engine, attached: &[AttachmentInfo]) {
    for info in attached {
        let _ = engine.discard_attachment(info.id.clone()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::model::AttachmentKind;

    #[test]
    fn an_attachment_is_described_by_name_type_pixels_and_size() {
        let mut info = AttachmentInfo {
            id: AttachmentId("a".into()),
            kind: AttachmentKind::Image,
            name: "shot.png".into(),
            media_type: "image/png".into(),
            size: 12 * 1024,
            width: Some(64),
            height: Some(48),
        };
        assert_eq!(describe(&info), "shot.png (image/png, 64×48, 12 KB)");
        info.kind = AttachmentKind::File;
        info.name = "notes.md".into();
        info.media_type = "text/markdown".into();
        info.size = 300;
        (info.width, info.height) = (None, None);
        assert_eq!(describe(&info), "notes.md (text/markdown, 300 bytes)");
    }
}
