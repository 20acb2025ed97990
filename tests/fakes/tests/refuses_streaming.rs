//! A server that cannot stream (`FakeOptions::refuses_streaming`, `--refuses-streaming`): a
//! generation asking for `"stream": true` is refused with 400 in OpenAI's error shape, the same
//! request without it is answered whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use switchboard_fakes::{FakeOptions, FakeServer, REPLY_TEXT, STREAMING_REFUSED};

#[tokio::test]
async fn a_streamed_request_is_refused_and_a_whole_one_answered() {
    let server = FakeServer::start(FakeOptions {
        refuses_streaming: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let refused = read(post(&server, "/v1/chat/completions", &chat_body(true)).await).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.text(),
        format!(
            r#"{{"error":{{"message":"{STREAMING_REFUSED}","type":"invalid_request_error","param":null,"code":null}}}}"#
        )
    );
    let whole = read(post(&server, "/v1/chat/completions", &chat_body(false)).await).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.json()["choices"][0]["message"]["content"], REPLY_TEXT);
}
