//! `switchboard-fakes`: serves one fake provider on `127.0.0.1` until killed.
//!
//! Prints exactly one line, `listening on http://127.0.0.1:PORT`, once the server accepts
//! connections. Drive it with `POST /__fake/scenario {"scenario": "<name>"}` and inspect what it
//! received with `GET /__fake/requests` (Kobold aborts: `GET /__fake/aborts`; Horde cancels:
//! `GET /__fake/cancels`).
//!
//! With `--forward-proxy` it is instead a forward HTTP proxy ([`FakeProxy`]) on that port; what
//! it relayed is at `GET /__proxy/requests`. With `--google-oauth KEY_FILE` it is Google's OAuth
//! token endpoint ([`FakeTokenEndpoint`]) trusting that service account, at `POST /token`.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use switchboard_fakes::{
    Dialect, FakeOptions, FakeProxy, FakeServer, FakeTokenEndpoint, Family, KoboldServer, Scenario,
    TokenEndpointOptions, TokenScenario, DEFAULT_CONTEXT_LENGTH,
};

/// Fake LLM provider server for Switchboard's tests.
#[derive(Debug, Parser)]
#[command(name = "switchboard-fakes", version)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Initial scenario.
    #[arg(long, value_enum, default_value_t = Scenario::Normal)]
    scenario: Scenario,
    /// Which real server to imitate (OpenAI-compatible family only): `openai`, `llamacpp`,
    /// `koboldcpp`, `ooba` (text-generation-webui), `mancer` or `azure` (Azure OpenAI).
    #[arg(long, value_enum, default_value_t = Dialect::OpenAi)]
    dialect: Dialect,
    /// Require this key (`Authorization: Bearer KEY` or `x-api-key: KEY`; `--dialect ooba`:
    /// exactly `Authorization: Bearer KEY`; `horde`: the `apikey` header, where the anonymous
    /// `0000000000` also passes).
    #[arg(long, env = "SWITCHBOARD_FAKES_API_KEY")]
    api_key: Option<String>,
    /// Protocol family: `openai` (OpenAI-compatible), `anthropic` (Messages API), `kobold`
    /// (KoboldAI native API), `horde` (AI Horde text API), `novelai` (NovelAI text API) or
    /// `llamacpp` (llama.cpp's own server, natively), `ollama` or `gemini` (Google's Gemini API,
    /// AI Studio's and Vertex AI's routes).
    #[arg(long, value_enum, default_value_t = Family::OpenAi)]
    family: Family,
    /// Models listed by `…/models` (repeat or comma-separate; default: fake-model-1, fake-model-2).
    #[arg(long = "model", value_delimiter = ',')]
    models: Vec<String>,
    /// Delay between frames in the `slow` scenario, in milliseconds.
    #[arg(long, default_value_t = 30)]
    slow_delay_ms: u64,
    /// Serve the API only under this path prefix (e.g. `/v1`); anything else is 404.
    #[arg(long)]
    mount: Option<String>,
    /// The text of normal replies, instead of the built-in one.
    #[arg(long)]
    reply: Option<String>,
    /// Which Kobold server to imitate (`kobold` family only): `koboldcpp` (1.76) or `united`.
    #[arg(long, value_enum, default_value_t = KoboldServer::KoboldCpp)]
    kobold_server: KoboldServer,
    /// The context size the `kobold` and `llamacpp` families report.
    #[arg(long, default_value_t = DEFAULT_CONTEXT_LENGTH)]
    context_length: u32,
    /// `--dialect ooba` only: accept any `Host` header, like text-generation-webui started with
    /// `--listen` (without it, a host other than `localhost`/`127.0.0.1` gets 400).
    #[arg(long)]
    listen: bool,
    /// Answer every chat request with a benchmark stream of this many small deltas (`openai`
    /// family; 0: off).
    #[arg(long, default_value_t = 0)]
    flood_chunks: usize,
    /// Deltas per second of the benchmark stream (0: as fast as the connection takes them).
    #[arg(long, default_value_t = 0)]
    flood_rate: u32,
    /// Put the time each benchmark delta was sent into it (`t7«<ms since the epoch>» `).
    #[arg(long)]
    flood_stamp: bool,
    /// Render the benchmark stream once, at start, and write it whole to each request (no
    /// pacing, no stamps): a raw read of it costs only the copy through loopback.
    #[arg(long)]
    flood_prerendered: bool,
    /// Put markdown between the benchmark deltas: fenced code blocks, inline and displayed TeX
    /// math (every `t<i>` stays outside the math).
    #[arg(long)]
    flood_markdown: bool,
    /// `openai` family: answer a wrong key as a LiteLLM proxy does (400, the key named in the body).
    #[arg(long)]
    bad_key_400: bool,
    /// `openai` family: a llama.cpp server with this context size (`/props`, `/tokenize`, and
    /// a 400 `exceed_context_size_error` for a prompt that does not fit).
    #[arg(long)]
    context_limit: Option<u32>,
    /// With `--context-limit`: close the connection on a prompt that does not fit instead.
    #[arg(long)]
    context_overflow_drops: bool,
    /// `openai` family: refuse generations whose body has `stream_options` (400).
    #[arg(long)]
    rejects_stream_options: bool,
    /// `openai` family: refuse generations asking for `"stream": true` (400).
    #[arg(long)]
    refuses_streaming: bool,
    /// Serve a forward HTTP proxy (`CONNECT` and absolute-form requests) instead of a fake.
    #[arg(long)]
    forward_proxy: bool,
    /// With `--forward-proxy`: demand these credentials (`user:password`) in
    /// `Proxy-Authorization`, answering 407 without them.
    #[arg(long, requires = "forward_proxy")]
    proxy_credentials: Option<String>,
    /// Serve Google's OAuth token endpoint instead of a fake, trusting the service account of
    /// this key file (JWTs verified with its public key).
    #[arg(long, value_name = "KEY_FILE")]
    google_oauth: Option<std::path::PathBuf>,
    /// With `--google-oauth`: the `expires_in` of the tokens granted, in seconds.
    #[arg(long, default_value_t = 3600, requires = "google_oauth")]
    token_expires_in: u64,
    /// `openai` family: list this many models in OpenRouter's shape, with context lengths and
    /// prices (0: the `--model` list).
    #[arg(long, default_value_t = 0)]
    model_catalogue: usize,
    /// `anthropic` family, `reasoning` scenario: refuse a follow-up whose assistant turn lacks
    /// the signed thinking block given.
    #[arg(long)]
    signed_thinking: bool,
    /// Every family that reads images: refuse a request carrying an image as a server whose
    /// model reads none does (in the family's words).
    #[arg(long)]
    refuses_images: bool,
    /// Answers cite pages in this vendor's shape: `perplexity` or `openrouter` (`openai`
    /// family), `gemini` (`gemini` family).
    #[arg(long, value_enum)]
    citations: Option<switchboard_fakes::Citations>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.forward_proxy {
        return serve_proxy(args.port, args.proxy_credentials.as_deref()).await;
    }
    if let Some(key_file) = &args.google_oauth {
        return serve_token_endpoint(args.port, key_file, args.token_expires_in).await;
    }
    let mut opts = FakeOptions {
        family: args.family,
        scenario: args.scenario,
        dialect: args.dialect,
        api_key: args.api_key,
        slow_delay: Duration::from_millis(args.slow_delay_ms),
        mount: args.mount,
        reply: args.reply,
        kobold: args.kobold_server,
        context_length: args.context_length,
        listen: args.listen,
        flood: (args.flood_chunks > 0).then_some(switchboard_fakes::Flood {
            chunks: args.flood_chunks,
            rate: args.flood_rate,
            stamp: args.flood_stamp,
            prerendered: args.flood_prerendered,
            markdown: args.flood_markdown,
        }),
        bad_key_400: args.bad_key_400,
        context_limit: args.context_limit,
        context_overflow_drops: args.context_overflow_drops,
        rejects_stream_options: args.rejects_stream_options,
        refuses_streaming: args.refuses_streaming,
        model_catalogue: args.model_catalogue,
        signed_thinking: args.signed_thinking,
        refuses_images: args.refuses_images,
        citations: args.citations,
        ..FakeOptions::default()
    };
    if !args.models.is_empty() {
        opts.models = args.models;
    }
    let server = match FakeServer::start_on(args.port, opts).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!(
                "switchboard-fakes: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", server.base_url());
    let _ = stdout.flush();
    drop(stdout);
    wait_for_signal().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// Serves a forward proxy until a signal.
