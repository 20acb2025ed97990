//! Servers that echo secrets: whatever a server quotes back of the request's key (in a 401, an
//! error event in the middle of a stream, a 200 page of the wrong kind), in whichever encoding,
//! is scrubbed to `<redacted>` before it reaches the database, the logs or a front end. Every
//! family goes through the real engine (temp data dir, keys in memory): status check, model list
//! and a reply, streamed and not, against each `echo-*` scenario of the fakes. The forms looked for
//! (`key_forms`: as is, JSON-escaped, percent-encoded, base64 at each alignment, and any
//! 12-character piece of them) are the fakes' own, not the product's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use secrecy::SecretString;
use switchboard_core::engine::{Action, ConnectionSpec, GenerationRequest};
use switchboard_core::model::{ChatEvent, GenParams};
use switchboard_core::store::Profile;
use switchboard_core::{Engine, Error, ProviderKind};
use switchboard_fakes::{
    echo_leak, key_forms, Dialect, FakeOptions, FakeServer, Family, KoboldServer, Scenario,
    ECHO_NOTHING, ECHO_PREFIX,
};

/// A key that is different in every encoding: `/`, `+`, `"`, `&` and `%` change in JSON, in
/// percent-encoding and in base64 at every alignment.
const KEY: &str = "sk-Echo/Key+\"Quoted\"&Amp%25Zq9Xw2LmN4pB8vT";

/// A key too short to scrub (under 8 characters): shown where the server quoted it, never
/// logged.
const SHORT_KEY: &str = "k/+\"&%7";

const REDACTED: &str = "<redacted>";

// ---------------------------------------------------------------------------------------------
// Logs: one subscriber for this binary, at trace level, into memory.

/// Everything logged so far by any test of this binary.
fn logs() -> String {
    static LOGS: OnceLock<common::CapturedLogs> = OnceLock::new();
    let captured = LOGS.get_or_init(|| common::CapturedLogs::install("trace"));
    captured.text()
}

/// Notes in `problems` what of `key` shows in `text`.
fn check_leak(problems: &mut Vec<String>, text: &[u8], key: &str, place: &str) {
    if let Some(what) = echo_leak(text, key) {
        problems.push(format!("{what}, is in {place}"));
    }
}

