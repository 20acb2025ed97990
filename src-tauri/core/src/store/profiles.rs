//! Profile rows: saving, changing, finding, listing and deleting saved connections (those
//! deleted with undo, in `trash.rs`, are left out of every read here), and the
//! flags that say whether a profile's key or extras are in the keychain.
//!
//! Must not hold a key: a profile row keeps only whether its key and its header values or URL
//! credentials are saved, never the secrets themselves (those live in the keychain under the
//! profile's id). Imports no adapter or transfer type.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{from_json, now_ms, to_json, InstructSettings, PostProcessing, Store};
use crate::catalogue::{ApiType, ProviderKind};
use crate::error::{Error, Result};
use crate::model::{GenParams, ProfileId};
use crate::options::ConnectionOptions;

/// A saved connection. The key is not here: it lives in the keychain under the profile's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Stable id.
    pub id: ProfileId,
    /// Unique name (case-insensitive).
    pub name: String,
    /// The source.
    pub source: ProviderKind,
    /// Normalised base URL.
    pub url: String,
    /// Model id, if chosen.
    pub model: Option<String>,
    /// Sampler settings.
    pub params: GenParams,
    /// System prompt sent first, if any.
    pub system_prompt: Option<String>,
    /// Text the reply starts with (Claude's assistant prefill); the model continues it.
    pub prefill: Option<String>,
    /// The user message strict post-processing inserts (default `[Start a new chat]`).
    pub placeholder: Option<String>,
    /// Prompt post-processing mode (chat completion).
    pub post_processing: PostProcessing,
    /// The API to use when the source serves both; `None` is the source's default.
    pub api: Option<ApiType>,
    /// How the chat becomes one prompt (text completion).
    pub instruct: InstructSettings,
    /// Skip the status check when connecting (servers without a model list).
    pub bypass_status_check: bool,
    /// The names of extra request headers; their values are secrets, kept in the keychain.
    pub headers: Vec<String>,
    /// How the server is reached beyond URL and key: proxy, certificates, the source's choices.
    #[serde(default)]
    pub options: ConnectionOptions,
    /// Creation time, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub updated_at: i64,
}

impl Profile {
    /// A new profile with defaults for everything but the essentials.
    pub fn new(name: impl Into<String>, source: ProviderKind, url: impl Into<String>) -> Profile {
        let now = now_ms();
        Profile {
            id: ProfileId::new(),
            name: name.into(),
            source,
            url: url.into(),
            model: None,
            params: GenParams::default(),
            system_prompt: None,
            prefill: None,
            placeholder: None,
            post_processing: PostProcessing::None,
            api: None,
            instruct: InstructSettings::default(),
            bypass_status_check: false,
            headers: Vec::new(),
            options: ConnectionOptions::default(),
            created_at: now,
            updated_at: now,
        }
    }
}

