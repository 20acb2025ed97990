//! The server: a thread with its own Tokio runtime serving axum on a loopback listener, the
//! request log, and the `/__fake/…` control routes.
//!
//! Each server runs on a dedicated thread so it keeps answering whatever the test's runtime does,
//! and so that stopping it (drop or [`FakeServer::shutdown`]) drops the runtime and with it every
//! open connection, including stalled ones.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use serde::{Serialize, Serializer};
use tokio::sync::oneshot;

use crate::kobold::{self, KoboldAbort};
use crate::reply::Reply;
use crate::{
    anthropic, cohere, echo, gemini, horde, llamacpp, novelai, ollama, openai, FakeOptions, Family,
    Scenario, REPLY_TEXT,
};

/// The largest request body the fake reads (bigger bodies are recorded empty).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// One request as the fake received it.
#[derive(Clone, Debug, Serialize)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The full path, prefix included (`/v1/chat/completions`), without the query.
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// Header names lowercased, values as sent (lossy UTF-8), in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body bytes; serialised as a (lossy) UTF-8 string.
    #[serde(serialize_with = "lossy_utf8")]
    pub body: Vec<u8>,
}

fn lossy_utf8<S: Serializer>(body: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(body))
}

impl RecordedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// What the handlers share with the [`FakeServer`] handle.
#[derive(Debug)]
struct Shared {
    opts: FakeOptions,
    scenario: Mutex<Scenario>,
    reply: Mutex<String>,
    requests: Mutex<Vec<RecordedRequest>>,
    /// The running generations and the aborts of [`Family::Kobold`].
    kobold: kobold::State,
    /// The submitted requests and the cancels of [`Family::Horde`].
    horde: horde::State,
    /// The streams the client closed before their end ([`Family::LlamaCpp`]).
    closed_early: Arc<AtomicUsize>,
    /// The streams [`Family::Ollama`] is sending.
    ollama: ollama::State,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake server on `127.0.0.1`. Dropping it stops it.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    stopped: Option<oneshot::Receiver<()>>,
}

impl FakeServer {
    /// Starts a server on `127.0.0.1` with a free port.
    pub async fn start(opts: FakeOptions) -> io::Result<FakeServer> {
        FakeServer::start_on(0, opts).await
    }