/// Fails with every problem found, one a line.
fn assert_none(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The bytes of every file under `dir` (database, WAL, shared memory, anything else).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The families.

/// A family as a fake serves it and as a profile names it.
struct Case {
    label: &'static str,
    family: Family,
    dialect: Dialect,
    kobold: KoboldServer,
    kind: ProviderKind,
    path: &'static str,
    model: &'static str,
}

const fn case(
    label: &'static str,
    family: Family,
    kind: ProviderKind,
    path: &'static str,
    model: &'static str,
) -> Case {
    Case {
        label,
        family,
        dialect: Dialect::OpenAi,
        kobold: KoboldServer::KoboldCpp,
        kind,
        path,
        model,
    }
}

/// The families of `logs.rs`, and the dialects and servers whose errors have shapes of their
/// own (Ooba's `detail`, Mancer's `X-API-KEY` and bare `error`, United's `generic.error_*`).
fn cases() -> Vec<Case> {
    vec![
        case(
            "openrouter",
            Family::OpenAi,
            ProviderKind::OpenRouter,
            "/v1",
            "fake-model-1",
        ),
        case(
            "custom",
            Family::OpenAi,
            ProviderKind::Custom,
            "/v1",
            "fake-model-1",
        ),
        Case {
            dialect: Dialect::Ooba,
            ..case(
                "ooba",
                Family::OpenAi,
                ProviderKind::Ooba,
                "/v1",
                "fake-model-1",
            )
        },
        Case {
            dialect: Dialect::Mancer,
            ..case(
                "mancer",
                Family::OpenAi,
                ProviderKind::Mancer,
                "/oai/v1",
                "fake-model-1",
            )
        },
        case(
            "claude",
            Family::Anthropic,
            ProviderKind::Claude,
            "/v1",
            "fake-model-1",
        ),
        case(
            "koboldcpp",
            Family::Kobold,
            ProviderKind::KoboldCpp,
            "",
            "fake-model-1",
        ),
        Case {
            kobold: KoboldServer::United,
            ..case(
                "kobold united",
                Family::Kobold,
                ProviderKind::Kobold,
                "",
                "fake-model-1",
            )
        },
        case(
            "horde",
            Family::Horde,
            ProviderKind::Horde,
            "/api/v2",
            "fake-model-1",
        ),
        case(
            "novelai",
            Family::NovelAi,
            ProviderKind::NovelAi,
            "",
            "kayra-v1",
        ),
        case(
            "ollama",
            Family::Ollama,
            ProviderKind::Ollama,
            "",
            "fake-model-1",
        ),
        case(
            "cohere",
            Family::Cohere,
            ProviderKind::Cohere,
            "/v2",
            "fake-model-1",
        ),
        case(
            "gemini",
            Family::Gemini,
            ProviderKind::Gemini,
            "/v1beta",
            "fake-model-1",
        ),
    ]
}

/// What one operation against an echoing server left: its error (if it failed), and the JSON
/// a front end would have received (the error, or the generation's events).
struct Seen {
    what: String,
    error: Option<Error>,
    ipc: String,
}

/// Status check, model list and a reply, streamed and not, against `scenario`, through a fresh engine with
/// profile "p" holding `key`. Returns what each operation left; with `problems`, every file under
/// the data dir is checked for `key`, while the engine is open and after it is dropped.
async fn run_family(
    case: &Case,
    scenario: Scenario,
    key: &str,
    mut problems: Option<&mut Vec<String>>,
) -> Vec<Seen> {
    let server = FakeServer::start(FakeOptions {
        family: case.family,
        dialect: case.dialect,
        kobold: case.kobold,
        scenario,
        api_key: Some(key.into()),
        slow_delay: Duration::from_millis(1),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let mut profile = Profile::new(
        "p",
        case.kind,
        format!("{}{}", server.base_url(), case.path),
    );
    profile.model = Some(case.model.into());
    engine.add_profile(profile).await.unwrap();
    engine
        .set_key("p", SecretString::from(key.to_owned()))
        .await
        .unwrap();
    let spec = ConnectionSpec::Profile("p".into());
    let label = format!("{} {scenario}", case.label);
    let mut seen = Vec::new();

    let status = engine.status(&spec).await;
    seen.push(Seen {
        what: format!("{label}: status"),
        ipc: ipc(&status.as_ref().map(|_| ()).map_err(Clone::clone)),
        error: status.err(),
    });
    let models = engine.models(&spec).await;
    seen.push(Seen {
        what: format!("{label}: models"),
        ipc: ipc(&models.as_ref().map(|_| ()).map_err(Clone::clone)),
        error: models.err(),
    });
    for stream in [true, false] {
        let (chat, events) = generate(&engine, &spec, stream).await;
        let failed = events.iter().rev().find_map(|event| match event {
            ChatEvent::Failed { error, .. } => Some(error.clone()),
            _ => None,
        });
        assert!(
            failed.is_some(),
            "{label} stream={stream}: the reply did not fail: {events:?}"
        );
        let stored = engine.messages(&chat).await.unwrap();
        seen.push(Seen {
            what: format!("{label}: reply (stream={stream})"),
            ipc: format!(
                "{}\n{}",
                serde_json::to_string(&events).unwrap(),
                serde_json::to_string(&stored).unwrap()
            ),
            error: failed,
        });
    }

    // The files while the engine has them open, then after it has closed them.
    let mut check_files = |when: &str| {
        let Some(problems) = problems.as_deref_mut() else {
            return;
        };
        let found = files(dir.path());
        assert!(
            found.iter().any(|(path, _)| path.ends_with(".db")),
            "{label}: no database"
        );
        for (path, bytes) in found {
            check_leak(problems, &bytes, key, &format!("{label}: {path} ({when})"));
        }
    };
    check_files("engine open");
    drop(engine);
    check_files("engine closed");
    server.shutdown().await;
    seen
}

fn ipc(result: &Result<(), Error>) -> String {
    serde_json::to_string(result).unwrap()
}

async fn generate(
    engine: &Engine,
    spec: &ConnectionSpec,
    stream: bool,
) -> (switchboard_core::model::ChatId, Vec<ChatEvent>) {
    common::run(
        engine,
        GenerationRequest {
            connection: spec.clone(),
            chat_id: None,
            input: "Hello".into(),
            model: None,
            system_prompt: None,
            params: GenParams::default(),
            stream,
            action: Action::Send,
            attachments: Vec::new(),
        },
    )
    .await
}

/// The words of an error a person (or a front end) sees.
fn words(error: &Error) -> String {
    format!(
        "{}\n{}",
        error.message,
        error.detail.as_deref().unwrap_or_default()
    )
}

/// Whether the error carries the server's quote of a key that was sent.
fn quotes_a_key(error: &Error) -> bool {
    let words = words(error);
    words.contains(ECHO_PREFIX) && !words.contains(ECHO_NOTHING)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echoed_key_is_scrubbed_everywhere_in_every_family() {
    logs();
    let mut problems = Vec::new();
    for case in cases() {
        for &scenario in Scenario::ECHOES {
            let seen = run_family(&case, scenario, KEY, Some(&mut problems)).await;
            let mut quoted = 0;
            for seen in &seen {
                let place = format!("{} (IPC JSON)", seen.what);
                check_leak(&mut problems, seen.ipc.as_bytes(), KEY, &place);
                let Some(error) = &seen.error else { continue };
                check_leak(&mut problems, words(error).as_bytes(), KEY, &seen.what);
                if quotes_a_key(error) {
                    quoted += 1;
                    if !words(error).contains(REDACTED) {
                        problems.push(format!(
                            "{}: the quote is there but not scrubbed: {error:?}",
                            seen.what
                        ));
                    }
                }
            }
            // The scrubbing was seen: the server's words were kept, with the key taken out.
            if quoted == 0 {
                problems.push(format!(
                    "{} {scenario}: no error kept the server's quote: {:?}",
                    case.label,
                    seen.iter().map(|s| &s.error).collect::<Vec<_>>()
                ));
            }
        }
    }
    let logs = logs();
    assert!(logs.contains("TRACE"), "nothing was logged at trace level");
    check_leak(&mut problems, logs.as_bytes(), KEY, "the logs");
    assert_none(&problems);
}

/// A key under 8 characters is too short to scrub without mangling ordinary text: the
/// server's quote keeps it, but no log line shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_key_is_left_in_error_text_but_never_logged() {
    logs();
    for case in cases() {
        let seen = run_family(&case, Scenario::EchoUnauthorized, SHORT_KEY, None).await;
        let kept = seen
            .iter()
            .filter_map(|s| s.error.as_ref())
            .any(|error| words(error).contains(SHORT_KEY));
        assert!(
            kept,
            "{}: the short key was not left in the error text: {:?}",
            case.label,
            seen.iter().map(|s| &s.error).collect::<Vec<_>>()
        );
    }
    let logs = logs();
    for (name, form) in key_forms(SHORT_KEY).into_iter().take(3) {
        let lines: Vec<&str> = logs.lines().filter(|l| l.contains(&form)).collect();
        assert!(
            lines.is_empty(),
            "the short key, {name}, is in the logs:\n{}",
            lines.join("\n")
        );
    }
}
