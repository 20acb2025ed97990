//! A Vertex AI profile's service account: its key file checked and kept in the keychain as the
//! profile's key (its JSON on one line), the profile set to sign in with it; and the checks of
//! the profile's Vertex project and region.
//!
//! Must not return, log or put in an error any part of the key file (the front ends confirm
//! with the account's address and project only).

use secrecy::SecretString;
use serde::Serialize;

use super::Engine;
use crate::catalogue::SourceSetting;
use crate::error::{Error, ErrorKind, Result};
use crate::google_auth::{check_project, check_region, ServiceAccountKey};
use crate::options::VertexAuth;
use crate::store::Profile;

/// What a saved service-account key is, for the front ends to confirm (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountSaved {
    /// The profile's name.
    pub profile: String,
    /// The service account's address.
    pub client_email: String,
    /// The project the key file names.
    pub project_id: String,
}

/// Refuses a Vertex project or region that cannot be one.
pub(super) fn check_vertex_options(profile: &Profile) -> Result<()> {
    let options = &profile.options.source;
    if let Some(project) = &options.vertex_project {
        check_project(project)?;
    }
    if let Some(region) = &options.vertex_region {
        check_region(region)?;
    }
    Ok(())
}

impl Engine {
    /// Reads a service account's key file (`file_text`), checks it and saves it as the key of
    /// the Vertex AI profile `name_or_id`, which from now on signs in with it.
    pub async fn set_service_account(
        &self,
        name_or_id: &str,
        file_text: SecretString,
    ) -> Result<ServiceAccountSaved> {
        let profile = self.profile(name_or_id).await?;
        if !profile.source.info().offers(SourceSetting::VertexAuth) {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "Profile \"{}\" is a {} profile; a service account signs in to Google Vertex AI only.",
                    profile.name,
                    profile.source.label()
                ),
            ));
        }
        let key = ServiceAccountKey::parse(secrecy::ExposeSecret::expose_secret(&file_text))
            .map_err(|err| Error {
                message: format!("Profile \"{}\": {}", profile.name, err.message),
                ..err
            })?;
        self.set_key(profile.id.as_str(), key.keychain_form().clone())
            .await?;
        if profile.options.source.vertex_auth != VertexAuth::ServiceAccount {
            let mut changed = profile.clone();
            changed.options.source.vertex_auth = VertexAuth::ServiceAccount;
            self.update_profile(changed).await?;
        }
        Ok(ServiceAccountSaved {
            profile: profile.name,
            client_email: key.client_email().to_string(),
            project_id: key.project_id().to_string(),
        })
    }
}
