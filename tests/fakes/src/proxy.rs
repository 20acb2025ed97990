//! A forward HTTP proxy on loopback, as a corporate proxy is seen by a client: `CONNECT
//! host:port` opens a tunnel (for `https://`), an absolute-form request (`GET http://host/path`)
//! is forwarded to its host in origin form. It records each request it relays and, when given
//! credentials, answers `407 Proxy Authentication Required` to a request without the right
//! `Proxy-Authorization: Basic …`.
//!
//! Its own route, `GET /__proxy/requests` (origin form, sent to the proxy itself), lists what it
//! relayed as JSON, for tests that drive it as a separate process.
//!
//! Each relayed plain request is sent upstream with `Connection: close`, so every request is a
//! connection of its own and is seen here.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The longest request head the proxy reads.
const MAX_HEAD: usize = 64 * 1024;

/// One request the proxy was asked to relay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProxiedRequest {
    /// `CONNECT`, `GET`, `POST`, …
    pub method: String,
    /// The request target: `host:port` for `CONNECT`, the absolute URL otherwise.
    pub target: String,
    /// Whether it carried the credentials the proxy wants (always true when it wants none).
    pub authorized: bool,
}

/// A running forward proxy; stops when dropped.
pub struct FakeProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<ProxiedRequest>>>,
    task: JoinHandle<()>,
}

impl Drop for FakeProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeProxy {
    /// Starts a proxy on `127.0.0.1:port` (0: any free port); with `credentials`
    /// (`user:password`) it demands them.
    pub async fn start(port: u16, credentials: Option<&str>) -> std::io::Result<FakeProxy> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let expected = credentials.map(|credentials| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(credentials)
            )
        });
        let recorder = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let _ = client.set_nodelay(true);
                let recorder = Arc::clone(&recorder);
                let expected = expected.clone();
                tokio::spawn(async move {
                    let _ = serve(client, recorder, expected).await;
                });
            }
        });
        Ok(FakeProxy { addr, seen, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// What it was asked to relay, oldest first.
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }
}

/// A request head: the request line's parts, the header lines, and the bytes read past it.
struct Head {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
    rest: Vec<u8>,
}

async fn read_head(client: &mut TcpStream) -> std::io::Result<Option<Head>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > MAX_HEAD {
            return Ok(None);
        }
        let read = client.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let text = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (method, target, version) = (
        first.next().unwrap_or("").to_string(),
        first.next().unwrap_or("").to_string(),
        first.next().unwrap_or("HTTP/1.1").to_string(),
    );
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    Ok(Some(Head {
        method,
        target,
        version,
        headers,
        rest: buffer[end + 4..].to_vec(),
    }))
}

async fn serve(
    mut client: TcpStream,
    seen: Arc<Mutex<Vec<ProxiedRequest>>>,
    expected: Option<String>,
) -> std::io::Result<()> {
    let Some(head) = read_head(&mut client).await? else {
        return Ok(());
    };
    if head.target.starts_with('/') {
        // Sent to the proxy itself: its own route, or nothing.
        let (status, body) = if head.method == "GET" && head.target == "/__proxy/requests" {
            let list = seen.lock().map(|seen| seen.clone()).unwrap_or_default();
            ("200 OK", serde_json::to_string(&list).unwrap_or_default())
        } else {
            (
                "404 Not Found",
                r#"{"error":"not a proxy request"}"#.to_string(),
            )
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        return client.write_all(answer.as_bytes()).await;
    }
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let authorized = expected
        .as_deref()
        .is_none_or(|expected| header("proxy-authorization") == Some(expected));
    if let Ok(mut seen) = seen.lock() {
        seen.push(ProxiedRequest {
            method: head.method.clone(),
            target: head.target.clone(),
            authorized,
        });
    }
    if !authorized {
        let body = "Proxy authentication required";
        let answer = format!(
            "HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"fake proxy\"\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        return client.write_all(answer.as_bytes()).await;
    }
    if head.method.eq_ignore_ascii_case("CONNECT") {
        let Ok(mut upstream) = TcpStream::connect(head.target.as_str()).await else {
            return client
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                .await;
        };
        let _ = upstream.set_nodelay(true);
        client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        upstream.write_all(&head.rest).await?;
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        return Ok(());
    }
    // Absolute form: `http://host:port/path?query`.
    let Some(after_scheme) = head.target.strip_prefix("http://") else {
        return client
            .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
            .await;
    };
    let (authority, path) = match after_scheme.find('/') {
        Some(at) => after_scheme.split_at(at),
        None => (after_scheme, "/"),
    };
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let Ok(mut upstream) = TcpStream::connect(authority.as_str()).await else {
        return client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .await;
    };
    let _ = upstream.set_nodelay(true);
    let mut forwarded = format!("{} {path} {}\r\n", head.method, head.version);
    for (name, value) in &head.headers {
        let hop = ["proxy-authorization", "proxy-connection", "connection"];
        if !hop.iter().any(|hop| name.eq_ignore_ascii_case(hop)) {
            forwarded.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    forwarded.push_str("connection: close\r\n\r\n");
    upstream.write_all(forwarded.as_bytes()).await?;
    upstream.write_all(&head.rest).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
