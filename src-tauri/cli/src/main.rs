//! The standalone `switchboard-cli` binary: the command line of the library beside it (for
//! development, the tests and `cargo install`; the .deb runs the same library through the app's
//! binary instead). It must not hold any of the command line's own logic.

fn main() -> std::process::ExitCode {
    switchboard_cli::run(std::env::args_os())
}
