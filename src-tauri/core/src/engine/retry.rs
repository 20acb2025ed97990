//! Retrying idempotent calls (status, model list) when the failure may pass, and the waits
//! between tries.
//!
//! Must not: retry anything that generates (a reply is never sent twice), wait longer than
//! [`MAX_RETRY_WAIT`] for a server's `retry-after`, or touch the store or the keychain.

use std::time::Duration;

use crate::error::{ErrorKind, Result};

pub const MAX_ATTEMPTS: usize = 3;
/// The waits before the second and third tries.
pub const RETRY_DELAYS: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];
/// The longest `retry-after` a retry waits for; a server asking for longer gets the error shown.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

/// Runs an idempotent call (one that reads, never one that generates), trying again after a
/// short wait when the failure may pass: the server overloaded or failing (5xx), a rate limit
/// that asks for at most [`MAX_RETRY_WAIT`], or — once — the network. A generation is never
/// sent twice: replies do not go through here.
pub(super) async fn retrying<T, F, Fut>(mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        let error = match call().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let wait = match error.kind {
            ErrorKind::ProviderUnavailable => RETRY_DELAYS.get(attempt).copied(),
            ErrorKind::Network if attempt == 0 => Some(RETRY_DELAYS[0]),
            ErrorKind::RateLimited => match error.retry_after_ms {
                Some(ms) if u64::from(ms) > MAX_RETRY_WAIT.as_millis() as u64 => None,
                Some(ms) => Some(Duration::from_millis(u64::from(ms))),
                None => RETRY_DELAYS.get(attempt).copied(),
            },
            _ => None,
        };
        attempt += 1;
        match wait {
            Some(wait) if attempt < MAX_ATTEMPTS => {
                tracing::info!(
                    "{}; trying again in {} ms (attempt {} of {MAX_ATTEMPTS})",
                    error.log_summary(),
                    wait.as_millis(),
                    attempt + 1
                );
                tokio::time::sleep(wait).await;
            }
            _ => return Err(error),
        }
    }
}
