//! The connection doctor: the checks a person would make when a connection fails, one after
//! another, each reported with its outcome, time, what it found and, when it failed, the fix.
//!
//! 1. `url`: the URL normalised (what changed: a pasted endpoint path removed, `/v1` added)
//!    and where replies are requested;
//! 2. `reach`: the host (or the proxy in between) resolved and reached over TCP, with the
//!    profile's extra CA certificates read;
//! 3. `models`: the status check (run even when the profile bypasses it) and the model list;
//!    a URL fixed by discovery is saved, as [`Engine::status`] saves it;
//! 4. `reply`: a one-token request, not streamed;
//! 5. `stream`: the same request streamed; its failure after a whole reply worked means the
//!    server cannot stream, and the fix offered is turning streaming off for the profile.
//!
//! A step that an earlier failure makes pointless is skipped with the reason. Each step is
//! handed to the caller as it finishes (a window shows it, a terminal prints it).
//!
//! Must not: name a vendor (it works on any source through [`crate::provider::Provider`] and
//! the catalogue); word a fix as a front end's control (`diagnosis.rs` states the fix, a front
//! end adds its command or button from the [`DoctorAction`]); let a secret into the report
//! (every text passes the connection's [`Redactor`]); save anything
//! but the URL discovery found.

mod diagnosis;
mod reach;
mod report;

use std::time::Instant;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::connections::{normalize, ConnectionSpec, Resolved};
use super::Engine;
use crate::catalogue::ApiType;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{ChatMessage, ChatRequest, GenParams, Role};
use crate::options::ProxyChoice;
use crate::provider::{self, Provider, StreamEvent};
use crate::redact::Redactor;

pub use diagnosis::{cannot_stream, closest_models, diagnose, Diagnosis, DoctorAction, Facts};
pub use reach::{host_and_port, reach, Reach, REACH_WAIT};
use report::{step, Recorder};
pub use report::{DoctorReport, DoctorStep, DoctorStepName, StepOutcome};

/// The one-message request the last two steps send.
fn probe_request(model: String, stream: bool) -> ChatRequest {
    ChatRequest {
        model,
        messages: vec![ChatMessage::new(Role::User, "Hi")],
        params: GenParams {
            max_tokens: Some(1),
            ..GenParams::default()
        },
        stream,
        prompt: None,
        context_size: None,
    }
}

impl Engine {
    /// Runs the doctor on a connection: `model` instead of the profile's, when given;
    /// `on_step` gets each step as it finishes. Fails only when the connection cannot be
    /// resolved (no such profile, no key where one is needed, the keychain).
    pub async fn doctor(
        &self,
        spec: &ConnectionSpec,
        model: Option<String>,
        on_step: &mut (dyn FnMut(&DoctorStep) + Send),
    ) -> Result<DoctorReport> {
        let resolved = self.resolve(spec).await?;
        let conn = &resolved.connection;
        let mut secrets = vec![conn.redactor()];
        if let Some(credentials) = &resolved.proxy_credentials {
            use secrecy::ExposeSecret as _;
            secrets.push(Redactor::new([credentials.expose_secret()]));
        }
        let mut recorder = Recorder {
            redactors: secrets,
            steps: Vec::new(),
            on_step,
        };
        let url = self.doctor_steps(&resolved, model, &mut recorder).await;
        Ok(DoctorReport {
            who: conn.who.clone(),
            source: conn.kind.id().to_string(),
            url,
            steps: recorder.steps,
        })
    }

