//! A profile's secrets besides its API key — the values of its extra headers, the
//! credentials of its URL and of its proxy — and removing every secret with what owns it.
//!
//! Header names stay in the store; values and `user:password` live in the keychain as one
//! [`ProfileExtras`] entry, flagged in the store (`extras_saved`) so that profiles without any
//! never wait on the keychain. URL credentials are sent as `Authorization: Basic`, which is
//! refused where the source already sends its key in `Authorization`.
//!
//! Nothing here returns or logs a secret value.

use std::path::PathBuf;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::limits::check_header;
use super::Engine;
use crate::catalogue::ProviderKind;
use crate::endpoint::split_credentials;
use crate::error::{Error, ErrorKind, Result};
use crate::model::ProfileId;
use crate::options::ProxyChoice;
use crate::secrets::{ProfileExtras, SecretStore, Secrets};
use crate::store::legacy_secrets::MovedSecrets;
use crate::store::{Profile, DB_FILE};

/// The most extra headers a profile sends.
pub const MAX_HEADERS: usize = 32;

/// What "delete all my data" removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ResetReport {
    /// The data folder.
    pub data_dir: String,
    /// Files removed from it (database, its journal files, backups, session locks).
    pub files: Vec<String>,
    /// Keychain entries removed (their account names; never their values).
    pub keychain_entries: Vec<String>,
}

/// Saves the secrets an older database held, for [`Store::open_with`]: straight to the
/// keychain (the engine is not running yet).
pub(super) fn keychain_mover(store: &dyn SecretStore, moved: &[MovedSecrets]) -> Result<()> {
    for profile in moved {
        store.set(
            &Secrets::extras_account(&profile.profile_id),
            &profile.extras.to_json(),
        )?;
    }
    Ok(())
}

/// Refuses URL credentials on a source that sends its key in `Authorization` when the profile
/// has a key.
fn check_basic_auth(profile: &Profile, has_key: bool) -> Result<()> {
    check_basic_auth_for(
        profile.source,
        &format!("Profile \"{}\"", profile.name),
        has_key,
    )
    .map_err(|err| {
        Error::new(err.kind, err.message).with_reason(
            crate::error::ErrorReason::UrlCredentialsWithKey {
                profile: profile.name.clone(),
            },
        )
    })
}

fn check_basic_auth_for(source: ProviderKind, who: &str, has_key: bool) -> Result<()> {
    if has_key && source.info().key_header == "authorization" {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "{who}: {} sends its API key in the Authorization header, so the user name and password in the URL cannot be sent too.",
                source.label()
            ),
        ));
    }
    Ok(())
}

/// `Authorization: Basic` for URL credentials given on the spot (an ad-hoc connection).
pub(super) fn basic_auth_header(
    source: ProviderKind,
    who: &str,
    credentials: Option<String>,
    has_key: bool,
) -> Result<Vec<(String, SecretString)>> {
    let Some(credentials) = credentials else {
        return Ok(Vec::new());
    };
    check_basic_auth_for(source, who, has_key)?;
    Ok(vec![basic(&SecretString::from(credentials))])
}

/// The `Authorization: Basic` header for `user:password`.
fn basic(credentials: &SecretString) -> (String, SecretString) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials.expose_secret());
    (
        "Authorization".to_string(),
        SecretString::from(format!("Basic {encoded}")),
    )
}

impl Engine {
    /// Takes `user:password@` out of `profile.url` (the profile keeps the URL without it).
    pub(super) fn split_url_credentials(profile: &mut Profile) -> Option<SecretString> {
        let (url, credentials) = split_credentials(&profile.url);
        profile.url = url;
        credentials.map(SecretString::from)
    }

    /// Takes `user:password@` out of the profile's proxy URL (the profile keeps the URL without
    /// it), after checking the URL.
    pub(super) fn split_proxy_credentials(profile: &mut Profile) -> Result<Option<SecretString>> {
        let ProxyChoice::Url(url) = &profile.options.network.proxy else {
            return Ok(None);
        };
        let (url, credentials) = split_credentials(url.trim());
        crate::network::check_proxy_url(&url)?;
        profile.options.network.proxy = ProxyChoice::Url(url);
        Ok(credentials.map(SecretString::from))
    }

