//! `profile import-sillytavern`: SillyTavern's connection settings into profiles. Keys are read
//! only when asked (`--with-keys`) and go straight into the keychain; a reverse proxy gets what
//! SillyTavern gives it (its password from settings.json, or no key), never the vendor's key.
//! This module must not write a key anywhere but the keychain.

use secrecy::{ExposeSecret, SecretString};
use switchboard_core::engine::key_problem;
use switchboard_core::error::quoted;
use switchboard_core::store::Profile;
use switchboard_core::transfer::settings::{self as st, DraftKey};
use switchboard_core::Engine;

use crate::profile::warn_plain_http;
use crate::{read_text, refused, CliResult, Failure};

/// `profile import-sillytavern`: a profile per configured SillyTavern source; keys only with
/// `--with-keys`, and then straight into the keychain. A reverse proxy gets what SillyTavern
/// gives it: the proxy password from settings.json, or no key; never the vendor's key.
pub(crate) async fn import_sillytavern(
    engine: &Engine,
    settings: &std::path::Path,
    secrets: Option<&std::path::Path>,
    with_keys: bool,
) -> CliResult {
    let settings_text = read_text(settings)?;
    let drafts = st::profiles_from_sillytavern_settings(&settings_text).map_err(refused)?;
    let secrets = secrets
        .map(|path| read_text(path).map(|text| (path, text)))
        .transpose()?;
    if drafts.is_empty() {
        errln!(
            "{} names no connection Switchboard can use.",
            settings.display()
        );
        return Ok(());
    }
    // The key SillyTavern would send for a draft, and where it is kept (for messages).
    let key_of = |draft: &st::ProfileDraftLite| -> Option<(SecretString, String)> {
        match &draft.key {
            DraftKey::Secrets { name } => {
                let (path, text) = secrets.as_ref()?;
                let key = st::sillytavern_secret(text, name)?;
                Some((key, format!("\"{}\" in {}", quoted(name), path.display())))
            }
            DraftKey::ProxyPassword => st::sillytavern_proxy_password(&settings_text).map(|key| {
                (
                    key,
                    format!("the reverse proxy's password in {}", settings.display()),
                )
            }),
            DraftKey::NoKey => None,
        }
    };
    // Keys the keychain would refuse stop the import before any profile is saved.
    if with_keys {
        for draft in &drafts {
            if let Some((key, place)) = key_of(draft) {
                if let Some(problem) = key_problem(key.expose_secret()) {
                    let why = problem.describe();
                    return Err(Failure::Usage(format!(
                        "the key {place} {why}; nothing was imported."
                    )));
                }
            }
        }
    }
    let mut waiting_keys = Vec::new();
    for draft in &drafts {
        let url = draft
            .url
            .clone()
            .unwrap_or_else(|| draft.source.info().default_url.to_string());
        let mut profile = Profile::new(draft.name.clone(), draft.source, url);
        profile.model = draft.model.clone();
        if let Some(mode) = draft.post_processing {
            profile.post_processing = mode;
        }
        let saved = match engine.add_profile(profile).await {
            Ok((saved, _)) => saved,
            Err(err) => {
                outln!("Skipped \"{}\": {}", draft.name, err.message);
                continue;
            }
        };
        outln!(
            "Saved profile \"{}\" ({}) at {}.",
            saved.name,
            saved.source.label(),
            saved.url
        );
        let vendor = saved.source.label();
        match &draft.key {
            DraftKey::Secrets { .. } => {}
            DraftKey::ProxyPassword => outln!(
                "  it connects through a reverse proxy: as in SillyTavern, its key is the proxy password from settings.json, never the {vendor} key in secrets.json."
            ),
            DraftKey::NoKey => outln!(
                "  it connects through a reverse proxy without a password: saved without a key (as in SillyTavern, the {vendor} key in secrets.json is never sent to a proxy). Save the key the proxy wants with \"key set {}\".",
                saved.name
            ),
        }
        let Some((key, _)) = key_of(draft) else {
            continue;
        };
        if with_keys {
            engine.set_key(saved.id.as_str(), key).await?;
            match draft.key {
                DraftKey::ProxyPassword => {
                    outln!("  the proxy password is now in the system keychain.");
                }
                _ => outln!("  its key from secrets.json is now in the system keychain."),
            }
            warn_plain_http(&saved, true);
        } else {
            waiting_keys.push(match &draft.key {
                DraftKey::Secrets { name } => format!("{} ({name})", saved.name),
                _ => format!("{} (the proxy password in settings.json)", saved.name),
            });
        }
    }
    if !waiting_keys.is_empty() {
        outln!(
            "Keys were found for: {}. They were not read; run again with --with-keys (it needs --secrets) to move them into the keychain, or save them with \"key set NAME\".",
            waiting_keys.join(", ")
        );
    }
    Ok(())
}
