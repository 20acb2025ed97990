//! Retries: only idempotent calls (status, model list) are tried again, with back-off and a cap;
//! a reply is never requested twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::engine::{Action, ConnectionSpec, GenerationRequest, MAX_ATTEMPTS};
use switchboard_core::model::{ChatEvent, GenParams};
use switchboard_core::store::Profile;
use switchboard_core::{ErrorKind, ProviderKind};
use switchboard_fakes::{FakeOptions, FakeServer, Scenario};

fn profile() -> ConnectionSpec {
    ConnectionSpec::Profile("p".into())
}

/// An engine over a fresh database with one profile "p" of `kind` at `base` using `model`.
async fn engine_with_profile(
    kind: ProviderKind,
    base: String,
    model: &str,
    idle: Duration,
) -> (tempfile::TempDir, switchboard_core::Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, idle);
    let mut p = Profile::new("p", kind, base);
    p.model = Some(model.into());
    engine.add_profile(p).await.unwrap();
    (dir, engine)
}

async fn with_fake(
    scenario: Scenario,
) -> (tempfile::TempDir, switchboard_core::Engine, FakeServer) {
    let server = FakeServer::start(FakeOptions {
        scenario,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let (dir, engine) = engine_with_profile(
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
        "fake-model-1",
        Duration::from_secs(5),
    )
    .await;
    (dir, engine, server)
}

fn gets(server: &FakeServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/models"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_check_outlasts_a_server_that_recovers() {
    let (_dir, engine, server) = with_fake(Scenario::ServerErrorHtml).await;
    let server = Arc::new(server);
    let watcher = Arc::clone(&server);
    // The server recovers once it has failed the first check.
    let recover = tokio::spawn(async move {
        while gets(&watcher) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        watcher.set_scenario(Scenario::Normal);
    });
    let report = engine.status(&profile()).await.unwrap();
    recover.await.unwrap();
    assert_eq!(report.models.unwrap().len(), 2);
    assert_eq!(gets(&server), 2, "one failure, one success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_server_is_tried_a_capped_number_of_times() {
    let (_dir, engine, server) = with_fake(Scenario::ServerErrorHtml).await;
    let err = engine.status(&profile()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::ProviderUnavailable);
    assert_eq!(gets(&server), MAX_ATTEMPTS);
    let err = engine.models(&profile()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::ProviderUnavailable);
    assert_eq!(gets(&server), 2 * MAX_ATTEMPTS);
    // A wrong key is not a passing failure: asked once.
    let (_dir, engine, server) = with_fake(Scenario::Unauthorized).await;
    assert_eq!(
        engine.status(&profile()).await.unwrap_err().kind,
        ErrorKind::Auth
    );
    assert_eq!(gets(&server), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_is_never_requested_twice() {
    for scenario in [
        Scenario::Overloaded,
        Scenario::ServerErrorHtml,
        Scenario::RateLimitedNoRetryAfter,
    ] {
        let (_dir, engine, server) = with_fake(scenario).await;
        let (_, events) = common::run(
            &engine,
            GenerationRequest {
                connection: profile(),
                chat_id: None,
                input: "hello".into(),
                model: None,
                system_prompt: None,
                params: GenParams::default(),
                stream: true,
                action: Action::Send,
                attachments: Vec::new(),
            },
        )
        .await;
        assert!(
            matches!(events.last(), Some(ChatEvent::Failed { .. })),
            "{scenario}: {events:?}"
        );
        let posts = server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(
            posts, 1,
            "{scenario}: the reply was asked for {posts} times"
        );
    }
}

/// A connection the network drops is tried once more, not more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_tried_once_more() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            drop(stream); // closes without an answer
        }
    });
    let (_dir, engine) = engine_with_profile(
        ProviderKind::Custom,
        format!("http://127.0.0.1:{port}/v1"),
        "m",
        Duration::from_secs(5),
    )
    .await;
    let err = engine.status(&profile()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Network, "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

/// A redirect to another host is not followed: the key never reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_host_does_not_carry_the_key() {
    use std::io::Write;
    let elsewhere = FakeServer::start(FakeOptions::default()).await.unwrap();
    // `localhost` is another origin than `127.0.0.1`, though the same machine.
    let target = elsewhere.base_url().replace("127.0.0.1", "localhost");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}/v1/models\r\ncontent-length: 0\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    let (_dir, engine) = engine_with_profile(
        ProviderKind::OpenAi,
        format!("http://127.0.0.1:{port}/v1"),
        "m",
        Duration::from_secs(5),
    )
    .await;
    engine
        .set_key("p", secrecy::SecretString::from("sk-redirect-SECRET"))
        .await
        .unwrap();
    let err = engine.status(&profile()).await.unwrap_err();
    assert_eq!(err.status, Some(307), "{err:?}");
    assert!(elsewhere.requests().is_empty(), "the other host was asked");
}

/// A loopback server that answers every request with `head` and then writes `body(i)` for
/// i = 0, 1, 2, … until it gives `None` or the client goes away.
fn endless_server(head: &'static str, body: fn(usize) -> Option<Vec<u8>>) -> u16 {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf);
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for i in 0.. {
                    let Some(bytes) = body(i) else { return };
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

async fn reply_from(port: u16) -> (Vec<ChatEvent>, switchboard_core::store::StoredMessage) {
    let (_dir, engine) = engine_with_profile(
        ProviderKind::Custom,
        format!("http://127.0.0.1:{port}/v1"),
        "m",
        Duration::from_secs(5),
    )
    .await;
    let (chat, events) = common::run(
        &engine,
        GenerationRequest {
            connection: profile(),
            chat_id: None,
            input: "go on forever".into(),
            model: None,
            system_prompt: None,
            params: GenParams::default(),
            stream: true,
            action: Action::Send,
            attachments: Vec::new(),
        },
    )
    .await;
    let reply = engine.messages(&chat).await.unwrap().pop().unwrap();
    (events, reply)
}

const SSE_HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\n";

/// A stream that never ends is stopped at the reply cap, its text kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_stream_is_stopped_at_the_cap() {
    let port = endless_server(SSE_HEAD, |_| {
        let piece = "x".repeat(64 * 1024);
        Some(
            format!(
                "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{piece}\"}}}}]}}\n\n"
            )
            .into_bytes(),
        )
    });
    let (events, reply) = reply_from(port).await;
    let Some(ChatEvent::Failed { error, .. }) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert_eq!(error.kind, ErrorKind::Protocol);
    assert!(
        error.message.contains("grew past 32 MB"),
        "{}",
        error.message
    );
    assert!(reply.content.len() > switchboard_core::engine::MAX_REPLY_BYTES - 128 * 1024);
    assert!(reply.content.len() <= switchboard_core::engine::MAX_REPLY_BYTES + 128 * 1024);
    assert!(reply.content.bytes().all(|b| b == b'x'));
}

/// One event that never ends (a single line of many megabytes) is refused at the event cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_without_end_is_refused_at_the_event_cap() {
    let port = endless_server(SSE_HEAD, |i| {
        Some(if i == 0 {
            b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"start".to_vec()
        } else {
            vec![b'y'; 256 * 1024]
        })
    });
    let (events, _) = reply_from(port).await;
    let Some(ChatEvent::Failed { error, .. }) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert_eq!(error.kind, ErrorKind::Protocol);
    assert!(
        error.message.contains("grew past 16 MB"),
        "{}",
        error.message
    );
}

/// Twenty replies streaming at once each get their own text, whole, in their own chat; stopping
/// one leaves the others alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_streams_at_once_cross_no_wires() {
    use switchboard_core::engine::CancelReason;
    use switchboard_core::model::MessageState;
    let server = FakeServer::start(FakeOptions {
        scenario: Scenario::Slow,
        slow_delay: Duration::from_millis(5),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let (_dir, engine) = engine_with_profile(
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
        "fake-model-1",
        Duration::from_secs(10),
    )
    .await;
    let engine = Arc::new(engine);

    let mut generations = Vec::new();
    for i in 0..20 {
        let generation = engine
            .start_generation(GenerationRequest {
                connection: profile(),
                chat_id: None,
                input: format!("question {i}"),
                model: None,
                system_prompt: None,
                params: GenParams::default(),
                stream: true,
                action: Action::Send,
                attachments: Vec::new(),
            })
            .await
            .unwrap();
        generations.push(generation);
    }
    let stopped_id = generations[7].id.clone();
    let mut tasks = Vec::new();
    for (i, generation) in generations.into_iter().enumerate() {
        let engine = Arc::clone(&engine);
        let stop = i == 7;
        let stopped_id = stopped_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut rx = generation.events;
            let mut text = String::new();
            let mut last = None;
            while let Some(event) = rx.recv().await {
                if let ChatEvent::Started { chat_id, .. } = &event {
                    assert_eq!(chat_id, &generation.chat_id, "events of another chat");
                }
                if let ChatEvent::Delta { text: delta } = &event {
                    text.push_str(delta);
                    if stop && text.len() > 20 {
                        engine.cancel(&stopped_id, CancelReason::User);
                    }
                }
                last = Some(event);
            }
            (generation.chat_id, text, last)
        }));
    }
    let slow = switchboard_fakes::slow_reply_text();
    for (i, task) in tasks.into_iter().enumerate() {
        let (chat, text, last) = task.await.unwrap();
        let messages = engine.messages(&chat).await.unwrap();
        assert_eq!(messages[0].content, format!("question {i}"));
        assert_eq!(messages[1].content, text, "chat {i}: saved ≠ shown");
        if i == 7 {
            assert!(
                matches!(last, Some(ChatEvent::Cancelled { .. })),
                "{last:?}"
            );
            assert_eq!(messages[1].state, MessageState::Stopped);
            assert!(slow.starts_with(&text) && text.len() < slow.len());
        } else {
            assert!(
                matches!(last, Some(ChatEvent::Finished { .. })),
                "chat {i}: {last:?}"
            );
            assert_eq!(text, slow, "chat {i}");
            assert_eq!(messages[1].state, MessageState::Complete);
        }
    }
    assert!(engine.generations().running().is_empty());
}