    /// Saves a proxy's credentials taken from its URL (replacing earlier ones); `None` keeps the
    /// earlier ones while the profile still uses a proxy at the same address.
    pub(super) async fn save_proxy_credentials(
        &self,
        profile: &Profile,
        credentials: Option<SecretString>,
        previous: Option<&ProxyChoice>,
    ) -> Result<()> {
        let same_proxy = match (previous, &profile.options.network.proxy) {
            (Some(ProxyChoice::Url(old)), ProxyChoice::Url(new)) => origin(old) == origin(new),
            _ => false,
        };
        if credentials.is_none() && (previous.is_none() || same_proxy) {
            return Ok(());
        }
        let mut extras = self.extras_of(&profile.id).await?;
        if credentials.is_none() && extras.proxy_credentials.is_none() {
            return Ok(());
        }
        extras.proxy_credentials = credentials;
        self.save_extras(&profile.id, extras).await
    }

    async fn extras_of(&self, id: &ProfileId) -> Result<ProfileExtras> {
        let flag_id = id.clone();
        if self
            .blocking(move |store| store.extras_saved(&flag_id))
            .await?
        {
            self.secrets.extras(id).await
        } else {
            Ok(ProfileExtras::default())
        }
    }

    async fn save_extras(&self, id: &ProfileId, extras: ProfileExtras) -> Result<()> {
        let saved = !extras.is_empty();
        self.secrets.set_extras(id, extras).await?;
        let id = id.clone();
        self.blocking(move |store| store.set_extras_saved(&id, saved))
            .await
    }

    /// Saves URL credentials taken from a profile's URL (replacing earlier ones); `None` keeps
    /// the earlier ones unless the URL now points elsewhere (they belonged to that server).
    pub(super) async fn save_url_credentials(
        &self,
        profile: &Profile,
        credentials: Option<SecretString>,
        previous_url: Option<&str>,
    ) -> Result<()> {
        let moved_elsewhere = previous_url.is_some_and(|old| origin(old) != origin(&profile.url));
        if credentials.is_none() && !moved_elsewhere {
            return Ok(());
        }
        let mut extras = self.extras_of(&profile.id).await?;
        if credentials.is_none() && extras.url_credentials.is_none() {
            return Ok(());
        }
        if credentials.is_some() {
            let id = profile.id.clone();
            let has_key = self.blocking(move |store| store.key_saved(&id)).await?;
            check_basic_auth(profile, has_key)?;
        }
        extras.url_credentials = credentials;
        self.save_extras(&profile.id, extras).await
    }

    /// Gives `to` the header values and URL credentials of `from`.
    pub(super) async fn copy_extras(&self, from: &ProfileId, to: &ProfileId) -> Result<()> {
        let extras = self.extras_of(from).await?;
        if extras.is_empty() {
            return Ok(());
        }
        self.save_extras(to, extras).await
    }

    /// Refuses a key on a profile whose URL credentials already use `Authorization`.
    pub(super) async fn check_key_fits(&self, profile: &Profile) -> Result<()> {
        if self.extras_of(&profile.id).await?.url_credentials.is_some() {
            check_basic_auth(profile, true)?;
        }
        Ok(())
    }

    /// Replaces a profile's extra request headers: the names are saved with the profile, the
    /// values in the keychain.
    pub async fn set_headers(
        &self,
        name_or_id: &str,
        headers: Vec<(String, SecretString)>,
    ) -> Result<Profile> {
        if headers.len() > MAX_HEADERS {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "There are too many headers ({}; at most {MAX_HEADERS}).",
                    headers.len()
                ),
            ));
        }
        for (name, value) in &headers {
            check_header(name, value.expose_secret())?;
        }
        let mut profile = self.profile(name_or_id).await?;
        let mut extras = self.extras_of(&profile.id).await?;
        profile.headers = headers.iter().map(|(name, _)| name.clone()).collect();
        extras.headers = headers;
        self.save_extras(&profile.id, extras).await?;
        let saved = profile.clone();
        self.blocking(move |store| store.update_profile(&saved))
            .await?;
        Ok(profile)
    }

    /// The extra headers a profile's requests carry, values from the keychain, and
    /// `Authorization: Basic` for its URL credentials; and its proxy's credentials.
    pub(super) async fn connection_headers(
        &self,
        profile: &Profile,
        has_key: bool,
    ) -> Result<(Vec<(String, SecretString)>, Option<SecretString>)> {
        // One flag read; the keychain is asked only when the profile has such secrets.
        let extras = self.extras_of(&profile.id).await?;
        let mut headers: Vec<(String, SecretString)> = profile
            .headers
            .iter()
            .filter_map(|name| {
                extras
                    .headers
                    .iter()
                    .find(|(saved, _)| saved.eq_ignore_ascii_case(name))
                    .map(|(_, value)| (name.clone(), value.clone()))
            })
            .collect();
        if let Some(credentials) = &extras.url_credentials {
            check_basic_auth(profile, has_key)?;
            headers.push(basic(credentials));
        }
        let proxy_credentials = match profile.options.network.proxy {
            ProxyChoice::Url(_) => extras.proxy_credentials,
            _ => None,
        };
        Ok((headers, proxy_credentials))
    }

    /// "Delete all my data" while the engine runs: see [`delete_all_data`]. The engine must not
    /// be used afterwards: the caller exits or opens a new one.
    pub async fn delete_all_data(&self) -> Result<ResetReport> {
        delete_all_data(self.store.dir(), &self.secrets).await
    }
}