    /// The five steps; returns the base URL that was checked last.
    async fn doctor_steps(
        &self,
        resolved: &Resolved,
        model: Option<String>,
        out: &mut Recorder<'_>,
    ) -> String {
        let conn = &resolved.connection;
        let info = conn.kind.info();
        let mut base = conn.base_url.clone();

        // 1. The URL.
        let started = Instant::now();
        let changes = match &resolved.profile {
            Some(profile) => match normalize(profile.source, &profile.url) {
                Ok(normal) => normal.changes,
                Err(err) => {
                    out.failed(
                        DoctorStepName::Url,
                        started,
                        err.message,
                        Diagnosis {
                            fix: Some(
                                "Correct the URL: it must be an http:// or https:// address."
                                    .into(),
                            ),
                            action: None,
                        },
                        Some(err.kind),
                    );
                    out.skip_from(DoctorStepName::Reach, "The URL cannot be used.");
                    return base;
                }
            },
            None => resolved.url_changes.clone(),
        };
        let mut detail = if changes.is_empty() {
            format!("{base} is already in its normal form.")
        } else {
            format!("{base}: {}.", changes.join("; "))
        };
        if let Ok(preview) = provider::build(conn.clone(), self.http.clone()) {
            if let Ok(request) = preview.request(&probe_request(
                resolved.model.clone().unwrap_or_else(|| "model".into()),
                false,
            )) {
                detail.push_str(&format!(" Replies are requested at {}.", request.url()));
            }
        }
        if crate::endpoint::is_unencrypted_remote(&base) {
            detail.push_str(
                " It is plain http:// to another machine: a key crosses the network unencrypted.",
            );
        }
        out.ok(DoctorStepName::Url, started, detail);

        // 2. The host.
        let started = Instant::now();
        let http = match resolved.http(&self.http) {
            Ok(http) => http,
            Err(err) => {
                out.failed(
                    DoctorStepName::Reach,
                    started,
                    err.message,
                    Diagnosis {
                        fix: Some("Check the profile's extra CA certificate files and proxy: each file must exist and hold PEM certificates.".into()),
                        action: None,
                    },
                    Some(err.kind),
                );
                out.skip_from(
                    DoctorStepName::Models,
                    "The connection's network settings cannot be used.",
                );
                return base;
            }
        };
        if !self.reach_step(resolved, started, out).await {
            out.skip_from(DoctorStepName::Models, "The host cannot be reached.");
            return base;
        }
        let provider = match provider::build(conn.clone(), http) {
            Ok(provider) => provider,
            Err(err) => {
                let diagnosis = diagnose(&err, &facts(resolved, None, &[]));
                out.failed(
                    DoctorStepName::Models,
                    Instant::now(),
                    err.message,
                    diagnosis,
                    Some(err.kind),
                );
                out.skip_from(DoctorStepName::Reply, "The connection cannot be set up.");
                return base;
            }
        };

        // 3. The models.
        let started = Instant::now();
        let (models, stop) = self
            .models_step(resolved, provider.as_ref(), &mut base, started, out)
            .await;
        if let Some(why) = stop {
            out.skip_from(DoctorStepName::Reply, why);
            return base;
        }

        // 4. A whole reply.
        let started = Instant::now();
        let Some(model) = model
            .or_else(|| resolved.model.clone())
            .filter(|m| !m.trim().is_empty())
            .or_else(|| models.first().cloned())
        else {
            let err = Error::not_configured("No model is set, and the server lists none.")
                .with_reason(crate::error::ErrorReason::NoModel);
            let diagnosis = diagnose(&err, &facts(resolved, None, &models));
            out.failed(
                DoctorStepName::Reply,
                started,
                err.message,
                diagnosis,
                Some(err.kind),
            );
            out.skip_from(DoctorStepName::Stream, "No model to ask.");
            return base;
        };
        let listed = models.is_empty() || models.contains(&model);
        match self.probe(resolved, provider.as_ref(), &model, false).await {
            Ok(found) => {
                let mut detail = format!("{found}.");
                if !listed {
                    detail.push_str(&format!(" (The model list does not name \"{model}\".)"));
                }
                out.ok(DoctorStepName::Reply, started, detail);
            }
            Err(err) => {
                let diagnosis = diagnose(&err, &facts(resolved, Some(&model), &models));
                out.failed(
                    DoctorStepName::Reply,
                    started,
                    err.message,
                    diagnosis,
                    Some(err.kind),
                );
                out.skip_from(
                    DoctorStepName::Stream,
                    "The request without streaming failed; the streamed one would too.",
                );
                return base;
            }
        }

        // 5. A streamed reply.
        let started = Instant::now();
        if !provider.capabilities().streaming {
            let why = format!("{} does not stream: replies come whole.", info.label);
            out.push(step(
                DoctorStepName::Stream,
                StepOutcome::Skipped,
                started,
                why,
            ));
        } else if !conn.options.stream_replies {
            let why = "Streaming is off for this profile: replies come whole.".to_string();
            out.push(step(
                DoctorStepName::Stream,
                StepOutcome::Skipped,
                started,
                why,
            ));
        } else {
            match self.probe(resolved, provider.as_ref(), &model, true).await {
                Ok(found) => out.ok(
                    DoctorStepName::Stream,
                    started,
                    format!("{found}, streamed."),
                ),
                Err(err) => {
                    let (detail, diagnosis) = match cannot_stream(&err) {
                        Some(diagnosis) => (
                            format!("This server cannot stream: the same request without streaming worked, streamed it failed. {}", err.message),
                            diagnosis,
                        ),
                        None => (err.message.clone(), diagnose(&err, &facts(resolved, Some(&model), &models))),
                    };
                    out.failed(
                        DoctorStepName::Stream,
                        started,
                        detail,
                        diagnosis,
                        Some(err.kind),
                    );
                }
            }
        }
        base
    }