async fn serve_proxy(port: u16, credentials: Option<&str>) -> ExitCode {
    let proxy = match FakeProxy::start(port, credentials).await {
        Ok(proxy) => proxy,
        Err(e) => {
            eprintln!("switchboard-fakes: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", proxy.url());
    let _ = stdout.flush();
    drop(stdout);
    wait_for_signal().await;
    ExitCode::SUCCESS
}

/// Serves Google's token endpoint for the service account of `key_file` until a signal.
async fn serve_token_endpoint(port: u16, key_file: &std::path::Path, expires_in: u64) -> ExitCode {
    let options = match std::fs::read_to_string(key_file) {
        Ok(service_account_json) => TokenEndpointOptions {
            service_account_json,
            expires_in,
            scenario: TokenScenario::Normal,
            delay: Duration::ZERO,
            issued_token: None,
        },
        Err(e) => {
            eprintln!("switchboard-fakes: cannot read {}: {e}", key_file.display());
            return ExitCode::FAILURE;
        }
    };
    let endpoint = match FakeTokenEndpoint::start(port, options).await {
        Ok(endpoint) => endpoint,
        Err(e) => {
            eprintln!(
                "switchboard-fakes: cannot serve the token endpoint on 127.0.0.1:{port}: {e}"
            );
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on http://127.0.0.1:{}", endpoint.port());
    let _ = stdout.flush();
    drop(stdout);
    wait_for_signal().await;
    ExitCode::SUCCESS
}

/// Waits for SIGINT, or SIGTERM on Unix.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
