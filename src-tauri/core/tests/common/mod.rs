//! What the adapter tests share: the client, a connection to a fake, the outcome of one stream
//! and the checks of an error's kind and wording.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::StreamExt;
use secrecy::SecretString;
use switchboard_core::catalogue::ProviderKind;
use switchboard_core::http::{Http, HttpConfig};
use switchboard_core::model::{ChatRequest, StopReason, Usage};
use switchboard_core::provider::{self, Connection, Provider, StreamEvent};
use switchboard_core::{Error, ErrorKind};
use tokio_util::sync::CancellationToken;

/// The client, with a short idle timeout and fast polling for queued requests.
pub fn http(idle: Duration) -> Http {
    Http::new(HttpConfig {
        idle_timeout: idle,
        poll_interval: Duration::from_millis(5),
        ..HttpConfig::default()
    })
    .unwrap()
}

/// An adapter for `kind` at `base` (normalised as a profile's URL would be), named `who` in
/// messages, with `key`.
pub fn provider(
    kind: ProviderKind,
    who: &str,
    base: &str,
    key: Option<&str>,
    idle: Duration,
) -> Box<dyn Provider> {
    let base = kind.normalize_url(base).unwrap().url;
    provider::build(
        Connection {
            who: format!("Profile \"{who}\""),
            profile_id: None,
            kind,
            api: kind.info().capabilities.api,
            base_url: base,
            key: key.map(SecretString::from),
            headers: Vec::new(),
            options: Default::default(),
        },
        http(idle),
    )
    .unwrap()
}

/// What a stream produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub text: String,
    pub reasoning: String,
    pub usage: Option<Usage>,
    pub model: Option<String>,
    pub queued: Vec<u32>,
    pub done: Option<StopReason>,
    pub error: Option<Error>,
    pub events_after_end: usize,
    /// The prompt tokens the server read when it cut the prompt.
    pub prompt_cut: Option<u32>,
    /// The last provider data the reply carried.
    pub provider_data: Option<switchboard_core::model::ProviderData>,
    /// The pages the reply cites, as the last `Sources` event gave them.
    pub sources: Vec<switchboard_core::model::SourceLink>,
}

/// Runs one request's stream to its end.
pub async fn collect(provider: &dyn Provider, request: ChatRequest) -> Outcome {
    let mut stream = provider.stream(request, CancellationToken::new());
    let mut outcome = Outcome::default();
    while let Some(item) = stream.next().await {
        if outcome.done.is_some() || outcome.error.is_some() {
            outcome.events_after_end += 1;
        }
        match item {
            Ok(StreamEvent::Delta(text)) => outcome.text.push_str(&text),
            Ok(StreamEvent::Reasoning(text)) => outcome.reasoning.push_str(&text),
            Ok(StreamEvent::Usage(usage)) => outcome.usage = Some(usage),
            Ok(StreamEvent::Model(model)) => outcome.model = Some(model),
            Ok(StreamEvent::Queued { position, .. }) => outcome.queued.push(position),
            Ok(StreamEvent::PromptCut { kept_tokens }) => outcome.prompt_cut = Some(kept_tokens),
            Ok(StreamEvent::ProviderData(data)) => outcome.provider_data = Some(data),
            Ok(StreamEvent::Sources(links)) => outcome.sources = links,
            Ok(StreamEvent::Done(reason)) => outcome.done = Some(reason),
            Err(error) => outcome.error = Some(error),
        }
    }
    outcome
}

