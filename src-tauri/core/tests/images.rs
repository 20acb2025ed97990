//! Images and files on the wire, through the engine over a real store and the fakes: an
//! attached PNG arrives intact (the same decoded bytes, the right media type) in each family's
//! format, streamed and not, and the reply is the fake's description of what arrived; a text
//! file arrives as text with its name; a source that reads no images refuses before anything is
//! sent or saved; a server's refusal of an image reads clearly; an image whose bytes are not its
//! stated type is refused by the fake in the family's words; "show the request" shows a note,
//! not the base64.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use secrecy::SecretString;
use serde_json::Value;
use switchboard_core::catalogue::ApiType;
use switchboard_core::engine::GenerationRequest;
use switchboard_core::model::{
    AttachmentId, ChatEvent, ChatMessage, ChatRequest, ImagePart, Part, Role,
};
use switchboard_core::options::OpenAiApi;
use switchboard_core::store::Profile;
use switchboard_core::{Engine, ErrorKind, ProviderKind};
use switchboard_fakes::{FakeOptions, FakeServer, Family, RecordedRequest, REPLY_TEXT};
use tempfile::TempDir;

const KEY: &str = "sk-images-test-1";
const QUESTION: &str = "What is in this picture?";

/// A 64×48 PNG with a pattern (every pixel differs from its neighbours).
fn png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x ^ y) * 8) as u8])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

fn description(bytes: &[u8]) -> String {
    format!("Received image/png, {} bytes, 64x48 pixels.", bytes.len())
}

/// An image as a recorded body carries it: its media type and decoded bytes.
type Received = (String, Vec<u8>);

/// One family as a profile reaches it, and where its wire format puts a user's images.
#[derive(Clone, Copy)]
struct Case {
    label: &'static str,
    family: Family,
    kind: ProviderKind,
    /// Appended to the fake's URL.
    path: &'static str,
    model: &'static str,
    key: bool,
    api: Option<ApiType>,
    responses: bool,
    /// The images of the last user message of a recorded body: (media type, decoded bytes).
    images: fn(&Value) -> Vec<Received>,
}

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn data_url(url: &str) -> (String, Vec<u8>) {
    let rest = url.strip_prefix("data:").expect(url);
    let (media_type, data) = rest.split_once(";base64,").expect(url);
    (media_type.to_string(), b64(data))
}

fn last_user<'a>(body: &'a Value, list: &str) -> &'a Value {
    body[list]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .expect("a user message")
}

fn parts<'a>(message: &'a Value, key: &str) -> &'a [Value] {
    message[key].as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn openai_images(body: &Value) -> Vec<Received> {
    let message = last_user(body, "messages");
    let content = parts(message, "content");
    assert_eq!(
        content[0],
        serde_json::json!({"type": "text", "text": QUESTION}),
        "{body}"
    );
    content
        .iter()
        .filter(|p| p["type"] == "image_url")
        .map(|p| data_url(p["image_url"]["url"].as_str().unwrap()))
        .collect()
}

fn responses_images(body: &Value) -> Vec<Received> {
    let message = last_user(body, "input");
    let content = parts(message, "content");
    assert_eq!(
        content[0],
        serde_json::json!({"type": "input_text", "text": QUESTION}),
        "{body}"
    );
    content
        .iter()
        .filter(|p| p["type"] == "input_image")
        .map(|p| data_url(p["image_url"].as_str().unwrap()))
        .collect()
}

fn anthropic_images(body: &Value) -> Vec<Received> {
    let message = last_user(body, "messages");
    let content = parts(message, "content");
    assert_eq!(
        content.last().unwrap(),
        &serde_json::json!({"type": "text", "text": QUESTION}),
        "{body}"
    );
    content
        .iter()
        .filter(|p| p["type"] == "image")
        .map(|p| {
            assert_eq!(p["source"]["type"], "base64");
            (
                p["source"]["media_type"].as_str().unwrap().to_string(),
                b64(p["source"]["data"].as_str().unwrap()),
            )
        })
        .collect()
}

