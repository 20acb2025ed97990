//! Auto-detect over real loopback servers on ephemeral ports: the fakes where they imitate a
//! server (KoboldCpp, KoboldAI United, an OpenAI-compatible server), and for the others small
//! canned-answer HTTP servers that write the bytes the real servers write. Never the real
//! default ports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard_core::detect::{detect, Found, LOCAL_PORTS, PROBE_TIMEOUT};
use switchboard_core::engine::{Engine, EngineConfig};
use switchboard_core::http::{Http, HttpConfig};
use switchboard_core::secrets::MemoryStore;
use switchboard_core::store::Profile;
use switchboard_core::ProviderKind;
use switchboard_fakes::{Dialect, FakeOptions, FakeServer, Family, KoboldServer, Scenario};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

fn http() -> Http {
    Http::new(HttpConfig::default()).unwrap()
}

/// One canned answer: status line, content type and body, written as the real server does.
#[derive(Clone)]
struct Answer {
    status: &'static str,
    content_type: &'static str,
    body: String,
}

fn json(body: &str) -> Answer {
    Answer {
        status: "200 OK",
        content_type: "application/json",
        body: body.to_string(),
    }
}

fn answer(status: &'static str, content_type: &'static str, body: &str) -> Answer {
    Answer {
        status,
        content_type,
        body: body.to_string(),
    }
}

