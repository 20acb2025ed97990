//! A Secret Service (`org.freedesktop.secrets`) whose keyring is locked and never unlocks, on
//! the session bus of `DBUS_SESSION_BUS_ADDRESS`: a keychain that waits forever for a person.
//!
//! It answers what a client asks on the way to reading or saving a secret (`OpenSession`,
//! `SearchItems`, `ReadAlias`, a collection's `SearchItems` and `Locked`), says the default
//! collection is locked, and answers `Unlock` with a prompt whose `Completed` signal never
//! comes, so a client waits until it gives up. Prints `ready` once it owns the name. Holds no
//! secrets and must not: every item search finds nothing.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use dbus::arg::{RefArg, Variant};
use dbus::blocking::LocalConnection;
use dbus::channel::{MatchingReceiver, Sender};
use dbus::message::MatchRule;
use dbus::{Message, Path};

const SERVICE: &str = "org.freedesktop.Secret.Service";
const COLLECTION: &str = "org.freedesktop.Secret.Collection";
const PROMPT: &str = "org.freedesktop.Secret.Prompt";
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
const LOGIN: &str = "/org/freedesktop/secrets/collection/login";
const SESSION: &str = "/org/freedesktop/secrets/session/1";
const UNLOCK_PROMPT: &str = "/org/freedesktop/secrets/prompt/1";

fn path(text: &str) -> Path<'static> {
    Path::from(text.to_string())
}

/// The answer to one method call, or an `UnknownMethod` error.
fn answer(call: &Message) -> Message {
    let interface = call.interface().map(|i| i.to_string()).unwrap_or_default();
    let member = call.member().map(|m| m.to_string()).unwrap_or_default();
    match (interface.as_str(), member.as_str()) {
        (SERVICE, "OpenSession") => {
            // Any public key will do: nothing is ever encrypted with it.
            let output: Box<dyn RefArg> = Box::new(vec![2u8; 128]);
            call.method_return().append2(Variant(output), path(SESSION))
        }
        (SERVICE, "SearchItems") => call
            .method_return()
            .append2(Vec::<Path>::new(), Vec::<Path>::new()),
        (SERVICE, "ReadAlias") => call.method_return().append1(path(LOGIN)),
        (SERVICE, "Unlock") | (SERVICE, "Lock") => call
            .method_return()
            .append2(Vec::<Path>::new(), path(UNLOCK_PROMPT)),
        (COLLECTION, "SearchItems") => call.method_return().append1(Vec::<Path>::new()),
        // Shown, and then nothing: the keyring stays locked.
        (PROMPT, "Prompt") | (PROMPT, "Dismiss") => call.method_return(),
        (PROPERTIES, "Get") => {
            let (_, property): (String, String) = call.read2().unwrap_or_default();
            let value: Box<dyn RefArg> = match property.as_str() {
                "Locked" => Box::new(true),
                "Label" => Box::new("Login".to_string()),
                "Collections" => Box::new(vec![path(LOGIN)]),
                "Items" => Box::new(Vec::<Path>::new()),
                _ => Box::new(String::new()),
            };
            call.method_return().append1(Variant(value))
        }
        (PROPERTIES, "GetAll") => {
            let all: HashMap<String, Variant<Box<dyn RefArg>>> = HashMap::from([(
                "Locked".to_string(),
                Variant(Box::new(true) as Box<dyn RefArg>),
            )]);
            call.method_return().append1(all)
        }
        _ => call.error(
            &"org.freedesktop.DBus.Error.UnknownMethod".into(),
            &std::ffi::CString::new(format!("no method {interface}.{member}")).unwrap_or_default(),
        ),
    }
}

fn main() -> ExitCode {
    let connection = match LocalConnection::new_session() {
        Ok(connection) => connection,
        Err(err) => {
            eprintln!("switchboard-fake-keychain: no session bus: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = connection.request_name("org.freedesktop.secrets", false, true, true) {
        eprintln!("switchboard-fake-keychain: cannot own org.freedesktop.secrets: {err}");
        return ExitCode::FAILURE;
    }
    connection.start_receive(
        MatchRule::new_method_call(),
        Box::new(|call, connection| {
            let _ = connection.send(answer(&call));
            true
        }),
    );
    println!("ready");
    loop {
        if let Err(err) = connection.process(Duration::from_secs(60)) {
            eprintln!("switchboard-fake-keychain: the bus went away: {err}");
            return ExitCode::FAILURE;
        }
    }
}