fn gemini_images(body: &Value) -> Vec<Received> {
    let message = last_user(body, "contents");
    let parts = parts(message, "parts");
    assert_eq!(parts.last().unwrap()["text"], QUESTION, "{body}");
    parts
        .iter()
        .filter_map(|p| p.get("inlineData"))
        .map(|inline| {
            (
                inline["mimeType"].as_str().unwrap().to_string(),
                b64(inline["data"].as_str().unwrap()),
            )
        })
        .collect()
}

fn ollama_images(body: &Value) -> Vec<Received> {
    let message = last_user(body, "messages");
    assert_eq!(message["content"], QUESTION, "{body}");
    // Ollama states no media type: the bytes say it.
    parts(message, "images")
        .iter()
        .map(|image| {
            let bytes = b64(image.as_str().unwrap());
            let format = image::guess_format(&bytes).unwrap();
            (format.to_mime_type().to_string(), bytes)
        })
        .collect()
}

const CASES: &[Case] = &[
    Case {
        label: "OpenAI chat completions",
        family: Family::OpenAi,
        kind: ProviderKind::OpenAi,
        path: "/v1",
        model: "gpt-4o",
        key: true,
        api: None,
        responses: false,
        images: openai_images,
    },
    Case {
        label: "OpenAI Responses",
        family: Family::OpenAi,
        kind: ProviderKind::OpenAi,
        path: "/v1",
        model: "gpt-4o",
        key: true,
        api: None,
        responses: true,
        images: responses_images,
    },
    Case {
        label: "OpenRouter",
        family: Family::OpenAi,
        kind: ProviderKind::OpenRouter,
        path: "/api/v1",
        model: "openai/gpt-4o",
        key: true,
        api: None,
        responses: false,
        images: openai_images,
    },
    Case {
        label: "Anthropic",
        family: Family::Anthropic,
        kind: ProviderKind::Claude,
        path: "/v1",
        model: "claude-fake-1",
        key: true,
        api: None,
        responses: false,
        images: anthropic_images,
    },
    Case {
        label: "Gemini",
        family: Family::Gemini,
        kind: ProviderKind::Gemini,
        path: "/v1beta",
        model: "gemini-2.5-flash",
        key: true,
        api: None,
        responses: false,
        images: gemini_images,
    },
    Case {
        label: "Ollama",
        family: Family::Ollama,
        kind: ProviderKind::Ollama,
        path: "",
        model: "llava",
        key: false,
        api: None,
        responses: false,
        images: ollama_images,
    },
    Case {
        label: "llama.cpp chat",
        family: Family::LlamaCpp,
        kind: ProviderKind::LlamaCpp,
        path: "",
        model: "qwen2.5-vl",
        key: false,
        api: Some(ApiType::ChatCompletion),
        responses: false,
        images: openai_images,
    },
    Case {
        label: "Cohere",
        family: Family::Cohere,
        kind: ProviderKind::Cohere,
        path: "",
        model: "command-a-vision-07-2025",
        key: true,
        api: None,
        responses: false,
        images: openai_images,
    },
];

