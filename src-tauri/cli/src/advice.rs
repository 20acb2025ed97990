//! The terminal's own words for fixing an error: the core states what is missing or wrong
//! (its kind and [`ErrorReason`]), and this module adds the command that fixes it.
//!
//! Must not change what the core said, only add to it; must not name anything but CLI commands
//! and options.

use switchboard_core::{Error, ErrorKind, ErrorReason};

/// The core's message followed by the command that fixes it, where there is one.
pub fn advised(err: &Error) -> String {
    match advice(err) {
        Some(advice) => format!("{} {advice}", err.message),
        None => err.message.clone(),
    }
}

/// What to run (or check) for this error, if anything.
fn advice(err: &Error) -> Option<String> {
    if let Some(reason) = &err.reason {
        return match reason {
            ErrorReason::MissingKey { profile } => {
                Some(format!("Save it with \"key set {profile}\"."))
            }
            ErrorReason::MissingAdHocKey => {
                Some("Pass it in an environment variable with --key-env.".into())
            }
            ErrorReason::NoProfile { .. } => {
                Some("Create it with \"profile add\" or list them with \"profile list\".".into())
            }
            ErrorReason::NoModel => {
                Some("List the models with \"models\" and pass one with --model.".into())
            }
            ErrorReason::NoChat => Some("(\"chats list\" shows them.)".into()),
            ErrorReason::NoSnapshot => Some("(\"snapshots list\" shows them.)".into()),
            ErrorReason::UrlCredentialsWithKey { profile } => Some(format!(
                "Remove them from the URL, or clear the key (\"key clear {profile}\")."
            )),
            ErrorReason::Unreachable => Some("Is the server running, and is the URL right?".into()),
            _ => None,
        };
    }
    match err.kind {
        ErrorKind::Auth => {
            Some("Check the key saved for this profile (\"key set NAME\" replaces it).".into())
        }
        ErrorKind::ProviderUnavailable => Some("Try again later.".into()),
        ErrorKind::ModelNotFound => Some("\"models\" lists the ones the server offers.".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_names_the_command_that_saves_it() {
        let err = Error::not_configured("Profile \"cloud\" has no API key, and OpenAI needs one.")
            .with_reason(ErrorReason::MissingKey {
                profile: "cloud".into(),
            });
        assert_eq!(
            advised(&err),
            "Profile \"cloud\" has no API key, and OpenAI needs one. Save it with \"key set cloud\"."
        );
        let plain = Error::storage("The disk is full.");
        assert_eq!(advised(&plain), "The disk is full.");
    }
}