/// A tiny HTTP/1.1 server answering `GET`s by path from a table (anything else gets
/// `fallback`), or never answering at all. Records each request's head.
struct Canned {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Canned {
    async fn start(routes: Vec<(&'static str, Answer)>, fallback: Answer) -> Canned {
        Canned::serve(Some((routes, fallback))).await
    }

    /// Accepts connections and reads requests but never answers.
    async fn silent() -> Canned {
        Canned::serve(None).await
    }

    async fn serve(table: Option<(Vec<(&'static str, Answer)>, Answer)>) -> Canned {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let table = Arc::new(table);
        let recorded = Arc::clone(&heads);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let table = Arc::clone(&table);
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    recorded.lock().unwrap().push(head.clone());
                    let Some((routes, fallback)) = table.as_ref() else {
                        // Hold the connection open without a word.
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    };
                    let path = head
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or("/")
                        .split('?')
                        .next()
                        .unwrap_or("/");
                    let reply = routes
                        .iter()
                        .find(|(route, _)| *route == path)
                        .map_or(fallback, |(_, answer)| answer);
                    let bytes = format!(
                        "HTTP/1.1 {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                        reply.status,
                        reply.content_type,
                        reply.body.len(),
                        reply.body
                    );
                    let _ = socket.write_all(bytes.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Canned { port, heads, task }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

async fn detect_one(port: u16) -> Option<Found> {
    let found = detect(&http(), "127.0.0.1", &[port]).await;
    assert!(found.len() <= 1, "{found:?}");
    found.into_iter().next()
}

/// Asserts no probe carried a key.
fn assert_no_key(heads: &[String]) {
    assert!(!heads.is_empty());
    for head in heads {
        let lower = head.to_ascii_lowercase();
        assert!(!lower.contains("authorization:"), "{head}");
        assert!(!lower.contains("x-api-key:"), "{head}");
    }
}

// ----- the servers the fakes imitate -----

#[tokio::test]
async fn koboldcpp_is_found_with_its_version_and_model() {
    let server = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        kobold: KoboldServer::KoboldCpp,
        models: vec!["Mistral-7B".into()],
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let port = server.addr().port();
    let found = detect_one(port).await.expect("KoboldCpp found");
    assert_eq!(found.source, ProviderKind::KoboldCpp);
    assert_eq!(found.url, format!("http://127.0.0.1:{port}"));
    assert_eq!(found.server, "KoboldCpp");
    assert_eq!(found.version.as_deref(), Some("1.76"));
    assert_eq!(found.models, vec!["koboldcpp/Mistral-7B".to_string()]);
    assert_eq!(
        found.summary,
        "KoboldCpp 1.76 with model koboldcpp/Mistral-7B"
    );
    assert_eq!(found.profile_name, format!("KoboldCpp ({port})"));
    for request in server.requests() {
        assert_eq!(request.method, "GET");
        assert!(request.header("authorization").is_none());
    }
}

#[tokio::test]
async fn koboldai_united_is_found_and_readonly_means_no_model() {
    let server = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        kobold: KoboldServer::United,
        models: vec!["KoboldAI/fairseq-dense-13B-Nerys-v2".into()],
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let port = server.addr().port();
    let found = detect_one(port).await.expect("United found");
    assert_eq!(found.source, ProviderKind::Kobold);
    assert_eq!(found.url, format!("http://127.0.0.1:{port}/api"));
    assert_eq!(found.server, "KoboldAI United");
    assert_eq!(found.version.as_deref(), Some("1.2.6"));
    assert_eq!(
        found.models,
        vec!["KoboldAI/fairseq-dense-13B-Nerys-v2".to_string()]
    );
    assert_eq!(
        found.summary,
        "KoboldAI United 1.2.6 with model KoboldAI/fairseq-dense-13B-Nerys-v2"
    );

    server.set_scenario(Scenario::EmptyModels);
    let found = detect_one(port).await.expect("United found");
    assert_eq!(found.source, ProviderKind::Kobold);
    assert!(found.models.is_empty());
    assert_eq!(found.summary, "KoboldAI United 1.2.6 with no model loaded");
}

#[tokio::test]
async fn any_openai_model_list_under_v1_is_an_openai_compatible_server() {
    let server = FakeServer::start(FakeOptions {
        dialect: Dialect::LlamaCpp,
        mount: Some("/v1".into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let port = server.addr().port();
    let found = detect_one(port).await.expect("server found");
    assert_eq!(found.source, ProviderKind::Custom);
    assert_eq!(found.url, format!("http://127.0.0.1:{port}/v1"));
    assert_eq!(found.server, "OpenAI-compatible server");
    assert_eq!(found.version, None);
    assert_eq!(found.models, vec!["fake-model-1", "fake-model-2"]);
    assert_eq!(
        found.summary,
        "OpenAI-compatible server with models fake-model-1, fake-model-2"
    );
    assert_eq!(
        found.profile_name,
        format!("OpenAI-compatible server ({port})")
    );
}

// ----- the servers written here, from their real answers -----

const FASTAPI_404: &str = r#"{"detail":"Not Found"}"#;

#[tokio::test]
async fn oobabooga_is_found_by_its_model_info() {
    let server = Canned::start(
        vec![
            (
                "/v1/internal/model/info",
                json(r#"{"model_name":"Qwen2.5-7B-Instruct-Q4_K_M.gguf","lora_names":[],"loader":"llama.cpp"}"#),
            ),
            (
                "/v1/models",
                json(r#"{"object":"list","data":[{"id":"Qwen2.5-7B-Instruct-Q4_K_M.gguf","object":"model","created":0,"owned_by":"user"}]}"#),
            ),
        ],
        answer("404 Not Found", "application/json", FASTAPI_404),
    )
    .await;
    let found = detect_one(server.port).await.expect("Ooba found");
    assert_eq!(found.source, ProviderKind::Ooba);
    assert_eq!(found.url, format!("http://127.0.0.1:{}/v1", server.port));
    assert_eq!(found.server, "Oobabooga text-generation-webui");
    assert_eq!(found.version, None);
    assert_eq!(found.models, vec!["Qwen2.5-7B-Instruct-Q4_K_M.gguf"]);
    assert_eq!(
        found.summary,
        "Oobabooga text-generation-webui with model Qwen2.5-7B-Instruct-Q4_K_M.gguf"
    );
    assert_no_key(&server.heads());
}

#[tokio::test]
async fn oobabooga_without_a_model_says_so() {
    let server = Canned::start(
        vec![(
            "/v1/internal/model/info",
            json(r#"{"model_name":"None","lora_names":[],"loader":null}"#),
        )],
        answer("404 Not Found", "application/json", FASTAPI_404),
    )
    .await;
    let found = detect_one(server.port).await.expect("Ooba found");
    assert_eq!(found.source, ProviderKind::Ooba);
    assert!(found.models.is_empty());
    assert_eq!(
        found.summary,
        "Oobabooga text-generation-webui with no model loaded"
    );
}

const TABBY_CARD: &str = r#"{"id":"Mistral-Nemo-12B-exl2","object":"model","created":1736000000,"owned_by":"tabbyAPI","logging":null,"parameters":{"max_seq_len":16384,"rope_scale":1.0,"rope_alpha":1.0,"cache_size":16384,"cache_mode":"FP16","chunk_size":2048,"prompt_template":"mistral","num_experts_per_token":null,"draft":null}}"#;

#[tokio::test]
async fn tabbyapi_is_found_by_its_model_card() {
    let server = Canned::start(
        vec![
            ("/v1/model", json(TABBY_CARD)),
            (
                "/v1/models",
                json(r#"{"object":"list","data":[{"id":"Mistral-Nemo-12B-exl2","object":"model","created":1736000000,"owned_by":"tabbyAPI","logging":null,"parameters":null},{"id":"Llama-3.1-8B-exl2","object":"model","created":1736000000,"owned_by":"tabbyAPI","logging":null,"parameters":null}]}"#),
            ),
        ],
        answer("404 Not Found", "application/json", FASTAPI_404),
    )
    .await;
    let found = detect_one(server.port).await.expect("Tabby found");
    assert_eq!(found.source, ProviderKind::Tabby);
    assert_eq!(found.url, format!("http://127.0.0.1:{}/v1", server.port));
    assert_eq!(found.server, "TabbyAPI");
    assert_eq!(found.models, vec!["Mistral-Nemo-12B-exl2"]);
    assert_eq!(found.summary, "TabbyAPI with model Mistral-Nemo-12B-exl2");
}

#[tokio::test]
async fn tabbyapi_without_a_loaded_model_is_found_by_its_model_list() {
    let server = Canned::start(
        vec![
            (
                "/v1/model",
                answer(
                    "400 Bad Request",
                    "application/json",
                    r#"{"detail":"No models are currently loaded."}"#,
                ),
            ),
            (
                "/v1/models",
                json(r#"{"object":"list","data":[{"id":"Llama-3.1-8B-exl2","object":"model","created":1736000000,"owned_by":"tabbyAPI","logging":null,"parameters":null}]}"#),
            ),
        ],
        answer("404 Not Found", "application/json", FASTAPI_404),
    )
    .await;
    let found = detect_one(server.port).await.expect("Tabby found");
    assert_eq!(found.source, ProviderKind::Tabby);
    assert!(found.models.is_empty());
    assert_eq!(found.summary, "TabbyAPI with no model loaded");
}

#[tokio::test]
async fn llama_cpp_is_found_by_its_props() {
    let server = Canned::start(
        vec![
            (
                "/props",
                json(r#"{"default_generation_settings":{"id":0,"id_task":-1,"n_ctx":4096,"speculative":false,"is_processing":false,"params":{"n_predict":-1,"seed":4294967295,"temperature":0.800000011920929}},"total_slots":1,"model_path":"/models/qwen2.5-7b-instruct-q4_k_m.gguf","chat_template":"{%- for message in messages %}…","modalities":{"vision":false},"build_info":"b4600-5f0db95"}"#),
            ),
            (
                "/v1/models",
                json(r#"{"object":"list","data":[{"id":"qwen2.5-7b-instruct-q4_k_m.gguf","object":"model","created":1736000000,"owned_by":"llamacpp","meta":{"vocab_type":2,"n_vocab":152064,"n_ctx_train":32768,"n_embd":3584,"n_params":7615616512,"size":4677120000}}]}"#),
            ),
            ("/health", json(r#"{"status":"ok"}"#)),
        ],
        answer(
            "404 Not Found",
            "application/json; charset=utf-8",
            r#"{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}"#,
        ),
    )
    .await;
    let found = detect_one(server.port).await.expect("llama.cpp found");
    assert_eq!(found.source, ProviderKind::LlamaCpp);
    assert_eq!(found.url, format!("http://127.0.0.1:{}", server.port));
    assert!(!found.needs_key);
    assert_eq!(found.server, "llama.cpp");
    assert_eq!(found.version.as_deref(), Some("b4600-5f0db95"));
    assert_eq!(found.models, vec!["qwen2.5-7b-instruct-q4_k_m.gguf"]);
    assert_eq!(
        found.summary,
        "llama.cpp b4600-5f0db95 with model qwen2.5-7b-instruct-q4_k_m.gguf"
    );
    assert_eq!(found.profile_name, format!("llama.cpp ({})", server.port));
}

#[tokio::test]
async fn ollama_is_found_with_its_version_and_pulled_models() {
    let server = Canned::start(
        vec![
            ("/", answer("200 OK", "text/plain; charset=utf-8", "Ollama is running")),
            ("/api/version", json(r#"{"version":"0.5.7"}"#)),
            (
                "/api/tags",
                json(r#"{"models":[{"name":"llama3:8b","model":"llama3:8b","modified_at":"2025-01-20T10:00:00.000000000+01:00","size":4661224676,"digest":"365c0bd3c000a25d28ddbf732fe1c6add414de7275464c4e4d1c3b5fcb5d8ad1","details":{"parent_model":"","format":"gguf","family":"llama","families":["llama"],"parameter_size":"8.0B","quantization_level":"Q4_0"}},{"name":"qwen2.5:7b","model":"qwen2.5:7b","modified_at":"2025-01-19T10:00:00.000000000+01:00","size":4683087332,"digest":"845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e","details":{"parent_model":"","format":"gguf","family":"qwen2","families":["qwen2"],"parameter_size":"7.6B","quantization_level":"Q4_K_M"}}]}"#),
            ),
            (
                "/v1/models",
                json(r#"{"object":"list","data":[{"id":"llama3:8b","object":"model","created":1737363600,"owned_by":"library"},{"id":"qwen2.5:7b","object":"model","created":1737277200,"owned_by":"library"}]}"#),
            ),
        ],
        answer("404 Not Found", "text/plain", "404 page not found"),
    )
    .await;
    let found = detect_one(server.port).await.expect("Ollama found");
    assert_eq!(found.source, ProviderKind::Ollama);
    assert_eq!(found.url, format!("http://127.0.0.1:{}", server.port));
    assert_eq!(found.server, "Ollama");
    assert_eq!(found.version.as_deref(), Some("0.5.7"));
    assert_eq!(found.models, vec!["llama3:8b", "qwen2.5:7b"]);
    assert_eq!(
        found.summary,
        "Ollama 0.5.7 with models llama3:8b, qwen2.5:7b"
    );
    assert_no_key(&server.heads());
}

#[tokio::test]
async fn lm_studio_is_found_with_its_language_models_loaded_first() {
    // LM Studio answers unknown routes with 200 and an error object.
    let unexpected = json(r#"{"error":"Unexpected endpoint or method. (GET /x)"}"#);
    let server = Canned::start(
        vec![
            (
                "/api/v0/models",
                json(r#"{"object":"list","data":[{"id":"qwen2-vl-7b-instruct","object":"model","type":"vlm","publisher":"mlx-community","arch":"qwen2_vl","compatibility_type":"mlx","quantization":"4bit","state":"not-loaded","max_context_length":32768},{"id":"meta-llama-3.1-8b-instruct","object":"model","type":"llm","publisher":"lmstudio-community","arch":"llama","compatibility_type":"gguf","quantization":"Q4_K_M","state":"loaded","max_context_length":131072},{"id":"text-embedding-nomic-embed-text-v1.5","object":"model","type":"embeddings","publisher":"nomic-ai","arch":"nomic-bert","compatibility_type":"gguf","quantization":"Q4_0","state":"not-loaded","max_context_length":2048}]}"#),
            ),
            (
                "/v1/models",
                json(r#"{"data":[{"id":"qwen2-vl-7b-instruct","object":"model","owned_by":"organization_owner"},{"id":"meta-llama-3.1-8b-instruct","object":"model","owned_by":"organization_owner"},{"id":"text-embedding-nomic-embed-text-v1.5","object":"model","owned_by":"organization_owner"}],"object":"list"}"#),
            ),
        ],
        unexpected,
    )
    .await;
    let found = detect_one(server.port).await.expect("LM Studio found");
    assert_eq!(found.source, ProviderKind::Custom);
    assert_eq!(found.url, format!("http://127.0.0.1:{}/v1", server.port));
    assert_eq!(found.server, "LM Studio");
    assert_eq!(found.version, None);
    assert_eq!(
        found.models,
        vec!["meta-llama-3.1-8b-instruct", "qwen2-vl-7b-instruct"]
    );
    assert_eq!(
        found.summary,
        "LM Studio with models meta-llama-3.1-8b-instruct, qwen2-vl-7b-instruct"
    );
}

#[tokio::test]
async fn vllm_is_found_with_its_version() {
    let server = Canned::start(
        vec![
            ("/version", json(r#"{"version":"0.6.3"}"#)),
            ("/health", answer("200 OK", "application/json", "")),
            (
                "/v1/models",
                json(r#"{"object":"list","data":[{"id":"meta-llama/Llama-3.1-8B-Instruct","object":"model","created":1736000000,"owned_by":"vllm","root":"meta-llama/Llama-3.1-8B-Instruct","parent":null,"max_model_len":8192,"permission":[{"id":"modelperm-1","object":"model_permission","created":1736000000,"allow_create_engine":false,"allow_sampling":true,"allow_logprobs":true,"allow_search_indices":false,"allow_view":true,"allow_fine_tuning":false,"organization":"*","group":null,"is_blocking":false}]}]}"#),
            ),
        ],
        answer("404 Not Found", "application/json", FASTAPI_404),
    )
    .await;
    let found = detect_one(server.port).await.expect("vLLM found");
    assert_eq!(found.source, ProviderKind::Vllm);
    // vLLM's base URL is its `/v1` (the source's URL rule).
    assert_eq!(found.url, format!("http://127.0.0.1:{}/v1", server.port));
    assert_eq!(found.server, "vLLM");
    assert_eq!(found.version.as_deref(), Some("0.6.3"));
    assert_eq!(found.models, vec!["meta-llama/Llama-3.1-8B-Instruct"]);
    assert_eq!(
        found.summary,
        "vLLM 0.6.3 with model meta-llama/Llama-3.1-8B-Instruct"
    );
}

#[tokio::test]
async fn aphrodite_is_found_by_its_model_cards() {
    let server = Canned::start(
        vec![
            ("/version", json(r#"{"version":"0.6.5"}"#)),
            (
                "/v1/models",
                json(r#"{"object":"list","data":[{"id":"Sao10K/L3-8B-Stheno-v3.2","object":"model","created":1736000000,"owned_by":"pygmalionai","root":"Sao10K/L3-8B-Stheno-v3.2","parent":null,"max_model_len":8192,"permission":[]}]}"#),
            ),
        ],
        answer("404 Not Found", "application/json", FASTAPI_404),
    )
    .await;
    let found = detect_one(server.port).await.expect("Aphrodite found");
    assert_eq!(found.source, ProviderKind::Aphrodite);
    assert_eq!(found.url, format!("http://127.0.0.1:{}/v1", server.port));
    assert_eq!(found.server, "Aphrodite");
    assert_eq!(
        found.summary,
        "Aphrodite 0.6.5 with model Sao10K/L3-8B-Stheno-v3.2"
    );
}

// ----- servers that want a key -----

/// vLLM started with `--api-key` checks it on `/v1` only: `/version` still names it.
#[tokio::test]
async fn a_keyed_vllm_is_named_and_needs_a_key() {
    let unauthorized = answer(
        "401 Unauthorized",
        "application/json",
        r#"{"error":"Unauthorized"}"#,
    );
    let server = Canned::start(
        vec![
            ("/version", json(r#"{"version":"0.6.3"}"#)),
            ("/v1/models", unauthorized.clone()),
            ("/v1/model", unauthorized.clone()),
            ("/v1/internal/model/info", unauthorized),
        ],
        answer("404 Not Found", "application/json", FASTAPI_404),
    )
    .await;
    let found = detect_one(server.port)
        .await
        .expect("the keyed vLLM is listed");
    assert_eq!(found.source, ProviderKind::Vllm);
    assert!(found.needs_key);
    assert!(found.models.is_empty());
    assert_eq!(found.summary, "vLLM 0.6.3 (needs a key)");
    assert_no_key(&server.heads());
}

/// A server that refuses everything without a key is still listed, as an OpenAI-compatible
/// server that needs one; a server that refuses nothing is not marked.
#[tokio::test]
async fn a_server_refusing_every_route_needs_a_key() {
    let server = Canned::start(
        vec![],
        answer(
            "403 Forbidden",
            "application/json",
            r#"{"error":"forbidden"}"#,
        ),
    )
    .await;
    let found = detect_one(server.port)
        .await
        .expect("the keyed server is listed");
    assert_eq!(found.source, ProviderKind::Custom);
    assert_eq!(found.url, format!("http://127.0.0.1:{}/v1", server.port));
    assert!(found.needs_key);
    assert_eq!(found.summary, "OpenAI-compatible server (needs a key)");
}

// ----- what is skipped -----

#[tokio::test]
async fn a_closed_port_is_skipped_at_once() {
    let started = Instant::now();
    let found = detect(&http(), "127.0.0.1", &[dead_port()]).await;
    assert!(found.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn web_servers_that_are_not_llm_servers_are_skipped() {
    let not_found = Canned::start(
        Vec::new(),
        answer(
            "404 Not Found",
            "text/html",
            "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>",
        ),
    )
    .await;
    let html_everywhere = Canned::start(
        Vec::new(),
        answer(
            "200 OK",
            "text/html; charset=utf-8",
            "<!doctype html><html><head><title>My app</title></head><body><div id=\"root\"></div></body></html>",
        ),
    )
    .await;
    let empty_json = Canned::start(Vec::new(), json("{}")).await;
    let found = detect(
        &http(),
        "127.0.0.1",
        &[not_found.port, html_everywhere.port, empty_json.port],
    )
    .await;
    assert!(found.is_empty(), "{found:?}");
    assert_no_key(&not_found.heads());
}

#[tokio::test]
async fn a_server_that_never_answers_is_skipped_within_the_timeout() {
    let silent = Canned::silent().await;
    let started = Instant::now();
    let found = detect(&http(), "127.0.0.1", &[silent.port]).await;
    let elapsed = started.elapsed();
    assert!(found.is_empty(), "{found:?}");
    assert!(!silent.heads().is_empty(), "the probe reached the server");
    assert!(elapsed >= PROBE_TIMEOUT, "{elapsed:?}");
    assert!(
        elapsed < PROBE_TIMEOUT + Duration::from_secs(1),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn ports_are_probed_together_and_reported_in_their_order() {
    let kobold = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let ollama = Canned::start(
        vec![("/api/version", json(r#"{"version":"0.5.7"}"#))],
        answer("404 Not Found", "text/plain", "404 page not found"),
    )
    .await;
    let silent = Canned::silent().await;
    let openai = FakeServer::start(FakeOptions {
        mount: Some("/v1".into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let ports = [
        ollama.port,
        silent.port,
        dead_port(),
        openai.addr().port(),
        kobold.addr().port(),
        ollama.port,
    ];
    let started = Instant::now();
    let found = detect(&http(), "127.0.0.1", &ports).await;
    // The silent server costs one timeout, not one per port.
    assert!(
        started.elapsed() < PROBE_TIMEOUT + Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let servers: Vec<(&str, String)> = found
        .iter()
        .map(|f| (f.server.as_str(), f.url.clone()))
        .collect();
    assert_eq!(
        servers,
        vec![
            ("Ollama", format!("http://127.0.0.1:{}", ollama.port)),
            (
                "OpenAI-compatible server",
                format!("http://127.0.0.1:{}/v1", openai.addr().port())
            ),
            (
                "KoboldCpp",
                format!("http://127.0.0.1:{}", kobold.addr().port())
            ),
        ]
    );
}

#[test]
fn the_usual_ports_are_probed_by_default() {
    assert_eq!(LOCAL_PORTS, &[5001, 5000, 8080, 11434, 1234, 8000, 2242]);
}

// ----- the engine -----

fn engine(dir: &TempDir) -> Engine {
    Engine::open(EngineConfig {
        data_dir: dir.path().to_path_buf(),
        http: HttpConfig::default(),
        secret_store: Arc::new(MemoryStore::new()),
        keychain_timeout: Duration::from_secs(5),
    })
    .unwrap()
}

#[tokio::test]
async fn the_engine_suggests_profile_names_no_profile_has() {
    let dir = TempDir::new().unwrap();
    let engine = engine(&dir);
    let kobold = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let port = kobold.addr().port();

    let found = engine.detect(Some(vec![port])).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].profile_name, format!("KoboldCpp ({port})"));

    for name in [
        format!("koboldcpp ({port})"),
        format!("KOBOLDCPP ({port}) 2"),
    ] {
        engine
            .add_profile(Profile::new(
                name,
                ProviderKind::Custom,
                "http://127.0.0.1:1/v1",
            ))
            .await
            .unwrap();
    }
    let found = engine.detect(Some(vec![port])).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].profile_name, format!("KoboldCpp ({port}) 3"));

    // The suggestion can be saved as is.
    let mut profile = Profile::new(
        found[0].profile_name.clone(),
        found[0].source,
        found[0].url.clone(),
    );
    profile.model = found[0].models.first().cloned();
    let (saved, changes) = engine.add_profile(profile).await.unwrap();
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(saved.url, format!("http://127.0.0.1:{port}"));
    assert_eq!(saved.model.as_deref(), Some("koboldcpp/fake-model-1"));
}