async fn fake(case: &Case, refuses_images: bool) -> FakeServer {
    FakeServer::start(FakeOptions {
        family: case.family,
        api_key: case.key.then(|| KEY.to_string()),
        models: vec![case.model.to_string()],
        refuses_images,
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

async fn profile(engine: &Engine, case: &Case, server: &FakeServer) {
    let mut profile = Profile::new(
        "p",
        case.kind,
        format!("{}{}", server.base_url(), case.path),
    );
    profile.model = Some(case.model.to_string());
    profile.api = case.api;
    if case.responses {
        profile.options.source.openai_api = OpenAiApi::Responses;
    }
    engine.add_profile(profile).await.unwrap();
    if case.key {
        engine.set_key("p", SecretString::from(KEY)).await.unwrap();
    }
}

fn send(input: &str, attachments: Vec<AttachmentId>, stream: bool) -> GenerationRequest {
    GenerationRequest {
        stream,
        attachments,
        ..common::ask("p", None, input)
    }
}

fn generation_post(server: &FakeServer) -> RecordedRequest {
    common::last_post(server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_png_arrives_intact_in_every_familys_format_streamed_and_not() {
    let image = png();
    for case in CASES {
        let server = fake(case, false).await;
        let dir = TempDir::new().unwrap();
        let engine = common::engine(&dir, Duration::from_secs(5));
        profile(&engine, case, &server).await;
        for stream in [true, false] {
            let label = format!("{} stream={stream}", case.label);
            let attached = engine
                .add_attachment("picture.png".into(), image.clone())
                .await
                .unwrap();
            assert_eq!((attached.width, attached.height), (Some(64), Some(48)));
            let (chat, events) =
                common::run(&engine, send(QUESTION, vec![attached.id.clone()], stream)).await;
            assert!(
                matches!(events.last(), Some(ChatEvent::Finished { .. })),
                "{label}: {events:?}"
            );
            let body = generation_post(&server).json().unwrap();
            assert_eq!(
                body["stream"].as_bool().unwrap_or(stream),
                stream,
                "{label}"
            );
            let images = (case.images)(&body);
            assert_eq!(
                images,
                vec![("image/png".to_string(), image.clone())],
                "{label}"
            );
            let messages = engine.messages(&chat).await.unwrap();
            assert_eq!(messages[0].content, QUESTION, "{label}");
            assert_eq!(messages[0].attachments, vec![attached], "{label}");
            assert_eq!(messages[1].content, description(&image), "{label}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_file_arrives_as_text_with_its_name() {
    let case = &CASES[0];
    let server = fake(case, false).await;
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    profile(&engine, case, &server).await;
    let file = engine
        .add_attachment("plan.md".into(), b"# Plan\n\n- buy milk\n".to_vec())
        .await
        .unwrap();
    let (chat, events) =
        common::run(&engine, send("Summarise it.", vec![file.id.clone()], true)).await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Finished { .. })),
        "{events:?}"
    );
    let body = generation_post(&server).json().unwrap();
    let last = last_user(&body, "messages");
    assert_eq!(
        last["content"],
        "--- plan.md ---\n# Plan\n\n- buy milk\n\n--- end of plan.md ---\n\nSummarise it.",
        "{body}"
    );
    let messages = engine.messages(&chat).await.unwrap();
    assert_eq!(messages[1].content, REPLY_TEXT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_reads_no_images_refuses_before_anything_is_sent_or_saved() {
    let server = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let mut kobold = Profile::new("p", ProviderKind::KoboldCpp, server.base_url());
    kobold.model = Some("koboldcpp/fake".into());
    engine.add_profile(kobold).await.unwrap();
    let attached = engine
        .add_attachment("picture.png".into(), png())
        .await
        .unwrap();
    let refused = engine
        .start_generation(send(QUESTION, vec![attached.id.clone()], true))
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.kind, ErrorKind::InvalidRequest, "{refused:?}");
    assert!(refused.message.contains("image"), "{}", refused.message);
    assert!(
        server.requests().iter().all(|r| r.method != "POST"),
        "{:?}",
        server.requests()
    );
    assert!(engine.chats().await.unwrap().is_empty());
    // The image waits in the composer, to be sent elsewhere or removed.
    assert_eq!(
        engine.attachment(attached.id).await.unwrap().info.name,
        "picture.png"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servers_refusal_of_an_image_says_the_model_reads_none_with_the_servers_words() {
    let image = png();
    let said = [
        (
            "OpenAI chat completions",
            "image_url is only supported by certain models",
        ),
        ("Anthropic", "'claude-fake-1' does not support image input"),
        (
            "Gemini",
            "Image input modality is not enabled for models/gemini-2.5-flash",
        ),
        (
            "Ollama",
            "this model is missing data required for image input",
        ),
        ("llama.cpp chat", "image input is not supported"),
        ("Cohere", "does not support image inputs"),
    ];
    for (label, words) in said {
        let case = CASES.iter().find(|c| c.label == label).unwrap();
        let server = fake(case, true).await;
        let dir = TempDir::new().unwrap();
        let engine = common::engine(&dir, Duration::from_secs(5));
        profile(&engine, case, &server).await;
        let attached = engine
            .add_attachment("picture.png".into(), image.clone())
            .await
            .unwrap();
        let (_, events) = common::run(&engine, send(QUESTION, vec![attached.id], true)).await;
        let Some(ChatEvent::Failed { error, .. }) = events.last() else {
            panic!("{label}: {events:?}");
        };
        assert_eq!(error.kind, ErrorKind::InvalidRequest, "{label}: {error:?}");
        let starts = format!(
            "The model \"{}\" does not read images: Profile \"p\" sent it an image and the server refused it (the server said: ",
            case.model
        );
        assert!(
            error.message.starts_with(&starts),
            "{label}: {}",
            error.message
        );
        assert!(error.message.contains(words), "{label}: {}", error.message);
        assert!(
            error.detail.as_deref().unwrap().contains(words),
            "{label}: {error:?}"
        );
    }
}

/// An image whose bytes are not of its stated media type, as a request carries it.
fn mislabelled(model: &str) -> ChatRequest {
    let mut message = ChatMessage::new(Role::User, QUESTION);
    message.parts.insert(
        0,
        Part::Image(ImagePart {
            media_type: "image/jpeg".into(),
            data: Bytes::from(png()),
            name: "picture.jpg".into(),
        }),
    );
    ChatRequest {
        model: model.into(),
        messages: vec![message],
        stream: true,
        ..ChatRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_that_is_not_its_stated_type_is_refused_in_the_familys_words() {
    for (label, words) in [
        (
            "Anthropic",
            "Image does not match the provided media type image/jpeg",
        ),
        (
            "Gemini",
            "Image does not match the provided media type image/jpeg",
        ),
        (
            "OpenAI chat completions",
            "Image does not match the provided media type image/jpeg",
        ),
    ] {
        let case = CASES.iter().find(|c| c.label == label).unwrap();
        let server = fake(case, false).await;
        let provider = common::provider(
            case.kind,
            "p",
            &format!("{}{}", server.base_url(), case.path),
            Some(KEY),
            Duration::from_secs(5),
        );
        let outcome = common::collect(provider.as_ref(), mislabelled(case.model)).await;
        let error = outcome.error.expect(label);
        assert_eq!(error.kind, ErrorKind::InvalidRequest, "{label}: {error:?}");
        assert_eq!(error.status, Some(400), "{label}");
        assert!(
            error.detail.as_deref().unwrap().contains(words),
            "{label}: {error:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_request_shows_a_note_for_an_image_never_its_base64() {
    let image = png();
    let case = &CASES[0];
    let server = fake(case, false).await;
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    profile(&engine, case, &server).await;
    let attached = engine
        .add_attachment("picture.png".into(), image.clone())
        .await
        .unwrap();
    let shown = engine
        .dry_run(&send(QUESTION, vec![attached.id.clone()], true))
        .await
        .unwrap();
    let content = &last_user(&shown.body, "messages")["content"];
    assert_eq!(content[0]["text"], QUESTION);
    let note = content[1]["image_url"]["url"].as_str().unwrap();
    assert!(note.starts_with("[image/png, 64×48, "), "{note}");
    let encoded = base64::engine::general_purpose::STANDARD.encode(&image);
    let printed = serde_json::to_string(&shown).unwrap();
    assert!(!printed.contains(&encoded[..40]), "{printed}");
    assert!(!printed.contains("base64"), "{printed}");
    // Nothing was sent, and the draft is still there to send.
    assert!(server.requests().iter().all(|r| r.method != "POST"));
    assert_eq!(engine.attachment(attached.id).await.unwrap().data, image);
}