    /// Starts a server on `127.0.0.1:port` (0 = a free port).
    pub async fn start_on(port: u16, opts: FakeOptions) -> io::Result<FakeServer> {
        let listener = StdTcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            scenario: Mutex::new(opts.scenario),
            reply: Mutex::new(opts.reply.clone().unwrap_or_else(|| REPLY_TEXT.to_string())),
            opts,
            requests: Mutex::new(Vec::new()),
            kobold: kobold::State::default(),
            horde: horde::State::default(),
            closed_early: Arc::default(),
            ollama: ollama::State::default(),
        });
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel::<io::Result<()>>();
        let (stopped_tx, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        thread::Builder::new()
            .name(format!("fake-server-{}", addr.port()))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    // Each write goes out at once (no Nagle), as the servers the fakes stand for
                    // do: a streamed piece is not held back until the last one is acknowledged.
                    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                        let _ = tcp.set_nodelay(true);
                    });
                    // The stop sender is either used or dropped; both end the server.
                    tokio::select! {
                        _ = std::future::IntoFuture::into_future(axum::serve(listener, app)) => {}
                        _ = stop_rx => {}
                    }
                });
                // Dropping the runtime drops every connection task, so open streams end too.
                drop(runtime);
                let _ = stopped_tx.send(());
            })?;
        ready_rx
            .await
            .map_err(|_| io::Error::other("fake server thread died"))??;
        Ok(FakeServer {
            addr,
            shared,
            stop: Some(stop),
            stopped: Some(stopped),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests received so far, in arrival order (control routes excluded).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// The `POST …/api/extra/abort` calls [`Family::Kobold`] received so far, in arrival order,
    /// each with how many running generations it stopped (the requests themselves are in
    /// [`FakeServer::requests`] too).
    pub fn aborts(&self) -> Vec<KoboldAbort> {
        self.shared.kobold.aborts()
    }

    /// How many pieces the slow blocking generations of [`Family::Kobold`] have produced so
    /// far, all together: a test polls it to abort a generation that is under way.
    pub fn kobold_pieces_generated(&self) -> usize {
        self.shared.kobold.blocking_steps()
    }

    /// How many streams of [`Family::LlamaCpp`] the client closed before their end (Stop): a
    /// test polls it to see that the server was told.
    pub fn streams_closed_early(&self) -> usize {
        self.shared.closed_early.load(Ordering::SeqCst)
    }

    /// The ids of the requests [`Family::Horde`] cancelled (`DELETE …/generate/text/status/{id}`
    /// on a known request) so far, in arrival order (the requests themselves are in
    /// [`FakeServer::requests`] too).
    pub fn horde_cancels(&self) -> Vec<String> {
        self.shared.horde.cancels()
    }

    /// How many streamed answers [`Family::Ollama`] is still sending: a stream stops counting
    /// when it ends or when the client closes its connection (Ollama's Stop).
    pub fn ollama_open_streams(&self) -> usize {
        self.shared.ollama.open_streams()
    }

    /// Switches the scenario for the requests that arrive from now on.
    pub fn set_scenario(&self, scenario: Scenario) {
        *lock(&self.shared.scenario) = scenario;
    }

    /// Stops the server and waits until every connection is closed.
    pub async fn shutdown(mut self) {
        drop(self.stop.take());
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The single handler: reads and records the request, then lets the family answer.
async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let request = RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    let reply = if request.path == "/__fake" || request.path.starts_with("/__fake/") {
        control(&shared, &request)
    } else {
        let seen = {
            let mut requests = lock(&shared.requests);
            requests.push(request.clone());
            requests
                .iter()
                .filter(|r| r.method == request.method && r.path == request.path)
                .count()
        };
        let scenario = *lock(&shared.scenario);
        let mut text = lock(&shared.reply).clone();
        // A request's images are checked first: the reply describes them, unless they are refused.
        match crate::images::check(&shared.opts, &request) {
            crate::images::Check::NoImages => {}
            crate::images::Check::Described(described) => text = described,
            crate::images::Check::Refused(refused) => return refused.into_response().await,
        }
        if let Some(echo) = echo::respond(&shared.opts, scenario, &request, seen) {
            return echo.into_response().await;
        }
        // Where an echo scenario has nothing to quote, the family answers as in `normal`.
        let scenario = if Scenario::ECHOES.contains(&scenario) {
            Scenario::Normal
        } else {
            scenario
        };
        match shared.opts.family {
            Family::OpenAi => openai::respond(&shared.opts, scenario, &text, &request),
            Family::Anthropic => anthropic::respond(&shared.opts, scenario, &text, &request),
            Family::Kobold => {
                kobold::respond(&shared.opts, scenario, &text, &request, &shared.kobold)
            }
            Family::Horde => horde::respond(&shared.opts, scenario, &text, &request, &shared.horde),
            Family::NovelAi => novelai::respond(&shared.opts, scenario, &text, &request),
            Family::LlamaCpp => llamacpp::respond(
                &shared.opts,
                scenario,
                &text,
                &request,
                &shared.closed_early,
            ),
            Family::Ollama => {
                ollama::respond(&shared.opts, scenario, &text, &request, &shared.ollama)
            }
            Family::Cohere => cohere::respond(&shared.opts, scenario, &text, &request),
            Family::Gemini => gemini::respond(&shared.opts, scenario, &text, &request),
        }
    };
    reply.into_response().await
}

/// Whether the path is under [`FakeOptions::mount`] (always, when there is no mount).
pub(crate) fn mounted(opts: &FakeOptions, path: &str) -> bool {
    match opts.mount.as_deref() {
        Some(prefix) => path
            .strip_prefix(prefix.trim_end_matches('/'))
            .is_some_and(|rest| rest.starts_with('/')),
        None => true,
    }
}

/// The path without [`FakeOptions::mount`].
pub(crate) fn unmounted<'a>(opts: &FakeOptions, path: &'a str) -> &'a str {
    opts.mount
        .as_deref()
        .and_then(|prefix| path.strip_prefix(prefix.trim_end_matches('/')))
        .unwrap_or(path)
}

