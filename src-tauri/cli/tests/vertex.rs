//! Vertex AI's service account from the command line: `key set --service-account FILE` and
//! `profile add … --service-account FILE --project P --region R` keep a good key file in the real
//! Secret Service (never printed, never in a file of the data folder), refuse a wrong one saying
//! why, and `profile show` and `profile set` show and change the project and region.
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
