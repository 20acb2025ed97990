//! `man`: the manual page, `switchboard-cli(1)` in roff, made from the same clap definitions
//! as `--help` (clap_mangen): the name, synopsis, description, global options and commands,
//! then a COMMANDS section with every command and subcommand (`profile add`, `chats show`, …),
//! its usage, what it does and its arguments.
//!
//! Prints only; it must not read the data directory or the keychain.

use std::io::Write as _;

use clap::Command;
use clap_mangen::roff::{bold, italic, roman, Roff};

/// Prints the manual page to standard output.
pub fn print() -> crate::CliResult<u8> {
    let page = render(crate::command())
        .map_err(|err| crate::Failure::Usage(format!("could not write the manual page: {err}.")))?;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&page);
    let _ = stdout.flush();
    Ok(0)
}

/// The whole page for `command` (the CLI's top-level command): clap_mangen's title, name,
/// synopsis, description and options, then COMMANDS (in place of its list of separate
/// `switchboard-cli-NAME(1)` pages, which are not made), then the version.
pub fn render(command: Command) -> std::io::Result<Vec<u8>> {
    let mut command = command;
    command.build();
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    // Each section comes with roff's apostrophe preamble (all an empty page holds); the page
    // needs it once, before the title.
    let preamble = {
        let mut empty = Vec::new();
        Roff::new().to_writer(&mut empty)?;
        empty.len()
    };
    let mut section = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut text = Vec::new();
        render(&mut text)?;
        page.extend_from_slice(text.get(preamble..).unwrap_or_default());
        std::io::Result::Ok(())
    };
    section(&|w| man.render_name_section(w))?;
    section(&|w| man.render_synopsis_section(w))?;
    section(&|w| man.render_description_section(w))?;
    section(&|w| man.render_options_section(w))?;
    let mut commands = Roff::new();
    commands.control("SH", ["COMMANDS"]);
    for sub in command.get_subcommands() {
        describe(&mut commands, sub, command.get_name());
    }
    section(&|w| commands.to_writer(w))?;
    section(&|w| man.render_version_section(w))?;
    Ok(page)
}

/// One command's entry, then its subcommands' (depth first).
fn describe(page: &mut Roff, command: &Command, parent: &str) {
    if command.is_hide_set() {
        return;
    }
    let path = format!("{parent} {}", command.get_name());
    let mut usage = command.clone().bin_name(&path);
    let usage = usage.render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage).to_string();
    page.control("TP", []);
    page.text([bold(path.clone())]);
    page.text([roman(usage)]);
    if let Some(about) = command.get_long_about().or(command.get_about()) {
        page.control("br", []);
        page.text([roman(about.to_string())]);
    }
    for arg in command.get_arguments() {
        if arg.is_hide_set() || arg.is_global_set() {
            continue;
        }
        let id = arg.get_id().as_str();
        if id == "help" || id == "version" {
            continue;
        }
        let name = match (arg.get_long(), arg.get_value_names()) {
            (Some(long), Some(values)) if arg.get_action().takes_values() => {
                format!("--{long} {}", values.join(" "))
            }
            (Some(long), _) => format!("--{long}"),
            (None, Some(values)) => values.join(" "),
            (None, None) => id.to_uppercase(),
        };
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        page.control("br", []);
        page.text([roman("    "), italic(name), roman(format!("  {help}"))]);
    }
    for sub in command.get_subcommands() {
        describe(page, sub, &path);
    }
}
