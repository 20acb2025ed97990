// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // The command line first, before the app touches GTK, the tray or the single instance.
    match switchboard_lib::multicall::cli_args(std::env::args_os().collect()) {
        Some(args) => switchboard_cli::run(args),
        None => switchboard_lib::run(),
    }
}