/// A 200 answer of the wrong kind (a captive portal's HTML page) is a clear protocol error, not
/// a reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_the_wrong_kind_is_not_taken_for_a_reply() {
    let port = endless_server(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 47\r\nconnection: close\r\n\r\n<html><title>Wi-Fi login</title>Sign in</html>\n",
        |_| None,
    );
    let (events, reply) = reply_from(port).await;
    let Some(ChatEvent::Failed { error, .. }) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert_eq!(error.kind, ErrorKind::Protocol, "{error:?}");
    assert!(
        error.message.contains("not a chat completion"),
        "{}",
        error.message
    );
    assert!(error
        .detail
        .as_deref()
        .unwrap_or("")
        .contains("Wi-Fi login"));
    assert!(reply.content.is_empty());
}

/// A TLS server on loopback with a self-signed certificate; returns its port and how many
/// handshakes it completed (each one a client that trusted it). After a handshake it answers
/// like a server that lists models, so a client that trusted it would see success.
async fn self_signed_server() -> (u16, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert = CertificateDer::from(certified.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let trusted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&trusted);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"object":"list","data":[{"id":"m","object":"model"}]}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, trusted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_an_untrusted_certificate_is_refused_for_every_family() {
    let (port, trusted) = self_signed_server().await;
    let base = format!("https://127.0.0.1:{port}");
    for kind in [
        ProviderKind::Custom,
        ProviderKind::Claude,
        ProviderKind::KoboldCpp,
        ProviderKind::Horde,
        ProviderKind::NovelAi,
    ] {
        let provider = common::provider(
            kind,
            "tls",
            &base,
            Some("sk-tls-marker"),
            Duration::from_secs(5),
        );
        let error = provider.status().await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::Network, "{kind:?}: {error:?}");
        for part in [
            "Profile \"tls\"",
            &base,
            "the secure connection failed",
            "certificate",
        ] {
            assert!(
                error.message.contains(part),
                "{kind:?}: {:?} lacks {part:?}",
                error.message
            );
        }
        let outcome = common::collect(provider.as_ref(), common::any_family_request()).await;
        let error = outcome
            .error
            .unwrap_or_else(|| panic!("{kind:?}: a reply over untrusted TLS"));
        assert_eq!(error.kind, ErrorKind::Network, "{kind:?}: {error:?}");
        assert!(
            error.message.contains("the secure connection failed"),
            "{}",
            error.message
        );
    }
    assert_eq!(
        trusted.load(Ordering::SeqCst),
        0,
        "a handshake completed: the key could have gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_http_server_says_what_is_wrong() {
    let server = FakeServer::start(FakeOptions::default()).await.unwrap();
    let base = format!("{}/v1", server.base_url()).replacen("http://", "https://", 1);
    let provider = common::provider(
        ProviderKind::Custom,
        "tls",
        &base,
        None,
        Duration::from_secs(5),
    );
    let error = provider.status().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Network, "{error:?}");
    assert!(
        error.message.contains("the secure connection failed"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("http://"),
        "a hint to try http://: {}",
        error.message
    );
    assert!(server.requests().is_empty());
}

