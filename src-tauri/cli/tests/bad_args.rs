//! Every subcommand answers bad arguments with a clear error and never panics: for each
//! argument and option that takes a value, an empty one, a huge one, one that is not UTF-8 and
//! malformed ones (numbers that are not numbers, negative or out of range; profiles, chats,
//! sources and files that do not exist; directories for files; broken JSON on standard input).
//!
//! Each case runs the real binary and checks the exit code (its documented meaning: 1 storage,
//! 2 usage, 3 not configured), a standard error that names what is wrong, no panic, nothing on
//! standard output, and a data directory (and scratch folder) unchanged afterwards. Nothing here
//! needs a server or the keychain: the D-Bus session is taken away, so a refused command that
//! reached the keychain would fail differently.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{dead_port, finish, Run};
use tempfile::TempDir;

/// The "huge" argument: Linux passes at most 128 KiB in one argument (MAX_ARG_STRLEN), so this
/// is as big as an argument gets, and far over every name, URL, model and query limit.
const HUGE: usize = 120_000;

fn huge() -> String {
    "a".repeat(HUGE)
}

/// Two bytes that are not UTF-8.
fn not_utf8() -> OsString {
    OsStr::from_bytes(b"\xff\xfe").to_os_string()
}

/// A path whose last part is not UTF-8 (and does not exist).
fn not_utf8_path(dir: &Path) -> OsString {
    let mut path = dir.as_os_str().to_os_string();
    path.push("/");
    path.push(not_utf8());
    path
}

/// `vec![OsString, ...]` from anything a path or string can be made from.
macro_rules! args {
    ($($arg:expr),* $(,)?) => { vec![$(OsString::from($arg)),*] };
}

/// One bad command line and how it must be answered.
struct Case {
    args: Vec<OsString>,
    stdin: Vec<u8>,
    env: Vec<(OsString, OsString)>,
    code: i32,
    says: Vec<String>,
}

/// A case: `args` must exit with `code` and a standard error containing each of `says`.
fn case(args: Vec<OsString>, code: i32, says: &[&str]) -> Case {
    Case {
        args,
        stdin: Vec::new(),
        env: Vec::new(),
        code,
        says: says.iter().map(|s| (*s).to_string()).collect(),
    }
}

impl Case {
    fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Case {
        self.stdin = bytes.into();
        self
    }

    fn env(mut self, name: impl Into<OsString>, value: impl Into<OsString>) -> Case {
        self.env.push((name.into(), value.into()));
        self
    }
}

/// A data directory with a profile and a chat, and a scratch folder beside it for files.
struct World {
    dir: TempDir,
    data: PathBuf,
    scratch: PathBuf,
    /// `127.0.0.1:PORT` with nothing listening.
    dead: String,
    chat_id: String,
    /// Everything in the data directory and the scratch folder, to compare after each case.
    before: String,
}

const PROFILE: &str = "local";

impl World {
    fn new() -> World {
        let dir = TempDir::new().unwrap();
        let data = dir.path().join("data");
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(scratch.join("empty-folder")).unwrap();
        std::fs::write(scratch.join("words.json"), "hello, not JSON\n").unwrap();
        std::fs::write(scratch.join("binary.jsonl"), b"\xff\xfe\x00\x41").unwrap();
        let mut world = World {
            dead: format!("127.0.0.1:{}", dead_port()),
            dir,
            data,
            scratch,
            chat_id: String::new(),
            before: String::new(),
        };
        let dead = world.dead.clone();
        world.ok(&[
            "profile",
            "add",
            PROFILE,
            "--source",
            "custom",
            "--url",
            &dead,
            "--model",
            "m",
            "--system",
            "Be brief.",
        ]);
        let chat = fixtures().join("no_swipes.jsonl");
        world.ok(&["chats", "import", chat.to_str().unwrap()]);
        let chats: serde_json::Value =
            serde_json::from_str(&world.ok(&["chats", "list", "--json"])).unwrap();
        world.chat_id = chats[0]["id"].as_str().unwrap().to_string();
        world.before = world.snapshot();
        world
    }

