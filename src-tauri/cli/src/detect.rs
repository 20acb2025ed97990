//! `detect`: find the LLM servers running on this machine and, with `--save`, save a profile
//! for each.
//!
//! Probes only loopback ports; it must not reach another machine nor touch a key.

use clap::Args;
use switchboard_core::store::Profile;
use switchboard_core::Engine;

use crate::{print_json, CliResult, Failure};

#[derive(Args)]
pub struct DetectArgs {
    /// Probe these loopback ports instead of the usual ones (for testing or unusual setups).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "PORT,...",
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    ports: Vec<u16>,
    /// Also probe this loopback port, now and from now on (remembered in the settings; the
    /// window's auto-detect probes it too). Repeat for more.
    #[arg(
        long = "port",
        value_name = "PORT",
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    add_ports: Vec<u16>,
    /// Save a profile for each server found (with its first model).
    #[arg(long)]
    save: bool,
}

/// The most ports `detect --ports` probes: each takes several requests.
const MAX_PORTS: usize = 256;

/// `detect`: one `source<TAB>url<TAB>version<TAB>models` line per server (`-` for unknown or
/// none; a fifth field `needs a key` for a server that refused to answer without one); with
/// `--save`, one "Saved profile" line per profile saved instead.
pub async fn run(engine: &Engine, mut args: DetectArgs, json: bool) -> CliResult {
    let mut seen = std::collections::HashSet::new();
    args.ports.retain(|port| seen.insert(*port));
    if args.ports.len() > MAX_PORTS {
        return Err(Failure::Usage(format!(
            "--ports takes at most {MAX_PORTS} ports ({} given).",
            args.ports.len()
        )));
    }
    for port in &args.add_ports {
        engine.add_detect_port(*port).await?;
    }
    let ports = (!args.ports.is_empty()).then_some(args.ports);
    let mut probed = ports
        .clone()
        .unwrap_or_else(|| switchboard_core::detect::LOCAL_PORTS.to_vec());
    probed.extend(engine.detect_ports().await?);
    probed.dedup();
    let found = engine.detect(ports).await;
    if found.is_empty() {
        if json {
            print_json(&found);
        }
        let probed: Vec<String> = probed.iter().map(u16::to_string).collect();
        errln!("No local servers found on ports {}.", probed.join(", "));
        return Ok(());
    }
    if args.save {
        for server in &found {
            let mut profile = Profile::new(
                server.profile_name.clone(),
                server.source,
                server.url.clone(),
            );
            profile.model = server.models.first().cloned();
            let (profile, _) = engine.add_profile(profile).await?;
            if !json {
                outln!(
                    "Saved profile \"{}\" ({}) at {}: {}.",
                    profile.name,
                    profile.source.id(),
                    profile.url,
                    server.summary
                );
                if server.needs_key {
                    errln!(
                        "Note: {} needs a key. Save it with \"key set {}\".",
                        server.server,
                        profile.name
                    );
                }
                if !server.source.info().supported {
                    errln!(
                        "Note: {} is not supported by this version yet.",
                        server.source.label()
                    );
                }
            }
        }
    }
    if json {
        print_json(&found);
    } else if !args.save {
        for server in &found {
            outln!(
                "{}\t{}\t{}\t{}{}",
                server.source.id(),
                server.url,
                server.version.as_deref().unwrap_or("-"),
                if server.models.is_empty() {
                    "-".to_string()
                } else {
                    server.models.join(",")
                },
                if server.needs_key {
                    "\tneeds a key"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}
