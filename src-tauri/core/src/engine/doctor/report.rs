//! The doctor's report: its steps ([`DoctorStep`], named by [`DoctorStepName`], ending as a
//! [`StepOutcome`]), the whole [`DoctorReport`], and the recorder that scrubs each step of the
//! connection's secrets before handing it on.
//!
//! Data and bookkeeping only: must not send anything, nor let a step out unscrubbed.

use std::time::Instant;

use serde::Serialize;

use super::diagnosis::{Diagnosis, DoctorAction};
use crate::error::ErrorKind;
use crate::redact::Redactor;

/// The doctor's steps, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum DoctorStepName {
    /// The URL normalised.
    Url,
    /// The host resolved and reached.
    Reach,
    /// The status check and the model list.
    Models,
    /// A one-token request, not streamed.
    Reply,
    /// The same request, streamed.
    Stream,
}

impl DoctorStepName {
    /// What the step does, for people.
    pub fn title(self) -> &'static str {
        match self {
            DoctorStepName::Url => "Normalise the URL",
            DoctorStepName::Reach => "Reach the host",
            DoctorStepName::Models => "List the models",
            DoctorStepName::Reply => "Ask for a one-token reply",
            DoctorStepName::Stream => "Ask for a streamed reply",
        }
    }

    /// The stable name (`url`, `reach`, …), as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            DoctorStepName::Url => "url",
            DoctorStepName::Reach => "reach",
            DoctorStepName::Models => "models",
            DoctorStepName::Reply => "reply",
            DoctorStepName::Stream => "stream",
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum StepOutcome {
    /// It worked.
    Ok,
    /// It failed; the step's `fix` says what to change.
    Failed,
    /// It did not run; the `detail` says why.
    Skipped,
}

/// One step of the doctor's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DoctorStep {
    /// Which step.
    pub name: DoctorStepName,
    /// What it does, for people.
    pub title: String,
    /// How it ended.
    pub outcome: StepOutcome,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u32,
    /// What it found (or why it was skipped).
    pub detail: String,
    /// The fix in plain words, when it failed.
    pub fix: Option<String>,
    /// What a front end may offer to do about the failure.
    pub action: Option<DoctorAction>,
    /// The kind of the failure, when an error caused it.
    pub error_kind: Option<ErrorKind>,
}

/// Everything the doctor found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    /// `Profile "name"`, or the source's label for an ad-hoc connection.
    pub who: String,
    /// The source's id.
    pub source: String,
    /// The base URL checked (after normalisation and discovery).
    pub url: String,
    /// The steps, in order.
    pub steps: Vec<DoctorStep>,
}

impl DoctorReport {
    /// The first step that failed, if any.
    pub fn first_failure(&self) -> Option<&DoctorStep> {
        self.steps.iter().find(|s| s.outcome == StepOutcome::Failed)
    }
}

/// Collects the steps, scrubbing each and handing it on as it finishes.
pub(super) struct Recorder<'a> {
    pub(super) redactors: Vec<Redactor>,
    pub(super) steps: Vec<DoctorStep>,
    pub(super) on_step: &'a mut (dyn FnMut(&DoctorStep) + Send),
}

impl Recorder<'_> {
    pub(super) fn push(&mut self, mut step: DoctorStep) {
        step.detail = scrubbed(&self.redactors, step.detail);
        step.fix = step.fix.map(|fix| scrubbed(&self.redactors, fix));
        (self.on_step)(&step);
        self.steps.push(step);
    }

    pub(super) fn ok(&mut self, name: DoctorStepName, started: Instant, detail: String) {
        self.push(step(name, StepOutcome::Ok, started, detail));
    }

    pub(super) fn failed(
        &mut self,
        name: DoctorStepName,
        started: Instant,
        detail: String,
        diagnosis: Diagnosis,
        kind: Option<ErrorKind>,
    ) {
        let mut failed = step(name, StepOutcome::Failed, started, detail);
        failed.fix = diagnosis.fix;
        failed.action = diagnosis.action;
        failed.error_kind = kind;
        self.push(failed);
    }

    /// Every step from `from` on, skipped because of `why`.
    pub(super) fn skip_from(&mut self, from: DoctorStepName, why: &str) {
        for name in STEPS.iter().skip_while(|n| **n != from) {
            self.push(step(
                *name,
                StepOutcome::Skipped,
                Instant::now(),
                why.to_string(),
            ));
        }
    }
}

/// `text` with every secret of every redactor scrubbed.
fn scrubbed(redactors: &[Redactor], text: String) -> String {
    redactors
        .iter()
        .fold(text, |text, redactor| redactor.scrub(&text).into_owned())
}

const STEPS: [DoctorStepName; 5] = [
    DoctorStepName::Url,
    DoctorStepName::Reach,
    DoctorStepName::Models,
    DoctorStepName::Reply,
    DoctorStepName::Stream,
];

pub(super) fn step(
    name: DoctorStepName,
    outcome: StepOutcome,
    started: Instant,
    detail: String,
) -> DoctorStep {
    DoctorStep {
        name,
        title: name.title().to_string(),
        outcome,
        elapsed_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        detail,
        fix: None,
        action: None,
        error_kind: None,
    }
}