    /// The binary, isolated: its own data directory, home and XDG folders, and no D-Bus
    /// session (so no keychain).
    fn cli(&self) -> Command {
        let mut command = common::cli(&self.data);
        let home = self.dir.path().join("home");
        command
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DISPLAY")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE");
        command
    }

    fn run<S: AsRef<OsStr>>(&self, args: &[S], stdin: &[u8]) -> Run {
        let mut command = self.cli();
        command.args(args);
        finish(command, stdin)
    }

    fn ok(&self, args: &[&str]) -> String {
        let result = self.run(args, b"");
        assert_eq!(
            result.code,
            0,
            "{}\nstdout: {}\nstderr: {}",
            label(args),
            result.stdout,
            result.stderr
        );
        result.stdout
    }

    /// Every row of the database's tables and every file name under the data directory and
    /// the scratch folder (the database's own journal files aside).
    fn snapshot(&self) -> String {
        let mut out = String::new();
        let db = rusqlite::Connection::open(self.data.join("switchboard.db")).unwrap();
        for table in ["profiles", "chats", "messages", "swipes", "settings"] {
            let mut statement = db.prepare(&format!("SELECT * FROM {table}")).unwrap();
            let columns = statement.column_count();
            let rows = statement
                .query_map([], |row| {
                    (0..columns)
                        .map(|i| row.get_ref(i).map(|value| format!("{value:?}")))
                        .collect::<Result<Vec<_>, _>>()
                })
                .unwrap();
            for row in rows {
                out.push_str(&format!("{table}: {}\n", row.unwrap().join(" | ")));
            }
        }
        drop(db);
        for root in [&self.data, &self.scratch] {
            for file in files(root) {
                let name = file.to_string_lossy();
                if !(name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with("-journal"))
                {
                    out.push_str(&format!("file: {name}\n"));
                }
            }
        }
        out
    }

    /// Runs `case` and checks every promise about it.
    fn check(&self, case: &Case) {
        let mut command = self.cli();
        command.args(&case.args);
        for (name, value) in &case.env {
            command.env(name, value);
        }
        let result = finish(command, &case.stdin);
        let context = format!(
            "{} (standard input: {} bytes)\nexit code: {}\nstdout: {}\nstderr: {}",
            label(&case.args),
            case.stdin.len(),
            result.code,
            cut(&result.stdout),
            cut(&result.stderr)
        );
        assert_eq!(result.code, case.code, "wrong exit code:\n{context}");
        assert!(!result.stderr.trim().is_empty(), "nothing said:\n{context}");
        for says in &case.says {
            assert!(
                result.stderr.contains(says.as_str()),
                "standard error does not say {says:?}:\n{context}"
            );
        }
        for text in [&result.stdout, &result.stderr] {
            assert!(
                !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
                "a panic:\n{context}"
            );
        }
        assert!(
            result.stdout.is_empty(),
            "a refused command printed on standard output:\n{context}"
        );
        assert!(
            result.stderr.len() < 2500,
            "standard error repeats a huge argument ({} bytes):\n{context}",
            result.stderr.len()
        );
        let after = self.snapshot();
        if after != self.before {
            let before: Vec<&str> = self.before.lines().collect();
            let changed: Vec<&str> = after.lines().filter(|l| !before.contains(l)).collect();
            let gone: Vec<&str> = before
                .iter()
                .copied()
                .filter(|l| !after.lines().any(|a| a == *l))
                .collect();
            panic!(
                "the data directory or the scratch folder changed:\n{context}\nnew: {}\ngone: {}",
                cut(&changed.join("\n")),
                cut(&gone.join("\n"))
            );
        }
    }

    fn check_all(&self, cases: &[Case]) {
        assert!(!cases.is_empty());
        for case in cases {
            self.check(case);
        }
    }

    /// Writes a file into the scratch folder (before the cases, so it counts as unchanged).
    fn write(&mut self, name: &str, contents: &str) -> OsString {
        let path = self.scratch.join(name);
        std::fs::write(&path, contents).unwrap();
        self.before = self.snapshot();
        path.into_os_string()
    }

    fn scratch(&self, name: &str) -> OsString {
        self.scratch.join(name).into_os_string()
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/sillytavern")
}

/// Every file under `dir`, recursively, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            found.push(path);
        }
    }
    found.sort();
    found
}

/// A command line for a message: each argument cut to 60 characters.
fn label<S: AsRef<OsStr>>(args: &[S]) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|arg| {
            let text = arg.as_ref().to_string_lossy();
            if text.chars().count() > 60 {
                format!(
                    "{}…({} chars)",
                    text.chars().take(60).collect::<String>(),
                    text.len()
                )
            } else {
                text.into_owned()
            }
        })
        .collect();
    format!("switchboard-cli {shown:?}")
}

/// `text` for a failure message: at most 3000 characters.
fn cut(text: &str) -> String {
    match text.char_indices().nth(3000) {
        Some((at, _)) => format!("{}… ({} bytes)", &text[..at], text.len()),
        None => text.to_string(),
    }
}

/// What clap says for an empty value.
fn required(arg: &str) -> String {
    format!("a value is required for '{arg}")
}

const NOT_UTF8: &str = "invalid UTF-8";

/// Bad numbers for an option taking a count (`--max-tokens`, `--context-size`, …).
fn bad_counts(base: &[OsString], option: &str, zero_ok: bool) -> Vec<Case> {
    let with = |value: OsString| {
        let mut args = base.to_vec();
        args.push(option.into());
        args.push(value);
        args
    };
    let for_option = format!("for '{option}");
    let mut cases = vec![
        case(with("abc".into()), 2, &[&for_option, "invalid digit"]),
        case(with("-1".into()), 2, &[&for_option, "-1 is not in"]),
        case(
            with("99999999999999999999".into()),
            2,
            &[&for_option, "too large"],
        ),
        case(with("1.5".into()), 2, &[&for_option]),
        case(with("".into()), 2, &[&for_option]),
        case(
            with(huge().into()),
            2,
            &[&for_option, "(120000 characters)"],
        ),
        case(with(not_utf8()), 2, &[NOT_UTF8]),
    ];
    if !zero_ok {
        cases.push(case(with("0".into()), 2, &[&for_option, "0 is not in 1.."]));
    }
    cases
}

/// Bad numbers for a sampler option taking a fraction or another non-negative number.
fn bad_floats(base: &[OsString], option: &str, fraction: bool) -> Vec<Case> {
    let with = |value: &str| {
        let mut args = base.to_vec();
        args.push(option.into());
        args.push(value.into());
        args
    };
    let for_option = format!("for '{option}");
    let mut cases = vec![
        case(with("abc"), 2, &[&for_option, "\"abc\" is not a number"]),
        case(with("-1"), 2, &[&for_option, "-1 is negative"]),
        case(with("NaN"), 2, &[&for_option, "\"NaN\" is not a number"]),
        case(with("inf"), 2, &[&for_option, "\"inf\" is too large"]),
        case(with("1e39"), 2, &[&for_option, "\"1e39\" is too large"]),
        case(with(""), 2, &[&for_option]),
    ];
    if fraction {
        cases.push(case(
            with("99999999999999999999"),
            2,
            &[&for_option, "is more than 1"],
        ));
    }
    let mut args = base.to_vec();
    args.push(option.into());
    args.push(not_utf8());
    cases.push(case(args, 2, &[NOT_UTF8]));
    cases
}