/// Deletes Switchboard's files in `data_dir` (the database, its journal, backups and session
/// locks; nothing else) and every keychain entry Switchboard made: those of the profiles the
/// database names, when it can be read, and every other one the keychain lists under
/// Switchboard's name. Works on a damaged database too.
pub async fn delete_all_data(data_dir: &std::path::Path, secrets: &Secrets) -> Result<ResetReport> {
    let db = data_dir.join(DB_FILE);
    let known = tokio::task::spawn_blocking(move || profile_ids(&db))
        .await
        .map_err(|err| Error::internal(format!("A database task failed ({err}).")))?;
    let keychain_entries = secrets.delete_everything(known).await?;
    let dir = data_dir.to_path_buf();
    let files = tokio::task::spawn_blocking(move || remove_data_files(&dir))
        .await
        .map_err(|err| Error::internal(format!("A file task failed ({err}).")))??;
    Ok(ResetReport {
        data_dir: data_dir.display().to_string(),
        files,
        keychain_entries,
    })
}

/// The profile ids a database names, read-only; none when it cannot be read.
fn profile_ids(db: &std::path::Path) -> Vec<ProfileId> {
    if !db.exists() {
        return Vec::new();
    }
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return Vec::new();
    };
    let Ok(mut statement) = conn.prepare("SELECT id FROM profiles") else {
        return Vec::new();
    };
    statement
        .query_map([], |row| row.get::<_, String>(0))
        .map(|rows| rows.flatten().map(ProfileId).collect())
        .unwrap_or_default()
}

/// Scheme, host and port of a URL, to tell whether credentials would reach another server.
fn origin(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|url| url.origin().ascii_serialization())
}

/// Removes Switchboard's files from `dir` (the database and its journal files, backups, the
/// snapshots, the migration lock, session locks); returns their names. Other files are left alone.
pub fn remove_data_files(dir: &std::path::Path) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    let mut remove = |path: PathBuf| -> Result<()> {
        match std::fs::remove_file(&path) {
            Ok(()) => {
                removed.push(
                    path.strip_prefix(dir)
                        .unwrap_or(&path)
                        .display()
                        .to_string(),
                );
                Ok(())
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(Error::storage(format!(
                "Could not delete {}: {err}.",
                path.display()
            ))),
        }
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(err) => {
            return Err(Error::storage(format!(
                "Could not read the data folder {}: {err}.",
                dir.display()
            )))
        }
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        if name.starts_with(DB_FILE) || name == crate::store::writers::MIGRATION_LOCK {
            remove(path)?;
        }
    }
    let snapshots = dir.join(crate::store::snapshots::SNAPSHOT_DIR);
    if let Ok(entries) = std::fs::read_dir(&snapshots) {
        let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|ext| ext == "db") {
                remove(path)?;
            }
        }
        let _ = std::fs::remove_dir(&snapshots);
    }
    let sessions = dir.join("sessions");
    if let Ok(entries) = std::fs::read_dir(&sessions) {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|ext| ext == "lock") {
                remove(entry.path())?;
            }
        }
        let _ = std::fs::remove_dir(&sessions);
    }
    let _ = std::fs::remove_dir(dir);
    Ok(removed)
}
