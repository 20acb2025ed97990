//! A profile's network path from the command line: `--proxy URL|direct|env`, `--ca-cert FILE`
//! and `--no-ca-certs` (for `profile add` and `profile set`), and its lines in `profile show`.
//!
//! It must not print a proxy's credentials (the core moves them to the keychain), nor read a
//! CA file (the core reads them when connecting).

use std::path::PathBuf;

use clap::Args;
use switchboard_core::http::display_url;
use switchboard_core::options::{NetworkOptions, ProxyChoice};

/// The network options of `profile add` and `profile set`.
#[derive(Args, Default)]
pub struct NetworkArgs {
    /// Proxy for this profile: `env` (the default: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and
    /// NO_PROXY), `direct` (none, whatever the environment says), or a proxy URL,
    /// http://[user:password@]host:port (the credentials go to the keychain).
    #[arg(long, value_name = "URL|direct|env", value_parser = parse_proxy)]
    proxy: Option<ProxyChoice>,
    /// A PEM file of CA certificates to trust besides the system's, for a server with a
    /// private certificate authority (repeatable; added to the profile's).
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
    /// Forget the profile's CA certificate files (before adding any --ca-cert).
    #[arg(long)]
    no_ca_certs: bool,
}

impl NetworkArgs {
    /// Whether any network option was given.
    pub fn given(&self) -> bool {
        self.proxy.is_some() || !self.ca_certs.is_empty() || self.no_ca_certs
    }

    /// Applies the options to a profile's network path; CA files are kept as absolute paths.
    pub fn apply(self, network: &mut NetworkOptions) {
        if let Some(proxy) = self.proxy {
            network.proxy = proxy;
        }
        if self.no_ca_certs {
            network.ca_certificates.clear();
        }
        for path in self.ca_certs {
            let path = std::path::absolute(&path)
                .unwrap_or(path)
                .display()
                .to_string();
            if !network.ca_certificates.contains(&path) {
                network.ca_certificates.push(path);
            }
        }
    }
}

fn parse_proxy(text: &str) -> Result<ProxyChoice, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "env" | "environment" => Ok(ProxyChoice::Environment),
        "direct" | "none" => Ok(ProxyChoice::Direct),
        _ if text.contains("://") => Ok(ProxyChoice::Url(text.trim().to_string())),
        _ => Err("it is not a proxy URL (http://host:port), direct or env".to_string()),
    }
}

/// The `profile show` lines of a network path (never credentials).
pub fn show(network: &NetworkOptions) {
    let proxy = match &network.proxy {
        ProxyChoice::Environment => "from the environment (HTTPS_PROXY, HTTP_PROXY…)".to_string(),
        ProxyChoice::Direct => "none (direct)".to_string(),
        ProxyChoice::Url(url) => display_url(url),
    };
    outln!("proxy:               {proxy}");
    for path in &network.ca_certificates {
        outln!("CA certificate:      {path}");
    }
}