#[test]
fn global_options() {
    let world = World::new();
    let a_file = world.scratch("words.json");
    let mut in_a_file = a_file.clone();
    in_a_file.push("/data");
    let mut cases = vec![
        case(args![], 2, &["Usage: switchboard-cli"]),
        case(
            args!["frobnicate"],
            2,
            &["unrecognized subcommand 'frobnicate'"],
        ),
        case(
            args![not_utf8()],
            2,
            &["unrecognized subcommand '\u{FFFD}\u{FFFD}'"],
        ),
        case(
            args![huge()],
            2,
            &["unrecognized subcommand", "(120000 characters)"],
        ),
        case(
            args!["providers", "groq", "extra"],
            2,
            &["unexpected argument 'extra'"],
        ),
        case(
            args!["--data-dir", "", "profile", "list"],
            2,
            &[&required("--data-dir")],
        ),
        // A data directory that cannot be made is a storage failure, named.
        case(
            args!["--data-dir", &a_file, "profile", "list"],
            1,
            &["Could not create the data directory", "words.json"],
        ),
        case(
            args!["--data-dir", &in_a_file, "chats", "list"],
            1,
            &["Could not create the data directory"],
        ),
        case(
            args![
                "--data-dir",
                not_utf8_path(Path::new(&a_file)),
                "chats",
                "list"
            ],
            1,
            &["Could not create the data directory"],
        ),
        case(
            args!["--data-dir", huge(), "profile", "list"],
            1,
            &["Could not create the data directory"],
        ),
        case(
            args!["--idle-timeout", "18446744073709551616", "providers"],
            2,
            &["for '--idle-timeout", "too large"],
        ),
        case(
            args!["profile", "list", "extra"],
            2,
            &["unexpected argument 'extra'"],
        ),
        case(
            args!["chats", "list", "extra"],
            2,
            &["unexpected argument 'extra'"],
        ),
        case(args!["chats"], 2, &["Usage: switchboard-cli chats"]),
        case(args!["profile"], 2, &["Usage: switchboard-cli profile"]),
        case(args!["key"], 2, &["Usage: switchboard-cli key"]),
        case(
            args!["providers"],
            2,
            &["for '--idle-timeout", "invalid digit"],
        )
        .env("SWITCHBOARD_IDLE_TIMEOUT", "abc"),
        case(
            args!["providers"],
            2,
            &["for '--idle-timeout", "-5 is not in"],
        )
        .env("SWITCHBOARD_IDLE_TIMEOUT", "-5"),
    ];
    cases.extend(
        bad_counts(&[OsString::from("providers")], "--idle-timeout", true)
            .into_iter()
            // 99999999999999999999 seconds does not fit either; 1.5 is not whole.
            .filter(|c| !c.args.iter().any(|a| a == "1.5")),
    );
    world.check_all(&cases);
}

/// `profile add NEW --source custom --url DEAD` and one more option.
fn add(world: &World, more: Vec<OsString>) -> Vec<OsString> {
    let mut args = args![
        "profile",
        "add",
        "new",
        "--source",
        "custom",
        "--url",
        &world.dead
    ];
    args.extend(more);
    args
}

#[test]
fn profile_add() {
    let world = World::new();
    let base = add(&world, vec![]);
    // `profile add new --source custom --url URL`.
    let url = |url: Vec<OsString>| {
        let mut args = args!["profile", "add", "new", "--source", "custom", "--url"];
        args.extend(url);
        args
    };
    let mut stops = args!["profile", "add", "stops", "--source", "custom"];
    for _ in 0..65 {
        stops.extend(args!["--stop", "x"]);
    }
    let mut cases = vec![
        // The name.
        case(
            args!["profile", "add", "", "--source", "custom"],
            2,
            &[&required("<NAME>")],
        ),
        case(
            args!["profile", "add", "   ", "--source", "custom"],
            2,
            &["A profile needs a name."],
        ),
        case(
            args!["profile", "add", huge(), "--source", "custom"],
            2,
            &["The profile name is too long (120000 characters; at most 200)."],
        ),
        case(
            args!["profile", "add", "b".repeat(201), "--source", "custom"],
            2,
            &["at most 200"],
        ),
        case(
            args!["profile", "add", not_utf8(), "--source", "custom"],
            2,
            &[NOT_UTF8],
        ),
        case(
            args!["profile", "add", PROFILE, "--source", "custom"],
            2,
            &["A profile named \"local\" already exists."],
        ),
        case(args!["profile", "add", "x"], 2, &["--source <SOURCE>"]),
        // The source.
        case(
            args!["profile", "add", "new", "--source", ""],
            2,
            &[&required("--source")],
        ),
        case(
            args!["profile", "add", "new", "--source", "gpt"],
            2,
            &["Unknown source \"gpt\"", "openai, claude"],
        ),
        case(
            args!["profile", "add", "new", "--source", huge()],
            2,
            &["Unknown source \"aaa"],
        ),
        case(
            args!["profile", "add", "new", "--source", not_utf8()],
            2,
            &[NOT_UTF8],
        ),
        // The URL.
        case(
            args!["profile", "add", "new", "--source", "custom", "--url", ""],
            2,
            &[&required("--url")],
        ),
        case(
            url(args![huge()]),
            2,
            &["The URL is too long", "at most 2048"],
        ),
        case(url(args![not_utf8()]), 2, &[NOT_UTF8]),
        case(
            url(args!["ftp://example.com"]),
            2,
            &["\"ftp://example.com\" is not an http:// or https:// URL."],
        ),
        case(url(args!["http://"]), 2, &["\"http://\""]),
        case(
            url(args!["http://exa mple.com"]),
            2,
            &["is not a valid URL"],
        ),
        case(
            add(&world, args!["--url", "http://127.0.0.1:1"]),
            2,
            &["'--url <URL>' cannot be used multiple times"],
        ),
        // The model.
        case(
            add(&world, args!["--model", ""]),
            2,
            &[&required("--model")],
        ),
        case(
            add(&world, args!["--model", huge()]),
            2,
            &["The model id is too long (120000 characters; at most 4096)."],
        ),
        case(add(&world, args!["--model", not_utf8()]), 2, &[NOT_UTF8]),
        // Texts.
        case(
            add(&world, args!["--system", ""]),
            2,
            &[&required("--system")],
        ),
        case(add(&world, args!["--system", not_utf8()]), 2, &[NOT_UTF8]),
        case(
            add(&world, args!["--prefill", ""]),
            2,
            &[&required("--prefill")],
        ),
        case(add(&world, args!["--prefill", not_utf8()]), 2, &[NOT_UTF8]),
        case(
            add(&world, args!["--placeholder", ""]),
            2,
            &[&required("--placeholder")],
        ),
        case(
            add(&world, args!["--placeholder", not_utf8()]),
            2,
            &[NOT_UTF8],
        ),
        // Headers.
        case(
            add(&world, args!["--header", ""]),
            2,
            &["for '--header", "is not \"Name: value\""],
        ),
        case(
            add(&world, args!["--header", "no colon"]),
            2,
            &["\"no colon\" is not \"Name: value\""],
        ),
        case(
            add(&world, args!["--header", ": v"]),
            2,
            &["has no header name"],
        ),
        case(
            add(&world, args!["--header", "X Bad: v"]),
            2,
            &["the header name \"X Bad\" contains a space"],
        ),
        case(
            add(&world, args!["--header", "X-Bad: a\r\nInjected: b"]),
            2,
            &["the value of header \"X-Bad\" contains a line break"],
        ),
        case(
            add(&world, args!["--header", huge()]),
            2,
            &["is not \"Name: value\"", "(120000 characters)"],
        ),
        case(
            add(&world, args!["--header", format!("X-Big: {}", huge())]),
            2,
            &["The header value is too long"],
        ),
        case(
            add(&world, args!["--header", format!("{}: v", huge())]),
            2,
            &["The header name is too long"],
        ),
        case(add(&world, args!["--header", not_utf8()]), 2, &[NOT_UTF8]),
        // Choices.
        case(
            add(&world, args!["--post-processing", ""]),
            2,
            &["for '--post-processing"],
        ),
        case(
            add(&world, args!["--post-processing", "loose"]),
            2,
            &[
                "for '--post-processing",
                "none, merge, semi-strict, strict or single",
            ],
        ),
        case(
            add(&world, args!["--post-processing", not_utf8()]),
            2,
            &[NOT_UTF8],
        ),
        case(
            add(&world, args!["--api", ""]),
            2,
            &["for '--api", "is not chat or text"],
        ),
        case(
            add(&world, args!["--api", "soap"]),
            2,
            &["\"soap\" is not chat or text"],
        ),
        case(add(&world, args!["--api", not_utf8()]), 2, &[NOT_UTF8]),
        case(
            args!["profile", "add", "new", "--source", "openai", "--api", "text"],
            2,
            &["OpenAI does not serve the text completion API."],
        ),
        case(
            add(&world, args!["--template", ""]),
            2,
            &["for '--template"],
        ),
        case(
            add(&world, args!["--template", "fancy"]),
            2,
            &["\"fancy\" is not one of chatml"],
        ),
        case(add(&world, args!["--template", not_utf8()]), 2, &[NOT_UTF8]),
        // Stop strings.
        case(add(&world, args!["--stop", ""]), 2, &[&required("--stop")]),
        case(
            add(&world, args!["--stop", huge()]),
            2,
            &["The stop string is too long (120000 characters; at most 1000)."],
        ),
        case(add(&world, args!["--stop", not_utf8()]), 2, &[NOT_UTF8]),
        case(stops, 2, &["too many stop strings (65; at most 64)"]),
    ];
    for option in ["--max-tokens", "--context-size"] {
        cases.extend(bad_counts(&base, option, false));
    }
    for option in ["--top-k", "--repetition-penalty-range", "--seed"] {
        cases.extend(bad_counts(&base, option, true));
    }
    for option in ["--temperature", "--repetition-penalty"] {
        cases.extend(bad_floats(&base, option, false));
    }
    for option in ["--top-p", "--min-p", "--typical-p", "--tfs", "--top-a"] {
        cases.extend(bad_floats(&base, option, true));
    }
    world.check_all(&cases);
}

