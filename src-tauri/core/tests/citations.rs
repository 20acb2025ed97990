//! Sources under a reply: the pages Perplexity (`citations`, `search_results`), OpenRouter's web
//! search (`url_citation` annotations) and Gemini's grounding (`groundingChunks`) return are kept
//! with the reply's version, each address once in the order given, streamed and not; the front
//! end is told them before the reply ends; a new version has its own and switching back shows
//! the old; deleting and restoring, a branch, Switchboard's export and a backup keep them; a
//! reply without any is stored and exported as before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use secrecy::SecretString;
use switchboard_core::engine::{Action, ExistingChats};
use switchboard_core::model::{ChatEvent, ChatId, SourceLink};
use switchboard_core::store::Profile;
use switchboard_core::transfer::json as chat_json;
use switchboard_core::{Engine, ProviderKind};
use switchboard_fakes::{cited_sources, Citations, FakeOptions, FakeServer, Family, REPLY_TEXT};
use tempfile::TempDir;

const KEY: &str = "sk-cited-1";

/// A profile named `name` of `kind` at the fake, whose answers carry `citations`.
async fn cited(
    engine: &Engine,
    name: &str,
    kind: ProviderKind,
    citations: Citations,
) -> FakeServer {
    let family = match citations {
        Citations::Gemini => Family::Gemini,
        _ => Family::OpenAi,
    };
    let models = match citations {
        Citations::Gemini => vec!["gemini-2.5-flash".to_string()],
        _ => FakeOptions::default().models,
    };
    let server = FakeServer::start(FakeOptions {
        family,
        api_key: Some(KEY.into()),
        citations: Some(citations),
        models,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let base = match kind {
        ProviderKind::Gemini => format!("{}/v1beta", server.base_url()),
        ProviderKind::OpenRouter => format!("{}/api/v1", server.base_url()),
        _ => server.base_url().to_string(),
    };
    let mut profile = Profile::new(name, kind, base);
    profile.model = Some(
        match citations {
            Citations::Gemini => "gemini-2.5-flash",
            _ => "fake-model-1",
        }
        .into(),
    );
    engine.add_profile(profile).await.unwrap();
    engine.set_key(name, SecretString::from(KEY)).await.unwrap();
    server
}

fn shown(links: &[SourceLink]) -> Vec<(String, String)> {
    links
        .iter()
        .map(|l| (l.url.clone(), l.title.clone().unwrap_or_default()))
        .collect()
}

/// The sources the events told, and whether `Sources` came just before `Finished`.
fn told(events: &[ChatEvent]) -> (Vec<(String, String)>, bool) {
    if let [.., ChatEvent::Sources { sources }, ChatEvent::Finished { .. }] = events {
        return (shown(sources), true);
    }
    let sources = events.iter().find_map(|e| match e {
        ChatEvent::Sources { sources } => Some(shown(sources)),
        _ => None,
    });
    (sources.unwrap_or_default(), false)
}

async fn ask(
    engine: &Engine,
    profile: &str,
    chat: Option<ChatId>,
    stream: bool,
) -> (ChatId, Vec<ChatEvent>) {
    let mut request = common::ask(profile, chat, "Who ran the first telephone switchboard?");
    request.stream = stream;
    common::run(engine, request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_familys_citations_are_kept_with_the_reply_streamed_and_not() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let cases = [
        ("pplx", ProviderKind::Perplexity, Citations::Perplexity),
        ("router", ProviderKind::OpenRouter, Citations::OpenRouter),
        ("gemini", ProviderKind::Gemini, Citations::Gemini),
    ];
    for (name, kind, citations) in cases {
        let server = cited(&engine, name, kind, citations).await;
        for stream in [true, false] {
            let label = format!("{name}, streamed: {stream}");
            let (chat, events) = ask(&engine, name, None, stream).await;
            let (sources, just_before_the_end) = told(&events);
            assert!(just_before_the_end, "{label}: {events:?}");
            // Each address once, in the order given, with its title.
            assert_eq!(sources, cited_sources(citations), "{label}");
            let messages = engine.messages(&chat).await.unwrap();
            assert_eq!(messages[1].content, REPLY_TEXT, "{label}");
            assert_eq!(
                shown(&messages[1].sources),
                cited_sources(citations),
                "{label}"
            );
            assert!(messages[0].sources.is_empty(), "{label}");
            let body = common::last_post(&server).json().unwrap();
            let streamed = body
                .get("stream")
                .and_then(|s| s.as_bool())
                .unwrap_or(false)
                || common::last_post(&server)
                    .path
                    .contains("streamGenerateContent");
            assert_eq!(
                streamed,
                stream,
                "{label}: {}",
                common::last_post(&server).path
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_version_keeps_its_own_sources_and_they_go_where_the_message_goes() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let _pplx = cited(
        &engine,
        "pplx",
        ProviderKind::Perplexity,
        Citations::Perplexity,
    )
    .await;
    let plain = FakeServer::start(FakeOptions {
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new("plain", ProviderKind::Custom, plain.base_url().to_string());
    profile.model = Some("fake-model-1".into());
    engine.add_profile(profile).await.unwrap();
    engine
        .set_key("plain", SecretString::from(KEY))
        .await
        .unwrap();

    let expected = cited_sources(Citations::Perplexity);
    let (chat, events) = ask(&engine, "pplx", None, true).await;
    assert!(told(&events).1, "{events:?}");
    let reply = engine.messages(&chat).await.unwrap()[1].id.clone();

    // A new version through a source that cites nothing has none; switching back shows the
    // first version's again, and forth the second's none.
    let mut regenerate = common::ask("plain", Some(chat.clone()), "");
    regenerate.action = Action::Regenerate(reply.clone());
    let (_, events) = common::run(&engine, regenerate).await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Finished { .. })),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ChatEvent::Sources { .. })),
        "{events:?}"
    );
    let all = engine.messages(&chat).await.unwrap();
    let second = all[1].clone();
    assert_eq!(
        (second.swipe_index, second.swipe_count),
        (1, 2),
        "{all:?} {events:?}"
    );
    assert!(second.sources.is_empty());
    let first = engine.select_swipe(&reply, 0).await.unwrap();
    assert_eq!(shown(&first.sources), expected);
    let back = engine.select_swipe(&reply, 1).await.unwrap();
    assert!(back.sources.is_empty());
    let first = engine.select_swipe(&reply, 0).await.unwrap();
    assert_eq!(shown(&first.sources), expected);

    // A third version through the citing source has its own.
    let mut regenerate = common::ask("pplx", Some(chat.clone()), "");
    regenerate.action = Action::Regenerate(reply.clone());
    common::run(&engine, regenerate).await;
    let third = engine.messages(&chat).await.unwrap()[1].clone();
    assert_eq!((third.swipe_index, third.swipe_count), (2, 3));
    assert_eq!(shown(&third.sources), expected);
    let second = engine.select_swipe(&reply, 1).await.unwrap();
    assert!(second.sources.is_empty());
    engine.select_swipe(&reply, 0).await.unwrap();

    // Deleted and brought back, with every version.
    assert!(engine.delete_message(&reply).await.unwrap());
    assert!(engine.restore_message(&reply).await.unwrap());
    let restored = engine.messages(&chat).await.unwrap()[1].clone();
    assert_eq!(shown(&restored.sources), expected);
    let third = engine.select_swipe(&reply, 2).await.unwrap();
    assert_eq!(shown(&third.sources), expected);
    let second = engine.select_swipe(&reply, 1).await.unwrap();
    assert!(second.sources.is_empty());
    engine.select_swipe(&reply, 0).await.unwrap();

    // A branch carries them.
    let branch = engine.branch_chat(&chat, &reply).await.unwrap();
    let copied = engine.messages(&branch.id).await.unwrap();
    assert_eq!(shown(&copied[1].sources), expected);

    // Switchboard's export and a backup carry them; a restored chat has them.
    let exported = chat_json::write_chat(&engine.archive(&chat).await.unwrap());
    assert!(exported.contains("\"sources\""), "{exported}");
    assert!(exported.contains(&expected[0].0), "{exported}");
    let text = chat_json::write_backup(&engine.backup().await.unwrap());
    let fresh_dir = TempDir::new().unwrap();
    let fresh = common::engine(&fresh_dir, Duration::from_secs(5));
    let report = fresh
        .restore_backup(chat_json::read_backup(&text).unwrap(), ExistingChats::Skip)
        .await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    let restored_chat = report
        .chats
        .iter()
        .find(|c| c.id == chat)
        .expect("the chat restored");
    let restored = fresh.messages(&restored_chat.id).await.unwrap();
    assert_eq!(shown(&restored[1].sources), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_without_sources_is_exported_as_before() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let plain = FakeServer::start(FakeOptions::default()).await.unwrap();
    let mut profile = Profile::new("plain", ProviderKind::Custom, plain.base_url().to_string());
    profile.model = Some("fake-model-1".into());
    engine.add_profile(profile).await.unwrap();
    let (chat, events) = ask(&engine, "plain", None, true).await;
    assert!(!events
        .iter()
        .any(|e| matches!(e, ChatEvent::Sources { .. })));
    let archive = engine.archive(&chat).await.unwrap();
    let exported = chat_json::write_chat(&archive);
    assert!(!exported.contains("sources"), "{exported}");
    // Read back, it is the same archive.
    let read = chat_json::read_chat(&exported).unwrap();
    assert_eq!(read.messages, archive.messages);
}
