//! A reply end to end in the core, against the physical limit (design.md §7: the relay adds at
//! most 1× a raw read, i.e. takes ≤ 2× its time).
//!
//! `cargo bench -p switchboard-core --bench relay` starts the benchmark stream of the fake server
//! on loopback (20,000 small deltas, llama.cpp's chunk shape, as fast as the connection takes
//! them) and times, alternating, in pairs:
//! - a raw HTTP read of the stream (one POST, the body read to its end, nothing parsed);
//! - the provider alone (SSE decoding and mapping to reply events);
//! - the whole path: engine, provider, coalescing and the SQLite store (the user message, the
//!   reply saved as it streams and finished), events read by the caller like the window does.
//!
//! It prints the median of each, the median ratio to the raw read of the same pair, and the cost
//! per delta above the raw read.

#![allow(clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use secrecy::SecretString;
use switchboard_core::catalogue::ProviderKind;
use switchboard_core::engine::{Action, ConnectionSpec, GenerationRequest};
use switchboard_core::http::{Http, HttpConfig};
use switchboard_core::model::{ChatEvent, ChatMessage, ChatRequest, GenParams, Role};
use switchboard_core::provider::{self, Connection, StreamEvent};
use switchboard_core::store::Profile;
use switchboard_core::{Engine, EngineConfig};
use switchboard_fakes::{FakeOptions, FakeServer, Flood};
use tokio_util::sync::CancellationToken;

const DELTAS: usize = 20_000;
const PAIRS: usize = 9;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn raw_read(client: &reqwest::Client, url: &str) -> (Duration, usize) {
    let start = Instant::now();
    let mut response = client
        .post(url)
        .header("content-type", "application/json")
        .body(
            r#"{"model":"fake-model-1","messages":[{"role":"user","content":"go"}],"stream":true}"#,
        )
        .send()
        .await
        .expect("the fake answers");
    let mut bytes = 0;
    while let Some(chunk) = response.chunk().await.expect("the body reads") {
        bytes += chunk.len();
    }
    (start.elapsed(), bytes)
}

async fn provider_only(base: &str) -> Duration {
    let provider = provider::build(
        Connection {
            who: "Profile \"bench\"".into(),
            profile_id: None,
            kind: ProviderKind::Custom,
            api: switchboard_core::catalogue::ApiType::ChatCompletion,
            base_url: base.to_string(),
            key: None::<SecretString>,
            headers: Vec::new(),
            options: Default::default(),
        },
        Http::new(HttpConfig::default()).expect("client"),
    )
    .expect("provider");
    let request = ChatRequest {
        model: "fake-model-1".into(),
        messages: vec![ChatMessage::new(Role::User, "go")],
        stream: true,
        ..ChatRequest::default()
    };
    let start = Instant::now();
    let mut stream = provider.stream(request, CancellationToken::new());
    // The text of every delta, counted by its pieces (`t1 `, `t2 `, …): the relay hands on
    // the deltas of one read joined.
    let mut deltas = 0;
    let mut last = String::new();
    while let Some(event) = stream.next().await {
        if let Ok(StreamEvent::Delta(text)) = event {
            deltas += text.matches(' ').count();
            last = text;
        }
    }
    assert_eq!(deltas, DELTAS, "the provider lost deltas");
    assert!(
        last.ends_with(&format!("t{DELTAS} ")),
        "the last delta is not the last"
    );
    start.elapsed()
}

async fn whole_path(engine: &Engine) -> Duration {
    let start = Instant::now();
    let generation = engine
        .start_generation(GenerationRequest {
            connection: ConnectionSpec::Profile("bench".into()),
            chat_id: None,
            input: "go".into(),
            model: None,
            system_prompt: None,
            params: GenParams::default(),
            stream: true,
            action: Action::Send,
            attachments: Vec::new(),
        })
        .await
        .expect("a generation");
    let mut events = generation.events;
    let mut text = 0;
    let mut finished = false;
    while let Some(event) = events.recv().await {
        match event {
            ChatEvent::Delta { text: delta } => text += delta.len(),
            ChatEvent::Finished { .. } => finished = true,
            ChatEvent::Failed { error, .. } => panic!("{error:?}"),
            _ => {}
        }
    }
    let took = start.elapsed();
    assert!(
        finished && text > DELTAS * 3,
        "the reply did not finish whole"
    );
    took
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let server = FakeServer::start(FakeOptions {
        flood: Some(Flood {
            chunks: DELTAS,
            rate: 0,
            stamp: false,
            prerendered: true,
            markdown: false,
        }),
        ..FakeOptions::default()
    })
    .await
    .expect("the fake starts");
    let base = format!("{}/v1", server.base_url());
    let url = format!("{base}/chat/completions");
    let client = reqwest::Client::new();

    let dir = tempfile::tempdir().expect("a temp dir");
    let engine = Engine::open(EngineConfig {
        data_dir: dir.path().to_path_buf(),
        http: HttpConfig::default(),
        secret_store: std::sync::Arc::new(switchboard_core::secrets::MemoryStore::new()),
        keychain_timeout: Duration::from_secs(5),
    })
    .expect("the engine opens");
    let mut profile = Profile::new("bench", ProviderKind::Custom, base.clone());
    profile.model = Some("fake-model-1".into());
    engine
        .add_profile(profile)
        .await
        .expect("the profile saves");

    // Warm up: connections, the database, the allocator.
    let (_, bytes) = raw_read(&client, &url).await;
    provider_only(&base).await;
    whole_path(&engine).await;

    let (mut raw, mut prov, mut whole) = (Vec::new(), Vec::new(), Vec::new());
    let (mut prov_ratio, mut whole_ratio) = (Vec::new(), Vec::new());
    // Each run is a task on the runtime's workers, as the engine's own generations are (the
    // main thread's `block_on` would add a cross-thread wake-up to every read).
    let engine = std::sync::Arc::new(engine);
    for _ in 0..PAIRS {
        let (c, u) = (client.clone(), url.clone());
        let r = tokio::spawn(async move { raw_read(&c, &u).await.0 })
            .await
            .expect("raw read")
            .as_secs_f64();
        let b = base.clone();
        let p = tokio::spawn(async move { provider_only(&b).await })
            .await
            .expect("provider")
            .as_secs_f64();
        let e = std::sync::Arc::clone(&engine);
        let w = tokio::spawn(async move { whole_path(&e).await })
            .await
            .expect("whole path")
            .as_secs_f64();
        raw.push(r);
        prov.push(p);
        whole.push(w);
        prov_ratio.push(p / r);
        whole_ratio.push(w / r);
    }
    let (r, p, w) = (median(raw), median(prov), median(whole));
    println!(
        "stream: {DELTAS} deltas, {:.1} MB, loopback, as fast as the server writes; median of {PAIRS} alternating runs",
        bytes as f64 / 1e6
    );
    println!(
        "{:<52} {:>8.1} ms",
        "raw HTTP read (the physical limit)",
        r * 1e3
    );
    println!(
        "{:<52} {:>8.1} ms   {:>5.2} × raw",
        "provider: decode + map",
        p * 1e3,
        median(prov_ratio)
    );
    println!(
        "{:<52} {:>8.1} ms   {:>5.2} × raw   budget ≤ 2 ×",
        "engine + provider + coalescing + SQLite store",
        w * 1e3,
        median(whole_ratio)
    );
    println!(
        "{:<52} {:>8.2} µs per delta above the raw read",
        "",
        (w - r) * 1e6 / DELTAS as f64
    );
}