#[test]
fn profile_show_rm_and_import_sillytavern() {
    let mut world = World::new();
    let settings = fixtures().join("settings.json");
    let bad_key = world.write(
        "secrets-bad-key.json",
        r#"{"api_key_custom": "custom-key\nsecond line", "api_key_openai": "sk-fine"}"#,
    );
    let not_settings = world.scratch("words.json");
    let binary = world.scratch("binary.jsonl");
    let missing = world.scratch("missing.json");
    let folder = world.scratch.clone().into_os_string();
    let mut cases = Vec::new();
    for command in ["show", "rm"] {
        cases.extend([
            case(args!["profile", command], 2, &["<NAME>"]),
            case(args!["profile", command, ""], 2, &[&required("<NAME>")]),
            case(args!["profile", command, not_utf8()], 2, &[NOT_UTF8]),
            // A profile that does not exist: "not configured", named.
            case(
                args!["profile", command, "nobody"],
                3,
                &["There is no profile named \"nobody\"."],
            ),
            case(
                args!["profile", command, huge()],
                3,
                &["There is no profile named \"aaa"],
            ),
            case(
                args!["profile", command, PROFILE, "extra"],
                2,
                &["unexpected argument"],
            ),
        ]);
    }
    let import = |more: Vec<OsString>| {
        let mut args = args!["profile", "import-sillytavern"];
        args.extend(more);
        args
    };
    cases.extend([
        case(import(args![]), 2, &["<SETTINGS>"]),
        case(import(args![""]), 2, &[&required("<SETTINGS>")]),
        case(
            import(args![&missing]),
            2,
            &["cannot read", "missing.json", "No such file"],
        ),
        case(
            import(args![&folder]),
            2,
            &["cannot read", "scratch", "directory"],
        ),
        case(
            import(args![not_utf8_path(&world.scratch)]),
            2,
            &["cannot read", "scratch/\u{FFFD}\u{FFFD}", "No such file"],
        ),
        case(
            import(args![huge()]),
            2,
            &["cannot read aaa", "(120000 characters)"],
        ),
        case(
            import(args![&binary]),
            2,
            &["cannot read", "binary.jsonl", "UTF-8"],
        ),
        case(
            import(args![&not_settings]),
            2,
            &["not SillyTavern's settings.json", "not valid JSON"],
        ),
        case(
            import(args![&settings, "--secrets", ""]),
            2,
            &[&required("--secrets")],
        ),
        case(
            import(args![&settings, "--secrets", &missing]),
            2,
            &["cannot read", "missing.json"],
        ),
        case(
            import(args![&settings, "--secrets", &folder]),
            2,
            &["cannot read", "scratch"],
        ),
        case(
            import(args![&settings, "--secrets", not_utf8_path(&world.scratch)]),
            2,
            &["cannot read", "\u{FFFD}"],
        ),
        case(
            import(args![&settings, "--with-keys"]),
            2,
            &["--secrets <FILE>"],
        ),
        // A key the keychain would refuse stops the import before any profile is saved.
        case(
            import(args![&settings, "--secrets", &bad_key, "--with-keys"]),
            2,
            &["\"api_key_custom\"", "line break", "nothing was imported"],
        ),
    ]);
    world.check_all(&cases);
}

