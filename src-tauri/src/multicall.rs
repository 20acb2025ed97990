//! Whether this process is the desktop app or the command line: the app's binary is also
//! `switchboard-cli` when started under that name (a link to it) or with [`CLI_FLAG`] first
//! (what the .deb's `/usr/bin/switchboard-cli` script runs), so that the package carries one
//! copy of the core instead of two.
//!
//! Decided from the arguments alone, before anything else runs: it must not initialise GTK,
//! the window, the tray, logging or the single-instance handover, which the command line
//! never needs.

use std::ffi::OsString;
use std::path::Path;

/// The first argument that makes the app's binary the command line.
pub const CLI_FLAG: &str = "--cli";

/// The command line's program name.
const CLI_NAME: &str = "switchboard-cli";

/// The command line to give `switchboard_cli::run` (program name first) when `args` (as from
/// `std::env::args_os()`) ask for the command line, else `None` (the app).
pub fn cli_args(mut args: Vec<OsString>) -> Option<Vec<OsString>> {
    let program = args.first()?;
    let called_as_cli = Path::new(program)
        .file_name()
        .is_some_and(|name| name == CLI_NAME);
    if called_as_cli {
        return Some(args);
    }
    if args.get(1).is_some_and(|first| first == CLI_FLAG) {
        args.splice(0..2, [OsString::from(CLI_NAME)]);
        return Some(args);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_app_by_its_own_name_is_the_app() {
        assert_eq!(cli_args(os(&["/usr/bin/switchboard"])), None);
        assert_eq!(cli_args(os(&["switchboard", "profile", "list"])), None);
        // --cli anywhere but first is not the switch.
        assert_eq!(cli_args(os(&["switchboard", "x", "--cli"])), None);
        assert_eq!(cli_args(Vec::new()), None);
    }

    #[test]
    fn the_flag_first_makes_it_the_command_line_without_the_flag() {
        assert_eq!(
            cli_args(os(&[
                "/usr/bin/switchboard",
                "--cli",
                "profile",
                "list",
                "--cli"
            ])),
            Some(os(&["switchboard-cli", "profile", "list", "--cli"]))
        );
        assert_eq!(
            cli_args(os(&["switchboard", "--cli"])),
            Some(os(&["switchboard-cli"]))
        );
    }

    #[test]
    fn a_link_named_switchboard_cli_is_the_command_line_as_called() {
        assert_eq!(
            cli_args(os(&["/usr/local/bin/switchboard-cli", "--version"])),
            Some(os(&["/usr/local/bin/switchboard-cli", "--version"]))
        );
        assert_eq!(cli_args(os(&["switchboard-cli-old"])), None);
    }
}