/// `Authorization: Bearer <key>` or `x-api-key: <key>`, when a key is configured.
pub(crate) fn authorized(opts: &FakeOptions, req: &RecordedRequest) -> bool {
    let Some(key) = opts.api_key.as_deref() else {
        return true;
    };
    let bearer = req.header("authorization").and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    });
    bearer == Some(key) || req.header("x-api-key") == Some(key)
}

/// `GET /__fake/requests`, `DELETE /__fake/requests`, `POST /__fake/scenario {"scenario": …}`
/// (with an optional `"reply"`: the text the normal scenarios send instead of [`REPLY_TEXT`]),
/// `GET /__fake/aborts` (the [`KoboldAbort`]s of [`Family::Kobold`]), `GET /__fake/cancels` (the
/// ids [`Family::Horde`] cancelled), `GET /__fake/closed-early` (how many streams the client
/// closed before their end), `GET /__fake/ollama-streams` (`{"open": n}`, the streams
/// [`Family::Ollama`] is still sending).
fn control(shared: &Shared, request: &RecordedRequest) -> Reply {
    let text = |status, message: &str| {
        Reply::full(status, "text/plain; charset=utf-8", message.to_owned())
    };
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/__fake/requests") => match serde_json::to_vec(&*lock(&shared.requests)) {
            Ok(body) => Reply::json(StatusCode::OK, body),
            Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        ("GET", "/__fake/aborts") => match serde_json::to_vec(&shared.kobold.aborts()) {
            Ok(body) => Reply::json(StatusCode::OK, body),
            Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        ("GET", "/__fake/closed-early") => Reply::json(
            StatusCode::OK,
            shared.closed_early.load(Ordering::SeqCst).to_string(),
        ),
        ("GET", "/__fake/cancels") => match serde_json::to_vec(&shared.horde.cancels()) {
            Ok(body) => Reply::json(StatusCode::OK, body),
            Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        ("GET", "/__fake/ollama-streams") => Reply::json(
            StatusCode::OK,
            serde_json::json!({ "open": shared.ollama.open_streams() }).to_string(),
        ),
        ("DELETE", "/__fake/requests") => {
            lock(&shared.requests).clear();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        ("GET", "/__fake/scenario") => {
            let name = lock(&shared.scenario).name();
            Reply::json(
                StatusCode::OK,
                serde_json::json!({ "scenario": name }).to_string(),
            )
        }
        ("POST", "/__fake/scenario") => {
            let body = request.json();
            let name = body
                .as_ref()
                .and_then(|v| v.get("scenario")?.as_str().map(str::to_owned));
            let reply = body
                .as_ref()
                .and_then(|v| v.get("reply")?.as_str().map(str::to_owned));
            match name.as_deref().map(str::parse::<Scenario>) {
                Some(Ok(scenario)) => {
                    *lock(&shared.scenario) = scenario;
                    *lock(&shared.reply) = reply.unwrap_or_else(|| REPLY_TEXT.to_string());
                    Reply::empty(StatusCode::NO_CONTENT)
                }
                Some(Err(e)) => text(StatusCode::BAD_REQUEST, &e.to_string()),
                None => text(
                    StatusCode::BAD_REQUEST,
                    "expected {\"scenario\": \"<kebab-case name>\"}",
                ),
            }
        }
        _ => text(StatusCode::NOT_FOUND, "unknown control route"),
    }
}
