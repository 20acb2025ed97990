//! "Show in folder" asks the file manager over D-Bus: `org.freedesktop.FileManager1.ShowItems`
//! with the file's `file://` URI, on a private session bus started here, where a stand-in file
//! manager records the call. (With no file manager on the bus the folder is opened instead: the
//! end-to-end test "Export: …" sees that through the recording `xdg-open`.)
#![cfg(all(unix, not(target_os = "macos")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dbus::blocking::Connection;
use dbus::channel::{MatchingReceiver, Sender};
use dbus::message::MatchRule;
use switchboard_lib::reveal::show_in_folder;

#[test]
fn the_file_manager_is_asked_to_show_the_file_itself() {
    let mut daemon = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (package dbus) runs");
    let mut address = String::new();
    BufReader::new(daemon.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    // This test binary holds no other test: the variable is its own.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address.trim());

    let (ready_tx, ready) = mpsc::channel();
    let (call_tx, calls) = mpsc::channel();
    let manager = std::thread::spawn(move || {
        let bus = Connection::new_session().unwrap();
        bus.request_name("org.freedesktop.FileManager1", false, true, false)
            .unwrap();
        bus.start_receive(
            MatchRule::new_method_call(),
            Box::new(move |message, bus| {
                let (uris, startup): (Vec<String>, String) = message.read2().unwrap();
                let member = message.member().map(|m| m.to_string());
                let _ = bus.send(message.method_return());
                let _ = call_tx.send((member, uris, startup));
                true
            }),
        );
        ready_tx.send(()).unwrap();
        let until = Instant::now() + Duration::from_secs(10);
        // Until the test ends the bus (or gives up waiting).
        while Instant::now() < until && bus.process(Duration::from_millis(100)).is_ok() {}
    });
    ready.recv().unwrap();

    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("A chat #1 (2).jsonl");
    std::fs::write(&file, "{}").unwrap();
    show_in_folder(&file).unwrap();
    let (member, uris, startup) = calls.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(member.as_deref(), Some("ShowItems"));
    assert_eq!(
        uris,
        [url::Url::from_file_path(&file).unwrap().to_string()],
        "the file's own URI, escaped"
    );
    assert!(
        uris[0].ends_with("/A%20chat%20%231%20(2).jsonl"),
        "{uris:?}"
    );
    assert_eq!(startup, "");

    let _ = daemon.kill();
    let _ = daemon.wait();
    manager.join().unwrap();
}
