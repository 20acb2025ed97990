//! Shell completions: `completions bash|zsh|fish` prints a script each shell accepts, and the
//! binary, asked as those scripts ask it (bash: the script itself, sourced in a real bash and
//! its completion function called; zsh and fish: the binary run with the environment and words
//! their scripts pass), lists the subcommands and the profile names and chats of the data
//! directory, which it reads without a keychain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{cli, ok, run};
use tempfile::TempDir;

/// A data directory that holds two profiles and one chat.
fn two_profiles() -> TempDir {
    let data = TempDir::new().unwrap();
    for name in ["alpha", "beta-two"] {
        ok(
            data.path(),
            &[
                "profile",
                "add",
                name,
                "--source",
                "custom",
                "--url",
                "http://127.0.0.1:9",
            ],
        );
    }
    let chat = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/sillytavern/seraphina_swipes.jsonl");
    ok(data.path(), &["chats", "import", chat.to_str().unwrap()]);
    data
}

fn script(shell: &str) -> String {
    let script = ok(Path::new("/nonexistent-data-dir"), &["completions", shell]);
    assert!(script.contains("switchboard-cli"), "{script}");
    script
}

/// The directory holding the binary, for PATH: the scripts call `switchboard-cli` by name.
fn bin_dir() -> std::path::PathBuf {
    let bin = common::cli_bin();
    assert_eq!(bin.file_name().unwrap(), "switchboard-cli");
    bin.parent().unwrap().to_path_buf()
}

fn path_with_bin() -> String {
    format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// What bash offers for `words` (the last one being completed), through the sourced script.
fn bash_offers(script_file: &Path, data: Option<&Path>, words: &[&str]) -> Vec<String> {
    let driver = r#"
source "$1"; shift
completer="$(complete -p switchboard-cli | sed -E 's/.* -F ([^ ]+) .*/\1/')"
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
COMP_TYPE=9
"$completer" switchboard-cli "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let mut command = Command::new("bash");
    command
        .args(["--norc", "--noprofile", "-c", driver, "driver"])
        .arg(script_file)
        .args(words)
        .env("PATH", path_with_bin())
        .env_remove("SWITCHBOARD_DATA_DIR");
    if let Some(data) = data {
        command.env("SWITCHBOARD_DATA_DIR", data);
    } else {
        // No data directory anywhere: the app's default must not be this user's real one.
        command.env("XDG_DATA_HOME", "/nonexistent-data-home");
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// The values offered, options (`--…`) aside.
fn values(offered: Vec<String>) -> Vec<String> {
    offered
        .into_iter()
        .filter(|candidate| !candidate.starts_with('-'))
        .collect()
}

#[test]
fn bash_completes_subcommands_profile_names_and_chats_from_the_data_dir() {
    let data = two_profiles();
    let scratch = TempDir::new().unwrap();
    let script_file = scratch.path().join("switchboard-cli.bash");
    std::fs::write(&script_file, script("bash")).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script_file)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );

    let commands = bash_offers(&script_file, Some(data.path()), &["switchboard-cli", ""]);
    for expected in ["chat", "profile", "completions", "man", "chats"] {
        assert!(commands.iter().any(|c| c == expected), "{commands:?}");
    }
    let status = bash_offers(
        &script_file,
        Some(data.path()),
        &["switchboard-cli", "status", ""],
    );
    assert_eq!(values(status.clone()), ["alpha", "beta-two"]);
    assert!(status.iter().any(|c| c == "--source"), "{status:?}");
    assert_eq!(
        bash_offers(
            &script_file,
            Some(data.path()),
            &["switchboard-cli", "profile", "show", "be"]
        ),
        ["beta-two"]
    );
    let chat_names = bash_offers(
        &script_file,
        Some(data.path()),
        &["switchboard-cli", "chat", ""],
    );
    assert!(chat_names.contains(&"alpha".to_string()), "{chat_names:?}");
    // The data directory named on the line being completed wins.
    let named = bash_offers(
        &script_file,
        None,
        &[
            "switchboard-cli",
            "--data-dir",
            data.path().to_str().unwrap(),
            "key",
            "set",
            "",
        ],
    );
    assert_eq!(values(named), ["alpha", "beta-two"]);
    // Chats: by id (the title beside it where the shell shows help) and by title.
    let list: serde_json::Value =
        serde_json::from_str(&ok(data.path(), &["chats", "list", "--json"])).unwrap();
    let id = list[0]["id"].as_str().unwrap();
    let title = list[0]["title"].as_str().unwrap();
    let chats = bash_offers(
        &script_file,
        Some(data.path()),
        &["switchboard-cli", "chats", "show", ""],
    );
    assert!(chats.iter().any(|c| c == id), "{chats:?}");
    assert!(chats.iter().any(|c| c == title), "{chats:?}");
    // No data directory: no names, no error, and nothing is created.
    let none = bash_offers(&script_file, None, &["switchboard-cli", "status", ""]);
    assert!(values(none.clone()).is_empty(), "{none:?}");
    assert!(!Path::new("/nonexistent-data-home").exists());
}

#[test]
fn zsh_and_fish_scripts_parse_and_their_requests_list_the_profiles() {
    let data = two_profiles();
    let scratch = TempDir::new().unwrap();
    for (shell, file) in [
        ("zsh", "_switchboard-cli"),
        ("fish", "switchboard-cli.fish"),
    ] {
        let path = scratch.path().join(file);
        std::fs::write(&path, script(shell)).unwrap();
        // The shell's own syntax check, where the shell is installed.
        let checked = Command::new(shell).arg("-n").arg(&path).output();
        match checked {
            Ok(output) => assert!(
                output.status.success(),
                "{shell} -n: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(err) => eprintln!("{shell} is not installed ({err}); its syntax check is skipped"),
        }
    }

    // zsh's script runs the binary with the words and the 0-based index of the current one.
    let mut zsh = cli(data.path());
    zsh.env("COMPLETE", "zsh")
        .env("_CLAP_IFS", "\n")
        .env("_CLAP_COMPLETE_INDEX", "2")
        .args(["--", "switchboard-cli", "models", ""]);
    let offered = common::finish(zsh, b"");
    assert_eq!(offered.code, 0, "{}", offered.stderr);
    for name in ["alpha", "beta-two"] {
        assert!(
            offered
                .stdout
                .lines()
                .any(|line| line.split(':').any(|field| field == name)),
            "{name} missing: {}",
            offered.stdout
        );
    }

    // fish's: the words so far, then the current token; a value, a tab and its help per line.
    let mut fish = cli(data.path());
    fish.env("COMPLETE", "fish")
        .args(["--", "switchboard-cli", "test", "a"]);
    let offered = common::finish(fish, b"");
    assert_eq!(offered.code, 0, "{}", offered.stderr);
    assert_eq!(offered.stdout, "alpha\tCustom (OpenAI-compatible)\n");
}

#[test]
fn the_completions_command_names_only_known_shells() {
    let data = TempDir::new().unwrap();
    let wrong = run(data.path(), &["completions", "tcsh"]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("bash, zsh, fish"), "{}", wrong.stderr);
}