    /// Step 2: resolves and connects to the host, or to the proxy requests go through.
    /// Whether it was reached.
    async fn reach_step(
        &self,
        resolved: &Resolved,
        started: Instant,
        out: &mut Recorder<'_>,
    ) -> bool {
        let conn = &resolved.connection;
        let network = &conn.options.network;
        let proxy = match &network.proxy {
            ProxyChoice::Direct => None,
            ProxyChoice::Environment => crate::network::environment_proxy_for(&conn.base_url),
            choice => crate::network::proxy_label(choice),
        };
        let target = proxy.as_deref().unwrap_or(&conn.base_url);
        let Some((host, port)) = host_and_port(target) else {
            let detail = format!("{target} names no host.");
            out.failed(
                DoctorStepName::Reach,
                started,
                detail,
                Diagnosis {
                    fix: Some("Correct the URL.".into()),
                    action: None,
                },
                Some(ErrorKind::InvalidRequest),
            );
            return false;
        };
        let via = proxy
            .as_ref()
            .map(|p| {
                format!(
                    " Requests go through the proxy {p}, which resolves the server's name itself."
                )
            })
            .unwrap_or_default();
        let certificates = if network.ca_certificates.is_empty() {
            String::new()
        } else {
            format!(
                " Extra CA certificates trusted: {}.",
                network.ca_certificates.join(", ")
            )
        };
        let what = if proxy.is_some() {
            "the proxy"
        } else {
            "the server"
        };
        let loopback = crate::endpoint::is_loopback_url(target);
        let fail = |detail: String, fix: &str| (detail, fix.to_string());
        let (detail, fix) = match reach(&host, port).await {
            Reach::Connected(address) => {
                let shown = if address.ip().to_string() == host {
                    format!("Connected to {address}.")
                } else {
                    format!("{host} is {}; connected to port {port}.", address.ip())
                };
                out.ok(
                    DoctorStepName::Reach,
                    started,
                    format!("{shown}{via}{certificates}"),
                );
                return true;
            }
            Reach::NoSuchHost(why) => fail(
                format!("The host name {host} does not resolve ({why})."),
                &format!(
                    "Check the host name of {what} for a typo, and that this computer is online."
                ),
            ),
            Reach::Refused(address) if loopback => fail(
                format!("Nothing is listening on {address}; is the server running?"),
                &format!("Start {what}, or correct the port in the URL."),
            ),
            Reach::Refused(address) => fail(
                format!("{address} refused the connection."),
                "Check the port in the URL (https:// uses 443 unless the URL names another).",
            ),
            Reach::TimedOut => fail(
                format!(
                    "No answer from {host}:{port} within {} s.",
                    REACH_WAIT.as_secs()
                ),
                "A firewall may be dropping the connection, or the host or port is wrong.",
            ),
            Reach::Failed(why) => fail(
                format!("Could not connect to {host}:{port}: {why}."),
                "Check the network connection.",
            ),
        };
        out.failed(
            DoctorStepName::Reach,
            started,
            format!("{detail}{via}{certificates}"),
            Diagnosis {
                fix: Some(fix),
                action: None,
            },
            Some(ErrorKind::Network),
        );
        false
    }