impl Store {
    pub fn insert_profile(&self, profile: &Profile) -> Result<()> {
        let conn = self.conn();
        let taken: bool = conn
            .query_row(
                "SELECT 1 FROM profiles WHERE name = ?1 AND deleted_at IS NULL",
                [&profile.name],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if taken {
            return Err(Error::new(
                crate::error::ErrorKind::InvalidRequest,
                format!("A profile named \"{}\" already exists.", profile.name),
            ));
        }
        conn.execute(
            "INSERT INTO profiles (id, name, source, url, model, params, system_prompt, post_processing,
                                   bypass_status_check, headers, created_at, updated_at, prefill,
                                   placeholder, api, instruct, options)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                profile.id.as_str(),
                profile.name,
                profile.source.id(),
                profile.url,
                profile.model,
                to_json(&profile.params)?,
                profile.system_prompt,
                profile.post_processing.as_str(),
                profile.bypass_status_check,
                to_json(&profile.headers)?,
                profile.created_at,
                profile.updated_at,
                profile.prefill,
                profile.placeholder,
                api_str(profile.api),
                to_json(&profile.instruct)?,
                to_json(&profile.options)?,
            ],
        )?;
        Ok(())
    }

    /// Saves changes to an existing profile.
    pub fn update_profile(&self, profile: &Profile) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE profiles SET name = ?2, source = ?3, url = ?4, model = ?5, params = ?6, system_prompt = ?7,
                    post_processing = ?8, bypass_status_check = ?9, headers = ?10, updated_at = ?11,
                    prefill = ?12, placeholder = ?13, api = ?14, instruct = ?15, options = ?16
             WHERE id = ?1 AND deleted_at IS NULL",
            params![
                profile.id.as_str(),
                profile.name,
                profile.source.id(),
                profile.url,
                profile.model,
                to_json(&profile.params)?,
                profile.system_prompt,
                profile.post_processing.as_str(),
                profile.bypass_status_check,
                to_json(&profile.headers)?,
                now_ms(),
                profile.prefill,
                profile.placeholder,
                api_str(profile.api),
                to_json(&profile.instruct)?,
                to_json(&profile.options)?,
            ],
        )?;
        if changed == 0 {
            return Err(Error::not_configured(format!(
                "The profile \"{}\" no longer exists.",
                profile.name
            )));
        }
        Ok(())
    }

    /// All profiles, by name.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        let conn = self.conn();
        let mut statement =
            conn.prepare(&format!("{PROFILE_SELECT} ORDER BY name COLLATE NOCASE"))?;
        let rows = statement.query_map([], profile_from_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .collect()
    }

    /// The profile with this id or (case-insensitive) name.
    pub fn find_profile(&self, name_or_id: &str) -> Result<Option<Profile>> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!(
                    "{PROFILE_SELECT} AND (id = ?1 OR name = ?1) ORDER BY id = ?1 DESC LIMIT 1"
                ),
                [name_or_id],
                profile_from_row,
            )
            .optional()?;
        found.transpose()
    }

    /// Records whether the profile's key is in the keychain, so that listing profiles and
    /// connecting to keyless ones never wait on the keychain. The key itself is never stored here.
    pub fn set_key_saved(&self, id: &ProfileId, saved: bool) -> Result<()> {
        self.set_flag(id, "key_saved", saved)
    }

    /// Whether a key was saved in the keychain for the profile.
    pub fn key_saved(&self, id: &ProfileId) -> Result<bool> {
        self.flag(id, "key_saved")
    }

    /// Records whether the profile has header values or URL credentials in the keychain.
    pub fn set_extras_saved(&self, id: &ProfileId, saved: bool) -> Result<()> {
        self.set_flag(id, "extras_saved", saved)
    }

    /// Whether the profile has header values or URL credentials in the keychain.
    pub fn extras_saved(&self, id: &ProfileId) -> Result<bool> {
        self.flag(id, "extras_saved")
    }

    /// Sets one of the profile's keychain flags (`column` is one of this file's flag columns).
    fn set_flag(&self, id: &ProfileId, column: &'static str, saved: bool) -> Result<()> {
        self.conn().execute(
            &format!("UPDATE profiles SET {column} = ?2 WHERE id = ?1"),
            params![id.as_str(), saved],
        )?;
        Ok(())
    }

    /// One of the profile's keychain flags; false for a profile that does not exist.
    fn flag(&self, id: &ProfileId, column: &'static str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {column} FROM profiles WHERE id = ?1"),
                [id.as_str()],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// All profiles by name, each with whether its key is saved.
    pub fn profiles_with_key_flags(&self) -> Result<Vec<(Profile, bool)>> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "{} ORDER BY name COLLATE NOCASE",
            PROFILE_SELECT.replace(" FROM profiles", ", key_saved FROM profiles")
        ))?;
        let rows = statement.query_map([], |row| {
            let saved: bool = row.get(PROFILE_COLUMNS)?;
            Ok(profile_from_row(row)?.map(|profile| (profile, saved)))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .collect()
    }

    /// Deletes a profile for good (deleted or not); its chats stay, detached. Returns whether
    /// it existed. Deleting with undo is [`trash_profile`](Self::trash_profile).
    pub fn delete_profile(&self, id: &ProfileId) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM profiles WHERE id = ?1", [id.as_str()])?
            > 0)
    }
}

/// How many columns [`PROFILE_SELECT`] reads.
const PROFILE_COLUMNS: usize = 17;

const PROFILE_SELECT: &str =
    "SELECT id, name, source, url, model, params, system_prompt, post_processing,
    bypass_status_check, headers, created_at, updated_at, prefill, placeholder, api, instruct,
    options FROM profiles WHERE deleted_at IS NULL";

fn api_str(api: Option<ApiType>) -> Option<&'static str> {
    api.map(|api| match api {
        ApiType::ChatCompletion => "chatCompletion",
        ApiType::TextCompletion => "textCompletion",
    })
}

fn parse_api(text: Option<String>) -> Option<ApiType> {
    match text.as_deref() {
        Some("chatCompletion") => Some(ApiType::ChatCompletion),
        Some("textCompletion") => Some(ApiType::TextCompletion),
        _ => None,
    }
}

fn profile_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Profile>> {
    let source: String = row.get(2)?;
    let params: String = row.get(5)?;
    let headers: String = row.get(9)?;
    let post: String = row.get(7)?;
    let api: Option<String> = row.get(14)?;
    let instruct: String = row.get(15)?;
    let options: String = row.get(16)?;
    let profile = (|| {
        Ok(Profile {
            id: ProfileId(row.get(0)?),
            name: row.get(1)?,
            source: source.parse()?,
            url: row.get(3)?,
            model: row.get(4)?,
            params: from_json(&params)?,
            system_prompt: row.get(6)?,
            post_processing: PostProcessing::parse(&post).unwrap_or_default(),
            bypass_status_check: row.get(8)?,
            headers: from_json(&headers)?,
            created_at: row.get(10)?,
            updated_at: row.get(11)?,
            prefill: row.get(12)?,
            placeholder: row.get(13)?,
            api: parse_api(api),
            instruct: from_json(&instruct)?,
            options: from_json(&options)?,
        })
    })();
    Ok(profile)
}