/// What each streaming family's request for a reply looks like to `endless_server`, and the base
/// URL its profile would have.
const STREAMING_FAMILIES: [(ProviderKind, &str); 4] = [
    (ProviderKind::Custom, "/v1"),
    (ProviderKind::Claude, "/v1"),
    (ProviderKind::KoboldCpp, ""),
    (ProviderKind::NovelAi, ""),
];

/// One event that never ends is refused at the event cap by every family that streams.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_without_end_is_refused_in_every_streaming_family() {
    let port = endless_server(SSE_HEAD, |i| {
        Some(if i == 0 {
            b"data: {\"token\":\"start".to_vec()
        } else {
            vec![b'y'; 256 * 1024]
        })
    });
    for (kind, path) in STREAMING_FAMILIES {
        let base = format!("http://127.0.0.1:{port}{path}");
        let provider = common::provider(kind, "cap", &base, Some("k"), Duration::from_secs(5));
        let outcome = common::collect(provider.as_ref(), common::any_family_request()).await;
        let error = outcome
            .error
            .unwrap_or_else(|| panic!("{kind:?}: no error"));
        assert_eq!(error.kind, ErrorKind::Protocol, "{kind:?}: {error:?}");
        assert!(
            error.message.contains("grew past 16 MB"),
            "{kind:?}: {}",
            error.message
        );
    }
}