#[test]
fn key_set_and_clear() {
    let world = World::new();
    let mut cases = Vec::new();
    for command in ["set", "clear"] {
        cases.extend([
            case(args!["key", command], 2, &["<NAME>"]),
            case(args!["key", command, ""], 2, &[&required("<NAME>")]),
            case(args!["key", command, not_utf8()], 2, &[NOT_UTF8]),
            case(
                args!["key", command, "nobody"],
                3,
                &["There is no profile named \"nobody\"."],
            )
            .stdin("sk-not-asked-for"),
            case(
                args!["key", command, huge()],
                3,
                &["There is no profile named \"aaa"],
            ),
        ]);
    }
    // Keys from standard input that the keychain never sees.
    let set = args!["key", "set", PROFILE];
    cases.extend([
        case(set.clone(), 2, &["no key on standard input."]),
        case(set.clone(), 2, &["no key on standard input."]).stdin(" \n\t\n"),
        case(set.clone(), 2, &["The API key contains a line break"]).stdin("sk-one\nsk-two\n"),
        case(set.clone(), 2, &["The API key contains a line break"]).stdin("sk-\u{7}bell"),
        case(
            set.clone(),
            2,
            &["The API key is too long", "at most 16.0 KB"],
        )
        .stdin("k".repeat(20 * 1024)),
        case(set.clone(), 2, &["The API key is too long"]).stdin("k".repeat(5 * 1024 * 1024)),
        case(
            set.clone(),
            2,
            &["could not read the key from standard input", "UTF-8"],
        )
        .stdin(&b"sk-\xff\xfe"[..]),
    ]);
    world.check_all(&cases);
}

#[test]
fn status_models_and_test() {
    let world = World::new();
    let dead = world.dead.as_str();
    let mut cases = Vec::new();
    for command in ["status", "models", "test"] {
        let adhoc = |more: Vec<OsString>| {
            let mut args = args![command, "--source", "custom", "--url", dead];
            args.extend(more);
            args
        };
        cases.extend([
            case(args![command], 2, &["<NAME>"]),
            case(args![command, ""], 2, &[&required("[NAME]")]),
            case(args![command, not_utf8()], 2, &[NOT_UTF8]),
            case(
                args![command, "nobody"],
                3,
                &["There is no profile named \"nobody\"."],
            ),
            case(
                args![command, huge()],
                3,
                &["There is no profile named \"aaa"],
            ),
            case(
                args![command, PROFILE, "--source", "custom"],
                2,
                &["cannot be used with"],
            ),
            case(
                args![command, PROFILE, "--url", dead],
                2,
                &["--url and --key-env go with --source"],
            ),
            case(
                args![command, PROFILE, "--key-env", "SOME_KEY"],
                2,
                &["--url and --key-env go with --source"],
            ),
            case(args![command, "--source", ""], 2, &[&required("--source")]),
            case(
                args![command, "--source", "gpt"],
                2,
                &["Unknown source \"gpt\""],
            ),
            case(
                args![command, "--source", huge()],
                2,
                &["Unknown source \"aaa"],
            ),
            case(args![command, "--source", not_utf8()], 2, &[NOT_UTF8]),
            case(
                args![command, "--source", "custom", "--url", ""],
                2,
                &[&required("--url")],
            ),
            case(
                args![command, "--source", "custom", "--url", huge()],
                2,
                &["The URL is too long", "at most 2048"],
            ),
            case(
                args![command, "--source", "custom", "--url", not_utf8()],
                2,
                &[NOT_UTF8],
            ),
            case(
                args![command, "--source", "custom", "--url", "ftp://example.com"],
                2,
                &["is not an http:// or https:// URL"],
            ),
            case(adhoc(args!["--key-env", ""]), 2, &[&required("--key-env")]),
            case(adhoc(args!["--key-env", not_utf8()]), 2, &[NOT_UTF8]),
            case(
                adhoc(args!["--key-env", "KEY=sk-abc"]),
                2,
                &["--key-env takes the name of an environment variable"],
            ),
            // The variable itself: unset, empty, broken or huge is "not configured", named.
            case(
                adhoc(args!["--key-env", "SWITCHBOARD_TEST_NEVER_SET"]),
                3,
                &["The environment variable SWITCHBOARD_TEST_NEVER_SET (--key-env) is not set."],
            ),
            case(
                adhoc(args!["--key-env", huge()]),
                3,
                &["(--key-env) is not set."],
            ),
            case(
                adhoc(args!["--key-env", "SWITCHBOARD_TEST_KEY"]),
                3,
                &["SWITCHBOARD_TEST_KEY (--key-env) is empty."],
            )
            .env("SWITCHBOARD_TEST_KEY", "  \n"),
            case(
                adhoc(args!["--key-env", "SWITCHBOARD_TEST_KEY"]),
                3,
                &["SWITCHBOARD_TEST_KEY (--key-env) contains a line break"],
            )
            .env("SWITCHBOARD_TEST_KEY", "sk-one\nsk-two"),
            case(
                adhoc(args!["--key-env", "SWITCHBOARD_TEST_KEY"]),
                3,
                &["SWITCHBOARD_TEST_KEY (--key-env) is too long"],
            )
            .env("SWITCHBOARD_TEST_KEY", "k".repeat(20 * 1024)),
            case(
                adhoc(args!["--key-env", "SWITCHBOARD_TEST_KEY"]),
                3,
                &["SWITCHBOARD_TEST_KEY (--key-env) is not UTF-8 text."],
            )
            .env("SWITCHBOARD_TEST_KEY", OsStr::from_bytes(b"sk-\xff")),
        ]);
    }
    cases.extend([
        case(
            args!["test", PROFILE, "--model", ""],
            2,
            &[&required("--model")],
        ),
        case(
            args!["test", PROFILE, "--model", huge()],
            2,
            &["The model id is too long (120000 characters; at most 4096)."],
        ),
        case(
            args![
                "test",
                "--source",
                "custom",
                "--url",
                dead,
                "--model",
                "m".repeat(4097)
            ],
            2,
            &["The model id is too long (4097 characters; at most 4096)."],
        ),
        case(
            args!["test", PROFILE, "--model", not_utf8()],
            2,
            &[NOT_UTF8],
        ),
    ]);
    world.check_all(&cases);
}

