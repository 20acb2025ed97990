//! The doctor's second step: the host of a URL (or of the proxy in between) resolved and
//! reached with a TCP connection, as a person would check with `ping` and `nc`.
//!
//! Must not send anything over the connection it opens (it is closed at once), nor read a key.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

/// The longest wait for a name to resolve or a connection to open (the shared client's
/// connect timeout).
pub const REACH_WAIT: Duration = Duration::from_secs(10);

/// What resolving and connecting to one host found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Connected to this address.
    Connected(SocketAddr),
    /// The name did not resolve (the resolver's words).
    NoSuchHost(String),
    /// Every address refused the connection: nothing listens on the port.
    Refused(SocketAddr),
    /// No answer within [`REACH_WAIT`].
    TimedOut,
    /// Another failure (no route, network down), in the system's words.
    Failed(String),
}

/// The host and port of an `http://` or `https://` URL (the scheme's port when it names none).
pub fn host_and_port(url: &str) -> Option<(String, u16)> {
    let parsed = url::Url::parse(url).ok()?;
    let host = match parsed.host()? {
        url::Host::Domain(name) => name.to_string(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    };
    Some((host, parsed.port_or_known_default()?))
}

/// Resolves `host` and opens a TCP connection to the first address that takes one.
pub async fn reach(host: &str, port: u16) -> Reach {
    let addresses: Vec<SocketAddr> =
        match tokio::time::timeout(REACH_WAIT, tokio::net::lookup_host((host, port))).await {
            Err(_) => return Reach::TimedOut,
            Ok(Err(err)) => return Reach::NoSuchHost(err.to_string()),
            Ok(Ok(found)) => found.collect(),
        };
    let Some(&first) = addresses.first() else {
        return Reach::NoSuchHost("no address".to_string());
    };
    let mut last = Reach::Refused(first);
    for address in addresses {
        match tokio::time::timeout(REACH_WAIT, TcpStream::connect(address)).await {
            Ok(Ok(_stream)) => return Reach::Connected(address),
            Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = Reach::Refused(address);
            }
            Ok(Err(err)) => last = Reach::Failed(err.to_string()),
            Err(_) => last = Reach::TimedOut,
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_take_the_schemes_default() {
        assert_eq!(
            host_and_port("https://api.example.com/v1"),
            Some(("api.example.com".to_string(), 443))
        );
        assert_eq!(
            host_and_port("http://127.0.0.1:5001/v1"),
            Some(("127.0.0.1".to_string(), 5001))
        );
        assert_eq!(
            host_and_port("http://[::1]:8080"),
            Some(("::1".to_string(), 8080))
        );
        assert_eq!(host_and_port("not a url"), None);
    }

    #[tokio::test]
    async fn a_closed_port_is_refused_and_an_open_one_connects() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap().port();
        assert!(matches!(
            reach("127.0.0.1", open).await,
            Reach::Connected(_)
        ));
        drop(listener);
        assert_eq!(
            reach("127.0.0.1", open).await,
            Reach::Refused(SocketAddr::from(([127, 0, 0, 1], open)))
        );
    }
}
