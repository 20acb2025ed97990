//! `doctor`: runs the core's connection doctor on a profile (or an ad-hoc connection) and
//! prints each step as it finishes — its outcome, time, what it found and the fix — then,
//! for the step that failed, the command that carries the fix out. `--json` prints the whole
//! report instead. Exits 0 when no step failed, else with the code of the first failure's kind.
//!
//! Must not print a key (the report comes scrubbed from the core) nor change the profile
//! itself: it prints the command that would.

use switchboard_core::engine::{DoctorAction, DoctorReport, DoctorStep, StepOutcome};
use switchboard_core::Engine;

use crate::connect::TestArgs;
use crate::{exit_code, print_json, CliResult};

/// Runs the doctor; the exit code.
pub async fn run(engine: &Engine, args: TestArgs, json: bool) -> CliResult<u8> {
    let model = args.model()?;
    let spec = args.spec()?;
    let profile = args.profile_name().map(str::to_string);
    if !json {
        outln!("Checking the connection step by step…");
    }
    let mut print_step = |step: &DoctorStep| {
        if !json {
            for line in step_lines(step, profile.as_deref()) {
                outln!("{line}");
            }
        }
    };
    let report = engine.doctor(&spec, model, &mut print_step).await?;
    if json {
        print_json(&report);
    } else {
        outln!("{}", summary(&report));
    }
    Ok(report
        .first_failure()
        .map_or(0, |step| step.error_kind.map_or(6, exit_code)))
}

/// A step as printed: `[ok] Title (12 ms): detail`, then the fix and its command.
fn step_lines(step: &DoctorStep, profile: Option<&str>) -> Vec<String> {
    let mark = match step.outcome {
        StepOutcome::Ok => "ok",
        StepOutcome::Failed => "FAILED",
        StepOutcome::Skipped => "skipped",
    };
    let mut lines = vec![if step.outcome == StepOutcome::Skipped {
        format!("[{mark}] {}: {}", step.title, step.detail)
    } else {
        format!(
            "[{mark}] {} ({} ms): {}",
            step.title, step.elapsed_ms, step.detail
        )
    }];
    if let Some(fix) = &step.fix {
        lines.push(format!("  Fix: {fix}"));
    }
    if let Some(command) = step.action.as_ref().map(|a| command_for(a, profile)) {
        lines.push(format!("  {command}"));
    }
    lines
}

/// The command that carries out `action`, in the terminal's words.
fn command_for(action: &DoctorAction, profile: Option<&str>) -> String {
    match (action, profile) {
        (DoctorAction::TurnStreamingOff, Some(name)) => format!(
            "Turn streaming off with: switchboard-cli profile set {} --no-stream",
            shell_word(name)
        ),
        (DoctorAction::TurnStreamingOff, None) => {
            "Ask for whole replies with: switchboard-cli chat --no-stream …".to_string()
        }
        (DoctorAction::SaveKey, Some(name)) => {
            format!(
                "Save the key with: switchboard-cli key set {}",
                shell_word(name)
            )
        }
        (DoctorAction::SaveKey, None) => {
            "Pass the key in an environment variable with --key-env.".to_string()
        }
        (DoctorAction::ChooseModel { .. }, _) => {
            "Try another with --model ID (\"models\" lists them all).".to_string()
        }
    }
}

/// `name` quoted for a POSIX shell when it holds anything but letters, digits and `-_.`.
fn shell_word(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

fn summary(report: &DoctorReport) -> String {
    match report.first_failure() {
        None => format!("{}: every step passed ({}).", report.who, report.url),
        Some(step) => format!("{}: \"{}\" failed.", report.who, step.title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_word("local-7b"), "local-7b");
        assert_eq!(shell_word("my server"), "'my server'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn the_streaming_fix_names_the_profile_command() {
        assert_eq!(
            command_for(&DoctorAction::TurnStreamingOff, Some("box")),
            "Turn streaming off with: switchboard-cli profile set box --no-stream"
        );
    }
}
