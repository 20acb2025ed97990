//! What a fake sends back, as data: a status, headers and a body that is either whole, a list of
//! frames written one HTTP chunk each, or nothing at all (the response never starts).

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use tokio::sync::watch;

/// The receiving end of a stop request (`true` = stop): how an abort route reaches a running
/// generation. The generation counts as running while its receiver lives.
pub(crate) type StopSignal = watch::Receiver<bool>;

/// One wait of a [`ReplyBody::Deferred`] answer.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    /// How long the step takes; `None`: until stopped.
    pub wait: Option<Duration>,
    /// The whole body sent if the stop comes during this step.
    pub if_stopped: Bytes,
}

/// One step of a streamed body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// Bytes written as their own HTTP chunk.
    Data(Bytes),
    /// Wait before the next frame (lets the previous frames reach the socket as separate reads).
    Pause(Duration),
    /// Bytes written as their own HTTP chunk, [`STAMP`] in them replaced by the time they are
    /// sent (milliseconds since the Unix epoch, to the microsecond).
    Stamped(Bytes),
    /// Wait until this long after the body started (a steady pace whatever the timer's grain).
    Until(Duration),
    /// Abort the connection mid-body: the chunked body never terminates.
    Abort,
    /// Send nothing more and keep the connection open until the server stops.
    Hang,
}

/// The body of a [`Reply`].
#[derive(Clone, Debug)]
pub(crate) enum ReplyBody {
    /// The whole body at once (with `content-length`).
    Full(Bytes),
    /// A chunked body, frame by frame.
    Frames(Vec<Frame>),
    /// No response at all: the handler waits until the server stops.
    NoResponse,
    /// Frames as [`ReplyBody::Frames`], but when `stop` turns `true` the rest is replaced by
    /// `tail` (at a frame boundary: during a pause, a hang, or before the next frame).
    Stoppable {
        frames: Vec<Frame>,
        stop: StopSignal,
        tail: Bytes,
    },
    /// Frames as [`ReplyBody::Frames`]; when the client closes the connection before the last
    /// one, `closed_early` is counted up.
    Watched {
        frames: Vec<Frame>,
        closed_early: Arc<AtomicUsize>,
    },
    /// A whole body that takes a while: the response starts only after every step has waited
    /// (then with `done`), or as soon as `stop` turns `true` (with that step's `if_stopped`).
    /// `progress` (when given) counts the steps waited through, for a test to poll.
    Deferred {
        steps: Vec<Step>,
        done: Bytes,
        stop: StopSignal,
        progress: Option<Arc<AtomicUsize>>,
    },
}

/// A complete answer to one request.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub body: ReplyBody,
}

/// nginx's 500 page, as a reverse proxy in front of any provider sends it.
pub(crate) const NGINX_500: &str = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The pause put before [`Frame::Abort`] so that hyper flushes what came before it.
const FLUSH_PAUSE: Duration = Duration::from_millis(5);

impl Reply {
    /// A whole body with the given content type.
    pub(crate) fn full(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: ReplyBody::Full(body.into()),
        }
    }

    /// A whole `application/json` body.
    pub(crate) fn json(status: StatusCode, body: impl Into<Bytes>) -> Reply {
        Reply::full(status, "application/json", body)
    }

    /// A 200 streamed body with the given content type (`cache-control: no-cache` added).
    pub(crate) fn stream(content_type: &str, frames: Vec<Frame>) -> Reply {
        Reply {
            status: StatusCode::OK,
            headers: vec![
                ("content-type", content_type.to_owned()),
                ("cache-control", "no-cache".to_owned()),
            ],
            body: ReplyBody::Frames(frames),
        }
    }

    /// A reply that never sends its status line.
    pub(crate) fn never() -> Reply {
        Reply {
            status: StatusCode::OK,
            headers: Vec::new(),
            body: ReplyBody::NoResponse,
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// Replaces the body with frames (keeping status and headers).
    pub(crate) fn with_frames(mut self, frames: Vec<Frame>) -> Reply {
        self.body = ReplyBody::Frames(frames);
        self
    }

    /// A reply with no body and no content type (`204 No Content`).
    pub(crate) fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: ReplyBody::Full(Bytes::new()),
        }
    }

    /// Turns the reply into an axum response; for [`ReplyBody::NoResponse`] this never returns.
    pub(crate) async fn into_response(self) -> Response {
        let body = match self.body {
            ReplyBody::Full(bytes) => Body::from(bytes),
            ReplyBody::Frames(frames) => Body::from_stream(frame_stream(frames)),
            ReplyBody::NoResponse => return std::future::pending().await,
            ReplyBody::Watched {
                frames,
                closed_early,
            } => Body::from_stream(watched(frame_stream(frames), closed_early)),
            ReplyBody::Stoppable { frames, stop, tail } => {
                Body::from_stream(stoppable_stream(frames, stop, tail))
            }
            ReplyBody::Deferred {
                steps,
                done,
                mut stop,
                progress,
            } => Body::from(deferred(steps, done, &mut stop, progress.as_deref()).await),
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .append(HeaderName::from_static(name), value);
            }
        }
        response
    }
}

/// Where a [`Frame::Stamped`] frame gets its send time.
pub(crate) const STAMP: &str = "@@SENT@@";