#[test]
fn chat() {
    let world = World::new();
    let dead = world.dead.as_str();
    let chat = |more: Vec<OsString>| {
        let mut args = args!["chat", PROFILE, "hello"];
        args.extend(more);
        args
    };
    let base = chat(vec![]);
    let mut cases = vec![
        case(
            args!["chat"],
            2,
            &["give a profile NAME (and a MESSAGE), or --source for an ad-hoc connection."],
        ),
        // A NAME alone with nothing piped in (and no terminal for a conversation).
        case(
            args!["chat", "hello"],
            2,
            &["no message: give a MESSAGE, pipe one in, or run this in a terminal for a conversation."],
        ),
        case(
            args!["chat", "", "hello"],
            2,
            &["the profile name is empty."],
        ),
        case(args!["chat", PROFILE, ""], 2, &["the message is empty."]),
        case(
            args!["chat", PROFILE, " \n\t"],
            2,
            &["the message is empty."],
        ),
        case(
            args!["chat", PROFILE, "hello", "again"],
            2,
            &["unexpected argument 'again'"],
        ),
        case(
            args!["chat", "nobody", "hello"],
            3,
            &["There is no profile named \"nobody\"."],
        ),
        case(
            args!["chat", huge(), "hello"],
            3,
            &["There is no profile named \"aaa"],
        ),
        case(args!["chat", not_utf8(), "hello"], 2, &[NOT_UTF8]),
        case(args!["chat", PROFILE, not_utf8()], 2, &[NOT_UTF8]),
        // The chat to continue.
        case(chat(args!["--chat", ""]), 2, &[&required("--chat")]),
        case(
            chat(args!["--chat", "no-such-chat"]),
            2,
            &["There is no chat \"no-such-chat\": give its title, its id, or at least 4 characters from the start of its id"],
        ),
        case(
            chat(args!["--chat", "no-such-chat", "--dry-run"]),
            2,
            &["There is no chat \"no-such-chat\""],
        ),
        case(
            chat(args!["--chat", huge()]),
            2,
            &["There is no chat \"aaa"],
        ),
        case(chat(args!["--chat", not_utf8()]), 2, &[NOT_UTF8]),
        // Model and system prompt.
        case(chat(args!["--model", ""]), 2, &[&required("--model")]),
        case(
            chat(args!["--model", huge()]),
            2,
            &["The model id is too long (120000 characters; at most 4096)."],
        ),
        case(chat(args!["--model", not_utf8()]), 2, &[NOT_UTF8]),
        case(chat(args!["--system", not_utf8()]), 2, &[NOT_UTF8]),
        // Ad hoc.
        case(
            args!["chat", "--source", "", "hello"],
            2,
            &[&required("--source")],
        ),
        case(
            args!["chat", "--source", "gpt", "hello"],
            2,
            &["Unknown source \"gpt\""],
        ),
        case(
            args!["chat", "--source", huge(), "hello"],
            2,
            &["Unknown source \"aaa"],
        ),
        case(
            args!["chat", "--source", not_utf8(), "hello"],
            2,
            &[NOT_UTF8],
        ),
        case(
            args!["chat", "--source", "custom", "--url", dead, PROFILE, "hello"],
            2,
            &["with --source give only the MESSAGE, not a profile name."],
        ),
        case(
            args!["chat", "--url", dead, "hello"],
            2,
            &["--source <SOURCE>"],
        ),
        case(
            args!["chat", "--source", "custom", "--url", "", "hello"],
            2,
            &[&required("--url")],
        ),
        case(
            args!["chat", "--source", "custom", "--url", huge(), "hello"],
            2,
            &["The URL is too long"],
        ),
        case(
            args![
                "chat",
                "--source",
                "custom",
                "--url",
                "ftp://example.com",
                "hello"
            ],
            2,
            &["is not an http:// or https:// URL"],
        ),
        case(
            args![
                "chat",
                "--source",
                "custom",
                "--url",
                dead,
                "--key-env",
                "",
                "hello"
            ],
            2,
            &[&required("--key-env")],
        ),
        case(
            args![
                "chat",
                "--source",
                "custom",
                "--url",
                dead,
                "--key-env",
                "NO_SUCH_VAR_X",
                "hi"
            ],
            3,
            &["The environment variable NO_SUCH_VAR_X (--key-env) is not set."],
        ),
    ];
    cases.extend(bad_counts(&base, "--max-tokens", false));
    cases.extend(bad_floats(&base, "--temperature", false));
    world.check_all(&cases);
}