    /// Step 3: the status check and the model list. The listed ids, and why the later steps
    /// are pointless when they are.
    async fn models_step(
        &self,
        resolved: &Resolved,
        provider: &dyn Provider,
        base: &mut String,
        started: Instant,
        out: &mut Recorder<'_>,
    ) -> (Vec<String>, Option<&'static str>) {
        let conn = &resolved.connection;
        let info = conn.kind.info();
        let bypassed = resolved
            .profile
            .as_ref()
            .is_some_and(|p| p.bypass_status_check);
        let listed = match provider.status().await {
            Ok(status) => {
                let mut notes = Vec::new();
                if bypassed {
                    notes.push(
                        "This profile skips the status check when connecting; the doctor ran it."
                            .to_string(),
                    );
                }
                if status.url_changed {
                    *base = status.base_url.clone();
                    match &resolved.profile {
                        Some(profile) => {
                            let mut profile = profile.clone();
                            profile.url = status.base_url.clone();
                            let saved = self
                                .blocking(move |store| store.update_profile(&profile))
                                .await;
                            notes.push(match saved {
                                Ok(()) => format!("The URL as saved did not answer; discovery added /v1 and {} did: the profile now uses it.", status.base_url),
                                Err(_) => format!("The URL as saved did not answer; {} did: add /v1 to the profile's URL.", status.base_url),
                            });
                        }
                        None => notes.push(format!(
                            "The URL as given did not answer; {} did: add /v1 to the URL.",
                            status.base_url
                        )),
                    }
                }
                let models = match status.models {
                    Some(models) => Ok(models),
                    None if info.capabilities.model_list => provider.list_models().await,
                    None => Ok(Vec::new()),
                };
                models.map(|models| (models, status.message, notes))
            }
            Err(err) => Err(err),
        };
        match listed {
            Ok((models, message, notes)) => {
                let ids: Vec<String> = models.into_iter().map(|m| m.id).collect();
                let mut detail = match ids.len() {
                    0 if !info.capabilities.model_list => format!(
                        "{} lists no models: the model's id is typed in. {message}",
                        info.label
                    ),
                    0 => format!("The server lists no models. {message}"),
                    n => format!(
                        "{n} listed ({}{}). {message}",
                        ids.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                        if n > 5 { ", …" } else { "" }
                    ),
                };
                for note in notes {
                    detail.push(' ');
                    detail.push_str(&note);
                }
                out.ok(DoctorStepName::Models, started, detail);
                (ids, None)
            }
            Err(err) => {
                let diagnosis = diagnose(&err, &facts(resolved, None, &[]));
                let kind = err.kind;
                out.failed(
                    DoctorStepName::Models,
                    started,
                    err.message,
                    diagnosis,
                    Some(kind),
                );
                let stop = match kind {
                    ErrorKind::Auth => Some("The key was refused; every request would be."),
                    ErrorKind::Network => Some("The server cannot be reached."),
                    ErrorKind::NotConfigured => Some("The connection is not complete."),
                    _ => None,
                };
                (Vec::new(), stop)
            }
        }
    }

    /// Sends the one-token request (`stream` or not) and reads it to its end: who answered,
    /// in what time, how it ended.
    async fn probe(
        &self,
        resolved: &Resolved,
        provider: &dyn Provider,
        model: &str,
        stream: bool,
    ) -> Result<String> {
        let mut request = probe_request(model.to_string(), stream);
        if provider.capabilities().api == ApiType::TextCompletion {
            self.render_text_prompt(resolved, provider, &mut request, true)
                .await;
            request.params.max_tokens = Some(1);
        }
        let started = Instant::now();
        let mut events = provider.stream(request, CancellationToken::new());
        let mut served_by = model.to_string();
        let mut text = String::new();
        while let Some(event) = events.next().await {
            match event? {
                StreamEvent::Delta(delta) => text.push_str(&delta),
                StreamEvent::Model(name) => served_by = name,
                StreamEvent::Done(reason) => {
                    let text = crate::error::truncate(text.trim(), 40);
                    let said = if text.is_empty() {
                        String::new()
                    } else {
                        format!(": \"{text}\"")
                    };
                    return Ok(format!(
                        "{served_by} answered in {} ms ({}){said}",
                        started.elapsed().as_millis(),
                        reason.as_str()
                    ));
                }
                _ => {}
            }
        }
        Err(
            Error::new(ErrorKind::Protocol, "The reply ended without its end mark.")
                .with_provider(resolved.connection.kind.id()),
        )
    }
}

fn facts<'a>(resolved: &'a Resolved, model: Option<&'a str>, models: &'a [String]) -> Facts<'a> {
    let info = resolved.connection.kind.info();
    Facts {
        source: info.label,
        key_note: info.key_note,
        model,
        models,
    }
}