/// The frame's bytes with the send time put in.
fn stamped(bytes: &Bytes) -> Bytes {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let ms = format!("{:.3}", now.as_secs_f64() * 1000.0);
    Bytes::from(String::from_utf8_lossy(bytes).replace(STAMP, &ms))
}

/// Plays the frames: data is yielded, pauses are slept, `Abort` yields an error (hyper then drops
/// the connection) and `Hang` never completes.
fn frame_stream(frames: Vec<Frame>) -> impl futures::Stream<Item = Result<Bytes, io::Error>> {
    let start = tokio::time::Instant::now();
    futures::stream::unfold(frames.into_iter(), move |mut frames| async move {
        loop {
            match frames.next()? {
                Frame::Data(bytes) => return Some((Ok(bytes), frames)),
                Frame::Stamped(bytes) => return Some((Ok(stamped(&bytes)), frames)),
                Frame::Pause(delay) => tokio::time::sleep(delay).await,
                Frame::Until(at) => tokio::time::sleep_until(start + at).await,
                Frame::Abort => {
                    let error = io::Error::new(io::ErrorKind::ConnectionAborted, "fake: truncated");
                    return Some((Err(error), Vec::new().into_iter()));
                }
                Frame::Hang => std::future::pending::<()>().await,
            }
        }
    })
}

/// Counts a body dropped before its end (`None` once it ended).
struct EndWatch(Option<Arc<AtomicUsize>>);

impl Drop for EndWatch {
    fn drop(&mut self) {
        if let Some(closed_early) = &self.0 {
            closed_early.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// `inner`, counting into `closed_early` when it is dropped before its end (the client went).
fn watched(
    inner: impl futures::Stream<Item = Result<Bytes, io::Error>> + Send + 'static,
    closed_early: Arc<AtomicUsize>,
) -> impl futures::Stream<Item = Result<Bytes, io::Error>> {
    let watch = EndWatch(Some(closed_early));
    futures::stream::unfold(
        (Box::pin(inner), watch),
        |(mut inner, mut watch)| async move {
            match futures::StreamExt::next(&mut inner).await {
                Some(Err(error)) => {
                    // The fake itself aborts: not the client's doing.
                    watch.0.take();
                    Some((Err(error), (inner, watch)))
                }
                Some(item) => Some((item, (inner, watch))),
                None => {
                    watch.0.take();
                    None
                }
            }
        },
    )
}

/// Waits until the signal says stop; never returns if it cannot any more.
async fn stopped(stop: &mut StopSignal) {
    if stop.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Waits through the steps of a deferred body; the body to send.
async fn deferred(
    steps: Vec<Step>,
    done: Bytes,
    stop: &mut StopSignal,
    progress: Option<&AtomicUsize>,
) -> Bytes {
    for step in steps {
        let wait = async {
            match step.wait {
                Some(delay) => tokio::time::sleep(delay).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = wait => {}
            _ = stopped(stop) => return step.if_stopped,
        }
        if let Some(progress) = progress {
            progress.fetch_add(1, Ordering::SeqCst);
        }
    }
    done
}

/// [`frame_stream`] that switches to `tail` when the signal says stop.
fn stoppable_stream(
    frames: Vec<Frame>,
    stop: StopSignal,
    tail: Bytes,
) -> impl futures::Stream<Item = Result<Bytes, io::Error>> {
    let state = (frames.into_iter(), stop, Some(tail));
    let start = tokio::time::Instant::now();
    futures::stream::unfold(state, move |(mut frames, mut stop, mut tail)| async move {
        loop {
            if *stop.borrow() {
                let tail = tail.take()?;
                return Some((Ok(tail), (Vec::new().into_iter(), stop, None)));
            }
            match frames.next()? {
                Frame::Data(bytes) => return Some((Ok(bytes), (frames, stop, tail))),
                Frame::Stamped(bytes) => return Some((Ok(stamped(&bytes)), (frames, stop, tail))),
                Frame::Pause(delay) => {
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = stopped(&mut stop) => {}
                    }
                }
                Frame::Until(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(start + at) => {}
                        _ = stopped(&mut stop) => {}
                    }
                }
                Frame::Abort => {
                    let error = io::Error::new(io::ErrorKind::ConnectionAborted, "fake: truncated");
                    return Some((Err(error), (Vec::new().into_iter(), stop, None)));
                }
                Frame::Hang => stopped(&mut stop).await,
            }
        }
    })
}

/// Makes frames out of byte pieces, one frame each, with `gap` between frames (if any) and a
/// short flush pause before an abort.
pub(crate) fn frames(pieces: Vec<Piece>, gap: Option<Duration>) -> Vec<Frame> {
    let mut out = Vec::with_capacity(pieces.len() * 2);
    for piece in pieces {
        if let (Some(gap), Some(Frame::Data(_))) = (gap, out.last()) {
            out.push(Frame::Pause(gap));
        }
        match piece {
            Piece::Bytes(bytes) => out.push(Frame::Data(bytes.into())),
            Piece::Abort => out.extend([Frame::Pause(FLUSH_PAUSE), Frame::Abort]),
            Piece::Hang => out.push(Frame::Hang),
        }
    }
    out
}

/// A rendered part of a streamed body, before it is cut into frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Bytes(Vec<u8>),
    Abort,
    Hang,
}
