//! The command line's own files: what it writes is private whatever the umask (the data
//! folder, the database, exports and backups), and what it imports is checked before it is
//! read (a size limit; links inside a folder are skipped and named).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::{finish, Run};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/sillytavern"
);

/// The binary run under `umask 022`, the usual one, under which a plain file would be `0644`.
fn under_umask_022(data: &Path, args: &[&str]) -> Run {
    let program = common::cli(data).get_program().to_owned();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(program)
        .args(args)
        .env("SWITCHBOARD_DATA_DIR", data)
        .env_remove("SWITCHBOARD_IDLE_TIMEOUT");
    let run = finish(command, b"");
    assert_eq!(
        run.code, 0,
        "{args:?}\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    run
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_data_folder_exports_and_backups_are_private_under_umask_022() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let chat = format!("{FIXTURES}/seraphina_swipes.jsonl");
    under_umask_022(&data, &["chats", "import", &chat]);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("sessions")), 0o700);
    assert_eq!(mode(&data.join("switchboard.db")), 0o600);

    let out = root.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for format in ["sillytavern", "markdown", "json"] {
        let path = out.join(format!("chat.{format}"));
        under_umask_022(
            &data,
            &[
                "chats",
                "export",
                "Seraphina — 2024-05-12",
                "--format",
                format,
                "--output",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(mode(&path), 0o600, "{format}");
        assert!(std::fs::metadata(&path).unwrap().len() > 100, "{format}");
    }
    // An existing file written over becomes private too.
    let backup = out.join("backup.json");
    std::fs::write(&backup, "older").unwrap();
    std::fs::set_permissions(&backup, std::fs::Permissions::from_mode(0o644)).unwrap();
    under_umask_022(
        &data,
        &["chats", "backup", "--output", backup.to_str().unwrap()],
    );
    assert_eq!(mode(&backup), 0o600);
    assert!(std::fs::read_to_string(&backup)
        .unwrap()
        .contains("switchboard-backup"));
}

#[test]
fn a_file_over_256_mib_is_refused_before_it_is_read() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    // Sparse: as large as it says, without taking the disk space.
    let huge = root.path().join("huge.jsonl");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(256 * 1024 * 1024 + 1)
        .unwrap();
    let run = common::run(&data, &["chats", "import", huge.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("huge.jsonl: it is 256.0 MiB, larger than the 256 MiB"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Nothing was imported."),
        "{}",
        run.stderr
    );
    let settings = root.path().join("settings.json");
    std::fs::File::create(&settings)
        .unwrap()
        .set_len(300 * 1024 * 1024)
        .unwrap();
    let run = common::run(
        &data,
        &["profile", "import-sillytavern", settings.to_str().unwrap()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("settings.json: it is 300.0 MiB, larger than the 256 MiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn links_inside_an_imported_folder_are_skipped_and_named() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let folder = root.path().join("chats");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(
        format!("{FIXTURES}/no_swipes.jsonl"),
        folder.join("mine.jsonl"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        format!("{FIXTURES}/seraphina_swipes.jsonl"),
        folder.join("linked.jsonl"),
    )
    .unwrap();
    let run = common::run(&data, &["chats", "import", folder.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("linked.jsonl: a symbolic link inside the folder (not followed)."),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("mine.jsonl"), "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("Imported \"").count(),
        1,
        "{}",
        run.stdout
    );
    let list = common::ok(&data, &["chats", "list"]);
    assert!(!list.contains("Seraphina"), "{list}");
    // The same file named by the person is imported.
    common::ok(
        &data,
        &[
            "chats",
            "import",
            folder.join("linked.jsonl").to_str().unwrap(),
        ],
    );
    assert!(common::ok(&data, &["chats", "list"]).contains("Seraphina"));
}