#[test]
fn prompt() {
    let world = World::new();
    let strict = args!["prompt", "--post-processing", "strict"];
    let with = |more: Vec<OsString>| {
        let mut args = strict.clone();
        args.extend(more);
        args
    };
    let must = "standard input must be a JSON array of messages";
    let deep = "[".repeat(100_000);
    let cases = vec![
        case(args!["prompt"], 2, &["--post-processing <MODE>"]).stdin("[]"),
        case(
            args!["prompt", "--post-processing", ""],
            2,
            &["for '--post-processing"],
        ),
        case(
            args!["prompt", "--post-processing", "loose"],
            2,
            &["unknown post-processing mode \"loose\""],
        ),
        case(
            args!["prompt", "--post-processing", huge()],
            2,
            &["(120000 characters)"],
        ),
        case(
            args!["prompt", "--post-processing", not_utf8()],
            2,
            &[NOT_UTF8],
        ),
        case(
            with(args!["--placeholder", ""]),
            2,
            &[&required("--placeholder")],
        )
        .stdin("[]"),
        case(with(args!["--placeholder", not_utf8()]), 2, &[NOT_UTF8]),
        case(with(args!["--char-name", not_utf8()]), 2, &[NOT_UTF8]),
        case(with(args!["--user-name", not_utf8()]), 2, &[NOT_UTF8]),
        // Standard input.
        case(strict.clone(), 2, &[must, "EOF while parsing"]),
        case(strict.clone(), 2, &[must, "EOF while parsing"]).stdin("{"),
        case(strict.clone(), 2, &[must, "EOF while parsing"]).stdin("[{\"role\": \"user\""),
        case(
            strict.clone(),
            2,
            &[must, "expected a JSON array of messages, found an object"],
        )
        .stdin(r#"{"role": "user", "content": "hi"}"#),
        case(
            strict.clone(),
            2,
            &[must, "message 1: unknown role \"wizard\""],
        )
        .stdin(r#"[{"role": "wizard", "content": "hi"}]"#),
        case(strict.clone(), 2, &[must, "message 2: no \"role\""])
            .stdin(r#"[{"role": "user"}, {"content": "x"}]"#),
        case(
            strict.clone(),
            2,
            &[
                must,
                "message 1: \"content\" is neither text, null nor a list of parts (found a number)",
            ],
        )
        .stdin(r#"[{"role": "user", "content": 5}]"#),
        case(
            strict.clone(),
            2,
            &[must, "message 1: content part 2 is not an object"],
        )
        .stdin(r#"[{"role": "user", "content": [{"type": "text", "text": "a"}, 7]}]"#),
        case(strict.clone(), 2, &[must, "trailing characters"]).stdin("[] []"),
        case(strict.clone(), 2, &[must, "line 1 column"]).stdin(deep),
        case(
            strict.clone(),
            2,
            &["could not read standard input", "UTF-8"],
        )
        .stdin(&b"[{\"role\": \"user\", \"content\": \"\xff\xfe\"}]"[..]),
    ];
    world.check_all(&cases);
}

#[test]
fn detect() {
    let world = World::new();
    let many: Vec<String> = (1..=300).map(|port| port.to_string()).collect();
    let cases = vec![
        case(
            args!["detect", "--ports", ""],
            2,
            &["for '--ports", "empty string"],
        ),
        case(
            args!["detect", "--ports", "http"],
            2,
            &["for '--ports", "invalid digit"],
        ),
        case(
            args!["detect", "--ports", "-1"],
            2,
            &["for '--ports", "-1 is not in 1..=65535"],
        ),
        case(
            args!["detect", "--ports", "0"],
            2,
            &["for '--ports", "0 is not in 1..=65535"],
        ),
        case(
            args!["detect", "--ports", "70000"],
            2,
            &["for '--ports", "70000 is not in 1..=65535"],
        ),
        case(
            args!["detect", "--ports", "99999999999999999999"],
            2,
            &["for '--ports", "too large"],
        ),
        case(
            args!["detect", "--ports", "5001,,5002"],
            2,
            &["for '--ports", "empty string"],
        ),
        case(
            args!["detect", "--ports", huge()],
            2,
            &["for '--ports", "(120000 characters)"],
        ),
        case(args!["detect", "--ports", not_utf8()], 2, &[NOT_UTF8]),
        case(
            args!["detect", "--ports", many.join(",")],
            2,
            &["--ports takes at most 256 ports (300 given)."],
        ),
        case(
            args!["detect", "extra"],
            2,
            &["unexpected argument 'extra'"],
        ),
    ];
    world.check_all(&cases);
}

#[test]
fn chats() {
    let world = World::new();
    let id = world.chat_id.as_str();
    let folder = world.scratch.clone().into_os_string();
    let missing = world
        .scratch
        .join("no/such/folder/out.jsonl")
        .into_os_string();
    let in_missing = {
        let mut path = world.scratch.join("no").into_os_string();
        path.push("/");
        path.push(not_utf8());
        path.push("/out.jsonl");
        path
    };
    let mut cases = Vec::new();
    for command in ["show", "export"] {
        cases.extend([
            case(args!["chats", command], 2, &["<CHAT>"]),
            case(args!["chats", command, ""], 2, &[&required("<CHAT>")]),
            case(args!["chats", command, not_utf8()], 2, &[NOT_UTF8]),
            case(
                args!["chats", command, "no such chat"],
                2,
                &["There is no chat \"no such chat\": give its title, its id, or at least 4 characters from the start of its id"],
            ),
            case(
                args!["chats", command, huge()],
                2,
                &["There is no chat \"aaa"],
            ),
        ]);
    }
    cases.extend([
        case(
            args!["chats", "export", id, "--format", ""],
            2,
            &["for '--format"],
        ),
        case(
            args!["chats", "export", id, "--format", "xml"],
            2,
            &[
                "invalid value 'xml' for '--format",
                "sillytavern, markdown, json",
            ],
        ),
        // A choice from a list names the list rather than the encoding.
        case(
            args!["chats", "export", id, "--format", not_utf8()],
            2,
            &["for '--format", "sillytavern, markdown, json"],
        ),
    ]);
    for command in [args!["chats", "export", id], args!["chats", "backup"]] {
        let with = |more: Vec<OsString>| {
            let mut args = command.clone();
            args.extend(more);
            args
        };
        cases.extend([
            case(with(args!["--output", ""]), 2, &[&required("--output")]),
            case(
                with(args!["--output", &folder]),
                2,
                &["Could not write", "scratch", "directory"],
            ),
            case(
                with(args!["--output", &missing]),
                2,
                &[
                    "Could not write",
                    "no/such/folder/out.jsonl",
                    "No such file",
                ],
            ),
            case(
                with(args!["--output", &in_missing]),
                2,
                &["Could not write", "\u{FFFD}\u{FFFD}/out.jsonl"],
            ),
            case(
                with(args!["--output", huge()]),
                2,
                &["Could not write aaa", "(120000 characters)"],
            ),
        ]);
    }
    cases.extend([
        case(args!["chats", "search"], 2, &["<TEXT>"]),
        case(args!["chats", "search", ""], 2, &[&required("<TEXT>")]),
        case(
            args!["chats", "search", "  "],
            2,
            &["the search text is blank"],
        ),
        case(
            args!["chats", "search", huge()],
            2,
            &["The search is too long (120000 characters; at most 500)."],
        ),
        case(
            args!["chats", "search", "é".repeat(501)],
            2,
            &["(501 characters; at most 500)"],
        ),
        case(args!["chats", "search", not_utf8()], 2, &[NOT_UTF8]),
        // Import: nothing readable is a usage mistake naming each file.
        case(args!["chats", "import"], 2, &["<PATHS>"]),
        case(args!["chats", "import", ""], 2, &[&required("<PATHS>")]),
        case(
            args!["chats", "import", world.scratch("missing.jsonl")],
            2,
            &[
                "missing.jsonl: cannot read it",
                "No such file",
                "Nothing was imported.",
            ],
        ),
        case(
            args!["chats", "import", not_utf8_path(&world.scratch)],
            2,
            &[
                "scratch/\u{FFFD}\u{FFFD}: cannot read it",
                "Nothing was imported.",
            ],
        ),
        case(
            args!["chats", "import", huge()],
            2,
            &[
                "Could not import aaa",
                "(120000 characters): cannot read it",
            ],
        ),
        case(
            args!["chats", "import", world.scratch("empty-folder")],
            2,
            &[
                "empty-folder: the folder has no .jsonl or .json files",
                "Nothing was imported.",
            ],
        ),
        case(
            args!["chats", "import", world.scratch("words.json")],
            2,
            &[
                "Could not import",
                "words.json: Line 1",
                "Nothing was imported.",
            ],
        ),
        case(
            args!["chats", "import", world.scratch("binary.jsonl")],
            2,
            &[
                "binary.jsonl: it is not UTF-8 text",
                "Nothing was imported.",
            ],
        ),
    ]);
    world.check_all(&cases);
}

/// The edges that are not mistakes: what the limits let through is taken, and sends nothing
/// that was not asked for.
#[test]
fn the_largest_accepted_arguments_work() {
    let world = World::new();
    // A message as long as an argument can be (a dry run saves nothing).
    let message = "m".repeat(HUGE);
    let dry = world.run(&["chat", PROFILE, &message, "--dry-run"], b"");
    assert_eq!(dry.code, 0, "{}", cut(&dry.stderr));
    let wire: serde_json::Value = serde_json::from_str(&dry.stdout).unwrap();
    let messages = wire["body"]["messages"].as_array().unwrap();
    assert_eq!(
        messages.last().unwrap()["content"].as_str().unwrap().len(),
        HUGE
    );
    // An empty --system for one chat sends no system prompt, not the profile's.
    assert_eq!(messages[0]["role"], "system");
    let dry = world.run(&["chat", PROFILE, "hi", "--system", "", "--dry-run"], b"");
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let wire: serde_json::Value = serde_json::from_str(&dry.stdout).unwrap();
    let roles: Vec<&str> = wire["body"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user"]);
    // --chat takes the title as well as the id.
    let chats: serde_json::Value =
        serde_json::from_str(&world.ok(&["chats", "list", "--json"])).unwrap();
    let title = chats[0]["title"].as_str().unwrap();
    let dry = world.run(
        &["chat", PROFILE, "more", "--chat", title, "--dry-run"],
        b"",
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout.contains("How do I reverse a list in Python?"),
        "{}",
        dry.stdout
    );
    assert_eq!(world.snapshot(), world.before, "a dry run saved something");

    // The largest idle timeout is taken (and a dead server still answers "network", 5).
    let status = world.run(
        &["--idle-timeout", &i64::MAX.to_string(), "status", PROFILE],
        b"",
    );
    assert_eq!(status.code, 5, "{}", status.stderr);
    assert!(
        status.stderr.contains("Is the server running"),
        "{}",
        status.stderr
    );

    // prompt has no limit of its own: 5 MiB of messages go through.
    let big = "p".repeat(5 * 1024 * 1024);
    let input = serde_json::json!([{"role": "user", "content": big}]).to_string();
    let prompt = world.run(&["prompt", "--post-processing", "strict"], input.as_bytes());
    assert_eq!(prompt.code, 0, "{}", cut(&prompt.stderr));
    let out: serde_json::Value = serde_json::from_str(&prompt.stdout).unwrap();
    assert_eq!(out[0]["content"].as_str().unwrap().len(), big.len());

    // Sampler edges: zero is zero (also written -0), a probability of 1 is fine.
    let added = world.ok(&[
        "profile",
        "add",
        "edges",
        "--source",
        "custom",
        "--temperature",
        "-0",
        "--top-p",
        "1",
        "--top-k",
        "0",
        "--system",
        &message,
        "--json",
    ]);
    let added: serde_json::Value = serde_json::from_str(&added).unwrap();
    assert_eq!(added["params"]["temperature"], 0.0);
    assert!(!added["params"]["temperature"]
        .as_f64()
        .unwrap()
        .is_sign_negative());
    assert_eq!(added["params"]["topP"], 1.0);
    assert_eq!(added["systemPrompt"].as_str().unwrap().len(), HUGE);
}

/// Linux refuses to start a program with an argument over 128 KiB, so the CLI is never handed
/// a message over the core's 4 MiB limit; the core's own tests cover that limit.
#[cfg(target_os = "linux")]
#[test]
fn an_argument_over_the_text_limit_cannot_reach_the_cli() {
    let world = World::new();
    let over = "m".repeat(4 * 1024 * 1024 + 1);
    let err = world
        .cli()
        .args(["chat", PROFILE, &over])
        .output()
        .unwrap_err();
    // E2BIG.
    assert_eq!(err.raw_os_error(), Some(7), "{err}");
}