/// The stream failed with `kind`, a message naming the profile `who` and the loopback URL and
/// containing `contains`, and nothing after the failure.
pub fn assert_error(outcome: &Outcome, who: &str, kind: ErrorKind, contains: &str, label: &str) {
    let error = outcome
        .error
        .as_ref()
        .unwrap_or_else(|| panic!("{label}: expected an error, got {outcome:?}"));
    assert_eq!(error.kind, kind, "{label}: {error:?}");
    let prefix = format!("Profile \"{who}\" (http://127.0.0.1:");
    assert!(
        error.message.starts_with(&prefix),
        "{label}: {}",
        error.message
    );
    assert!(
        error.message.contains(contains),
        "{label}: {:?} lacks {contains:?}",
        error.message
    );
    assert!(outcome.done.is_none(), "{label}: an error and a finish");
    assert_eq!(outcome.events_after_end, 0, "{label}: events after the end");
}

/// The stream finished with `reason` after exactly `text`.
pub fn assert_reply(outcome: &Outcome, text: &str, reason: StopReason, label: &str) {
    assert!(outcome.error.is_none(), "{label}: {:?}", outcome.error);
    assert_eq!(outcome.text, text, "{label}");
    assert_eq!(outcome.done, Some(reason), "{label}");
    assert_eq!(outcome.events_after_end, 0, "{label}: events after the end");
}

/// An engine over a fresh database in `dir`, keys in memory, fast polling.
pub fn engine(dir: &tempfile::TempDir, idle: Duration) -> switchboard_core::Engine {
    switchboard_core::Engine::open(switchboard_core::EngineConfig {
        data_dir: dir.path().to_path_buf(),
        http: HttpConfig {
            idle_timeout: idle,
            poll_interval: Duration::from_millis(5),
            ..HttpConfig::default()
        },
        secret_store: std::sync::Arc::new(switchboard_core::secrets::MemoryStore::new()),
        keychain_timeout: Duration::from_secs(5),
    })
    .unwrap()
}

/// Starts a generation and collects its events until the channel closes.
pub async fn run(
    engine: &switchboard_core::Engine,
    request: switchboard_core::GenerationRequest,
) -> (
    switchboard_core::model::ChatId,
    Vec<switchboard_core::model::ChatEvent>,
) {
    let generation = engine.start_generation(request).await.unwrap();
    let mut rx = generation.events;
    let mut events = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
    {
        events.push(event);
    }
    (generation.chat_id, events)
}

/// The last POST the fake received.
pub fn last_post(server: &switchboard_fakes::FakeServer) -> switchboard_fakes::RecordedRequest {
    server
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "POST")
        .expect("a generation request")
}

/// A request every family can send: chat messages and the same as a text prompt.
pub fn any_family_request_for(model: &str) -> switchboard_core::model::ChatRequest {
    use switchboard_core::model::{ChatMessage, ChatRequest, Role, TextPrompt};
    ChatRequest {
        model: model.into(),
        messages: vec![ChatMessage::new(Role::User, "Hello")],
        stream: true,
        prompt: Some(TextPrompt {
            text: "User: Hello\nAssistant:".into(),
            context_size: 4096,
        }),
        ..ChatRequest::default()
    }
}

/// [`any_family_request_for`] model `m`.
pub fn any_family_request() -> switchboard_core::model::ChatRequest {
    any_family_request_for("m")
}

/// Log lines captured in memory, for tests that check what is logged.
#[derive(Clone, Default)]
pub struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    /// Installs the (process-wide) subscriber at `filter`, writing into the returned capture.
    /// Once per test binary.
    pub fn install(filter: &str) -> CapturedLogs {
        let captured = CapturedLogs::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .unwrap();
        captured
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A message sent through the profile named `profile` (in `chat`, or a new chat), streamed,
/// with no other setting.
pub fn ask(
    profile: &str,
    chat: Option<switchboard_core::model::ChatId>,
    input: &str,
) -> switchboard_core::engine::GenerationRequest {
    switchboard_core::engine::GenerationRequest {
        connection: switchboard_core::engine::ConnectionSpec::Profile(profile.into()),
        chat_id: chat,
        input: input.into(),
        model: None,
        system_prompt: None,
        params: switchboard_core::model::GenParams::default(),
        stream: true,
        action: switchboard_core::engine::Action::Send,
        attachments: Vec::new(),
    }
}