/// A 200 answer of the wrong kind (a captive portal's page) is a protocol error in every family,
/// with the page's start as the detail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_the_wrong_kind_is_refused_by_every_family() {
    let port = endless_server(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 47\r\nconnection: close\r\n\r\n<html><title>Wi-Fi login</title>Sign in</html>\n",
        |_| None,
    );
    for (kind, path) in [
        (ProviderKind::Custom, "/v1"),
        (ProviderKind::Claude, "/v1"),
        (ProviderKind::KoboldCpp, ""),
        (ProviderKind::Kobold, ""),
        (ProviderKind::Horde, "/api/v2"),
        (ProviderKind::NovelAi, ""),
    ] {
        let base = format!("http://127.0.0.1:{port}{path}");
        let provider = common::provider(kind, "portal", &base, Some("k"), Duration::from_secs(5));
        for stream in [true, false] {
            let mut request = common::any_family_request();
            request.stream = stream;
            let outcome = common::collect(provider.as_ref(), request).await;
            let error = outcome
                .error
                .unwrap_or_else(|| panic!("{kind:?}: taken for a reply: {:?}", outcome.text));
            assert_eq!(
                error.kind,
                ErrorKind::Protocol,
                "{kind:?} {stream}: {error:?}"
            );
            assert!(
                error
                    .detail
                    .as_deref()
                    .unwrap_or("")
                    .contains("Wi-Fi login"),
                "{kind:?} {stream}: {error:?}"
            );
            assert!(outcome.text.is_empty(), "{kind:?}");
        }
    }
}
