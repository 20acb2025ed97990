//! Vertex AI's service account from the command line: `key set --service-account FILE` and
//! `profile add … --service-account FILE --project P --region R` keep a good key file in the real
//! Secret Service (never printed, never in a file of the data folder), refuse a wrong one saying
//! why, `profile show` and `profile set` show and change the project and region, and such a
//! profile chats with the access token its key is exchanged for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{files, ok, run};
use tempfile::TempDir;

const EMAIL: &str = "switchboard-test@switchboard-test-project.iam.gserviceaccount.com";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/google-service-account")
        .join(name)
}

fn fixture_arg(name: &str) -> String {
    fixture(name).display().to_string()
}

fn private_key_lines() -> Vec<String> {
    let text = std::fs::read_to_string(fixture("test-only-service-account.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    file["private_key"]
        .as_str()
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

fn assert_no_key_in(text: &str) {
    for line in private_key_lines() {
        assert!(!text.contains(&line), "the private key in:\n{text}");
    }
    assert!(!text.contains("PRIVATE KEY"), "{text}");
}

fn assert_key_in_no_file(dir: &Path) {
    for file in files(dir) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for line in private_key_lines() {
            assert!(!text.contains(&line), "the key is in {}", file.display());
        }
    }
}

fn profile_id(data: &Path, name: &str) -> String {
    let conn = rusqlite::Connection::open(data.join("switchboard.db")).unwrap();
    conn.query_row("SELECT id FROM profiles WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .unwrap()
}

/// What the Secret Service holds as a profile's key (asked directly).
fn keychain_key(data: &Path, name: &str) -> String {
    let account = format!("profile:{}:api-key", profile_id(data, name));
    let lookup = Command::new("secret-tool")
        .args(["lookup", "service", "switchboard", "username", &account])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by the test command");
    String::from_utf8_lossy(&lookup.stdout).into_owned()
}

#[test]
fn key_set_keeps_a_good_key_file_in_the_keychain_and_never_prints_it() {
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    ok(data, &["profile", "add", "vx", "--source", "vertexai"]);
    let set = run(
        data,
        &[
            "key",
            "set",
            "vx",
            "--service-account",
            &fixture_arg("test-only-service-account.json"),
        ],
    );
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(set.stderr.contains(EMAIL), "{}", set.stderr);
    assert!(
        set.stderr.contains("project switchboard-test-project"),
        "{}",
        set.stderr
    );
    assert_no_key_in(&format!("{}{}", set.stdout, set.stderr));
    // The keychain holds the file itself (on one line), the data folder none of it.
    let kept: serde_json::Value = serde_json::from_str(&keychain_key(data, "vx")).unwrap();
    assert_eq!(kept["client_email"], EMAIL);
    assert!(kept["private_key"]
        .as_str()
        .unwrap()
        .contains(&private_key_lines()[2]));
    assert_key_in_no_file(data);
    let shown = ok(data, &["profile", "show", "vx"]);
    assert!(
        shown.contains("vertex sign-in:      service account"),
        "{shown}"
    );
    assert!(
        shown.contains("key:                 saved in the keychain"),
        "{shown}"
    );
    assert!(shown.contains("vertex region:       global"), "{shown}");
    assert_no_key_in(&shown);
    let json = ok(data, &["--json", "profile", "show", "vx"]);
    assert!(
        json.contains("\"vertexAuth\": \"serviceAccount\"")
            || json.contains("\"vertexAuth\":\"serviceAccount\""),
        "{json}"
    );
    assert_no_key_in(&json);
}

#[test]
fn key_set_refuses_a_wrong_file_saying_why_and_keeps_nothing() {
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    ok(data, &["profile", "add", "vx", "--source", "vertexai"]);
    let not_json = data.join("notes.txt");
    std::fs::write(&not_json, "just some notes\n").unwrap();
    for (file, why) in [
        (fixture_arg("authorized-user.json"), "authorized_user"),
        (not_json.display().to_string(), "not JSON"),
    ] {
        let set = run(data, &["key", "set", "vx", "--service-account", &file]);
        assert_eq!(set.code, 2, "{file}: {}", set.stderr);
        assert!(set.stderr.contains(why), "{}", set.stderr);
        assert!(set.stderr.contains("Profile \"vx\""), "{}", set.stderr);
    }
    let missing = run(
        data,
        &[
            "key",
            "set",
            "vx",
            "--service-account",
            "/nonexistent/key.json",
        ],
    );
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("could not read /nonexistent/key.json"),
        "{}",
        missing.stderr
    );
    assert_eq!(keychain_key(data, "vx"), "");
    let shown = ok(data, &["profile", "show", "vx"]);
    assert!(shown.contains("key:                 none"), "{shown}");
    assert!(
        shown.contains("vertex sign-in:      API key (express mode)"),
        "{shown}"
    );
    // A service account is Vertex AI's only.
    ok(data, &["profile", "add", "oa", "--source", "openai"]);
    let set = run(
        data,
        &[
            "key",
            "set",
            "oa",
            "--service-account",
            &fixture_arg("test-only-service-account.json"),
        ],
    );
    assert_eq!(set.code, 2, "{}", set.stderr);
    assert!(
        set.stderr.contains("Google Vertex AI only"),
        "{}",
        set.stderr
    );
    assert_no_key_in(&set.stderr);
}

#[test]
fn profile_add_takes_the_key_file_project_and_region_and_profile_set_changes_them() {
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    let added = run(
        data,
        &[
            "profile",
            "add",
            "vx",
            "--source",
            "vertexai",
            "--service-account",
            &fixture_arg("test-only-service-account.json"),
            "--project",
            "my-vertex-project",
            "--region",
            "us-central1",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert!(!added.stdout.contains("key set"), "{}", added.stdout);
    assert_no_key_in(&format!("{}{}", added.stdout, added.stderr));
    let shown = ok(data, &["profile", "show", "vx"]);
    assert!(
        shown.contains("vertex sign-in:      service account"),
        "{shown}"
    );
    assert!(
        shown.contains("vertex project:      my-vertex-project"),
        "{shown}"
    );
    assert!(
        shown.contains("vertex region:       us-central1"),
        "{shown}"
    );
    assert!(
        shown.contains("key:                 saved in the keychain"),
        "{shown}"
    );
    let set = ok(data, &["profile", "set", "vx", "--region", "europe-west4"]);
    assert!(set.contains("vertex region:       europe-west4"), "{set}");
    let shown = ok(data, &["profile", "show", "vx"]);
    assert!(
        shown.contains("vertex region:       europe-west4"),
        "{shown}"
    );
    assert!(
        shown.contains("vertex project:      my-vertex-project"),
        "{shown}"
    );
    assert_key_in_no_file(data);
}

#[test]
fn wrong_vertex_settings_are_refused_and_leave_no_profile() {
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    let bad_project = run(
        data,
        &[
            "profile",
            "add",
            "vx",
            "--source",
            "vertexai",
            "--project",
            "Not_A_Project",
        ],
    );
    assert_eq!(bad_project.code, 2, "{}", bad_project.stderr);
    assert!(
        bad_project.stderr.contains("not a Google Cloud project id"),
        "{}",
        bad_project.stderr
    );
    let other_source = run(
        data,
        &[
            "profile",
            "add",
            "oa",
            "--source",
            "openai",
            "--region",
            "us-central1",
        ],
    );
    assert_eq!(other_source.code, 2, "{}", other_source.stderr);
    assert!(
        other_source.stderr.contains("for vertexai, not openai"),
        "{}",
        other_source.stderr
    );
    // A wrong key file: the profile is not kept either.
    let bad_file = run(
        data,
        &[
            "profile",
            "add",
            "vx",
            "--source",
            "vertexai",
            "--service-account",
            &fixture_arg("authorized-user.json"),
        ],
    );
    assert_eq!(bad_file.code, 2, "{}", bad_file.stderr);
    let listed = ok(data, &["profile", "list"]);
    assert!(!listed.contains("vx"), "{listed}");
    assert!(!listed.contains("oa"), "{listed}");
}

/// A chat through a service account from the command line: the key file's JWT is exchanged at
/// the token endpoint (which verifies its signature), the chat goes to the project's region
/// with `Authorization: Bearer` and never the key, and the dry run shows neither token nor key.
#[test]
fn a_service_account_profile_chats_with_an_access_token() {
    use switchboard_fakes::{
        FakeOptions, FakeTokenEndpoint, Family, TokenEndpointOptions, TokenScenario, REPLY_TEXT,
    };
    let token = "ya29.c.cli-vertex-token";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let key_text = std::fs::read_to_string(fixture("test-only-service-account.json")).unwrap();
    let endpoint = runtime
        .block_on(FakeTokenEndpoint::start(
            0,
            TokenEndpointOptions {
                service_account_json: key_text.clone(),
                expires_in: 3600,
                scenario: TokenScenario::Normal,
                delay: std::time::Duration::ZERO,
                issued_token: Some(token.to_string()),
            },
        ))
        .unwrap();
    let fake = common::Fake::start(FakeOptions {
        family: Family::Gemini,
        api_key: Some(token.into()),
        models: vec!["gemini-2.5-flash".into()],
        ..FakeOptions::default()
    });
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    let key_dir = TempDir::new().unwrap();
    let key_file = key_dir.path().join("service-account.json");
    std::fs::write(&key_file, endpoint.key_file_for(&key_text)).unwrap();
    let url = format!("{}/v1", fake.url());
    let added = run(
        data,
        &[
            "profile",
            "add",
            "vsa",
            "--source",
            "vertexai",
            "--url",
            &url,
            "--model",
            "gemini-2.5-flash",
            "--service-account",
            &key_file.display().to_string(),
            "--project",
            "my-project",
            "--region",
            "us-central1",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert_eq!(ok(data, &["chat", "vsa", "hi"]), format!("{REPLY_TEXT}\n"));
    let sent = fake.server().requests();
    let last = sent.iter().rev().find(|r| r.method == "POST").unwrap();
    assert_eq!(
        last.header("authorization"),
        Some(&*format!("Bearer {token}"))
    );
    assert_eq!(last.header("x-goog-api-key"), None);
    assert_eq!(
        last.path,
        "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:streamGenerateContent"
    );
    assert_eq!(
        endpoint.exchanges(),
        1,
        "refused: {:?}",
        endpoint.refusals()
    );

    let shown = ok(data, &["chat", "vsa", "--dry-run", "hi"]);
    assert!(shown.contains("Bearer <redacted>"), "{shown}");
    assert!(!shown.contains(token), "{shown}");
    assert_no_key_in(&shown);
    assert_key_in_no_file(data);
}
