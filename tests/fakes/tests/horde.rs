//! The Horde family: discovery routes, keys, validation, the queue, workers' limits, cancel,
//! every scenario, and the binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Family, Scenario, ECHO_NOTHING, ECHO_PREFIX,
    HORDE_ANONYMOUS_KEY, HORDE_FIRST_MODEL_LIMITS, HORDE_OTHER_MODELS_LIMITS, HORDE_QUEUE_POLLS,
    HORDE_SLOW_POLLS, HORDE_USERNAME, HORDE_WORKERS, REASONING_TEXT, REPLY_TEXT,
};

const API: &str = "/api/v2";
const INVALID_KEY: &str = "{\"message\": \"No user matching sent API Key. Have you remembered to register at https://stablehorde.net/register ?\", \"rc\": \"InvalidAPIKey\"}\n";
const NO_WORKERS: &str = "Warning: No available workers can fulfill this request. It will expire in 20 minutes. Consider reducing the amount of tokens to generate.";

fn horde(scenario: Scenario) -> FakeOptions {
    FakeOptions {
        family: Family::Horde,
        scenario,
        ..Default::default()
    }
}

async fn start_horde(scenario: Scenario) -> FakeServer {
    FakeServer::start(horde(scenario)).await.unwrap()
}

/// A submit body a client clamped to the first model's workers.
fn gen_body() -> Value {
    json!({"prompt": "Hi", "params": {"n": 1, "max_length": 200, "max_context_length": 2048,
           "stop_sequence": ["\nUser:"], "frmtadsnsp": false}, "models": ["fake-model-1"],
           "trusted_workers": false})
}

/// Checks Flask-RESTX's formatting (`json.dumps` + newline) and parses the body.
fn flask(r: &Read) -> Value {
    let text = r.text();
    let body = text
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("no trailing newline: {text:?}"));
    assert_eq!(Ordered::parse(body).python(), body, "json.dumps output");
    serde_json::from_str(body).unwrap()
}

async fn get_horde(server: &FakeServer, path: &str, key: Option<&str>) -> Read {
    let mut request = client().get(format!("{}{API}{path}", server.base_url()));
    if let Some(key) = key {
        request = request.header("apikey", key);
    }
    read(request.send().await.unwrap()).await
}

async fn submit_with(server: &FakeServer, body: &Value, key: Option<&str>) -> Read {
    let mut request = client()
        .post(format!("{}{API}/generate/text/async", server.base_url()))
        .header("Client-Agent", "switchboard:0.1:tests")
        .json(body);
    if let Some(key) = key {
        request = request.header("apikey", key);
    }
    read(request.send().await.unwrap()).await
}

/// Submits anonymously and returns the id (asserting a 202).
async fn submit(server: &FakeServer, body: &Value) -> String {
    let r = submit_with(server, body, Some(HORDE_ANONYMOUS_KEY)).await;
    assert_eq!(r.status, 202, "{}", r.text());
    flask(&r)["id"].as_str().unwrap().to_owned()
}

async fn poll(server: &FakeServer, id: &str) -> Read {
    get_horde(server, &format!("/generate/text/status/{id}"), None).await
}

async fn cancel(server: &FakeServer, id: &str) -> Read {
    let url = format!("{}{API}/generate/text/status/{id}", server.base_url());
    read(client().delete(url).send().await.unwrap()).await
}

/// Polls until `done`, `faulted` or a non-200 (at most 40 times); every status seen.
async fn poll_to_end(server: &FakeServer, id: &str) -> (Vec<Value>, Read) {
    let mut seen = Vec::new();
    for _ in 0..40 {
        let r = poll(server, id).await;
        if r.status != 200 {
            return (seen, r);
        }
        let status = flask(&r);
        let end = status["done"] == true || status["faulted"] == true;
        seen.push(status);
        if end {
            return (seen, r);
        }
    }
    panic!("never ended: {seen:?}");
}

fn text_of(status: &Value) -> &str {
    status["generations"][0]["text"].as_str().unwrap()
}

#[tokio::test]
async fn discovery_routes_answer_like_horde() {
    let server = start_horde(Scenario::Normal).await;
    let heartbeat = get_horde(&server, "/status/heartbeat", None).await;
    assert_eq!(
        heartbeat.text(),
        "{\"message\": \"OK\", \"version\": \"4.44.0\"}\n"
    );
    assert_eq!(heartbeat.header("content-type"), Some("application/json"));

    let models = get_horde(&server, "/status/models?type=text", None).await;
    assert_eq!(
        models.text(),
        "[{\"name\": \"fake-model-1\", \"count\": 2, \"performance\": 12.5, \"queued\": 0.0, \"jobs\": 0.0, \"eta\": 0, \"type\": \"text\"}, \
         {\"name\": \"fake-model-2\", \"count\": 1, \"performance\": 12.5, \"queued\": 0.0, \"jobs\": 0.0, \"eta\": 0, \"type\": \"text\"}]\n"
    );
    for path in ["/status/models", "/status/models?type=image"] {
        let r = get_horde(&server, path, None).await;
        assert_eq!(r.text(), "[]\n", "{path}: the default type is image");
    }

    let workers = get_horde(&server, "/workers?type=text", None).await;
    let listed = flask(&workers);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), HORDE_WORKERS.len());
    for (worker, spec) in listed.iter().zip(HORDE_WORKERS) {
        assert_eq!(worker["type"], "text");
        assert_eq!(worker["name"], spec.name);
        assert_eq!(worker["id"], spec.id);
        assert_eq!(worker["online"], true);
        assert_eq!(worker["trusted"], spec.trusted);
        assert_eq!(worker["max_length"], spec.max_length);
        assert_eq!(worker["max_context_length"], spec.max_context_length);
        assert_eq!(worker["threads"], 1);
        assert!(worker["performance"].is_string());
        let model = if spec.serves_first_model {
            "fake-model-1"
        } else {
            "fake-model-2"
        };
        assert_eq!(worker["models"], json!([model]));
    }
    // The client's rule: the minimum over the workers serving the selected models.
    let min_over = |model: &str, trusted_only: bool| {
        listed
            .iter()
            .filter(|w| w["models"].as_array().unwrap().contains(&json!(model)))
            .filter(|w| !trusted_only || w["trusted"] == true)
            .fold((u64::MAX, u64::MAX), |(c, l), w| {
                (
                    c.min(w["max_context_length"].as_u64().unwrap()),
                    l.min(w["max_length"].as_u64().unwrap()),
                )
            })
    };
    let widen = |(c, l): (u32, u32)| (u64::from(c), u64::from(l));
    assert_eq!(
        min_over("fake-model-1", false),
        widen(HORDE_FIRST_MODEL_LIMITS)
    );
    assert_eq!(min_over("fake-model-1", true), (4096, 512));
    assert_eq!(
        min_over("fake-model-2", false),
        widen(HORDE_OTHER_MODELS_LIMITS)
    );
    assert_eq!(
        get_horde(&server, "/workers?type=image", None).await.text(),
        "[]\n"
    );
    assert_eq!(
        flask(&get_horde(&server, "/workers", None).await)
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Any prefix; unknown routes and wrong methods as Flask-RESTX answers them.
    assert_eq!(
        read(get(&server, "/proxy/horde/v2/status/heartbeat").await)
            .await
            .status,
        200
    );
    let missing = get_horde(&server, "/does-not-exist", None).await;
    assert_eq!(missing.status, 404);
    assert!(flask(&missing)["message"]
        .as_str()
        .unwrap()
        .starts_with("The requested URL was not found"));
    let wrong = read(post(&server, &format!("{API}/status/heartbeat"), &json!({})).await).await;
    assert_eq!(wrong.status, 405);
    assert_eq!(
        flask(&wrong),
        json!({"message": "The method is not allowed for the requested URL."})
    );
}

#[tokio::test]
async fn one_model_means_no_third_worker_and_mounts_restrict() {
    let server = FakeServer::start(FakeOptions {
        models: vec!["koboldcpp/Only".into()],
        mount: Some("/api".into()),
        ..horde(Scenario::Normal)
    })
    .await
    .unwrap();
    let workers = flask(&get_horde(&server, "/workers?type=text", None).await);
    let names: Vec<&str> = workers
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [HORDE_WORKERS[0].name, HORDE_WORKERS[1].name]);
    let elsewhere = read(get(&server, "/v2/status/heartbeat").await).await;
    assert_eq!(elsewhere.status, 404);
}

#[tokio::test]
async fn find_user_knows_anonymous_and_the_configured_key() {
    let server = FakeServer::start(FakeOptions {
        api_key: Some("horde-key-123".into()),
        ..horde(Scenario::Normal)
    })
    .await
    .unwrap();
    let anonymous = get_horde(&server, "/find_user", Some(HORDE_ANONYMOUS_KEY)).await;
    let user = flask(&anonymous);
    assert_eq!(
        (user["username"].as_str(), user["id"].as_i64()),
        (Some("Anonymous#0"), Some(0))
    );
    assert!(anonymous.text().contains("\"kudos\": 0.0,"));
    let registered = flask(&get_horde(&server, "/find_user", Some("horde-key-123")).await);
    assert_eq!(registered["username"], HORDE_USERNAME);
    assert_eq!(registered["kudos"], 5000.0);
    let unknown = get_horde(&server, "/find_user", Some("someone-else")).await;
    assert_eq!(
        (unknown.status, unknown.text().as_str()),
        (
            404,
            "{\"message\": \"User with api_key 'someone-else' not found.\", \"rc\": \"UserNotFound\"}\n"
        )
    );
    let keyless = get_horde(&server, "/find_user", None).await;
    assert_eq!(
        (keyless.status, keyless.text().as_str()),
        (401, INVALID_KEY)
    );
}

#[tokio::test]
async fn keys_are_checked_on_submit() {
    let server = FakeServer::start(FakeOptions {
        api_key: Some("horde-key-123".into()),
        ..horde(Scenario::Normal)
    })
    .await
    .unwrap();
    let wrong = submit_with(&server, &gen_body(), Some("wrong-key")).await;
    assert_eq!((wrong.status, wrong.text().as_str()), (401, INVALID_KEY));
    for key in [HORDE_ANONYMOUS_KEY, "horde-key-123"] {
        let ok = submit_with(&server, &gen_body(), Some(key)).await;
        assert_eq!(ok.status, 202, "{key}");
    }
    // The header is required: a missing key is a validation error, not anonymous.
    let missing = submit_with(&server, &gen_body(), None).await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        flask(&missing),
        json!({"errors": {"apikey": "The API Key corresponding to a registered user. Missing required parameter in the HTTP headers"},
               "message": "Input payload validation failed"})
    );
    assert!(missing.text().starts_with("{\"errors\": "), "errors first");
    // Without a configured key any key is a registered user.
    let open = start_horde(Scenario::Normal).await;
    assert_eq!(
        submit_with(&open, &gen_body(), Some("anything"))
            .await
            .status,
        202
    );
    let recorded = server.requests();
    assert_eq!(
        recorded[0].header("client-agent"),
        Some("switchboard:0.1:tests")
    );
    assert_eq!(recorded[0].header("apikey"), Some("wrong-key"));
}

#[tokio::test]
async fn submissions_are_validated_like_horde() {
    let server = start_horde(Scenario::Normal).await;
    let case = |body: Value| {
        let server = &server;
        async move {
            let r = submit_with(server, &body, Some(HORDE_ANONYMOUS_KEY)).await;
            (r.status, flask(&r))
        }
    };
    assert_eq!(
        case(json!({"params": {"max_length": 80}})).await,
        (
            400,
            json!({"errors": {"prompt": "The prompt to generate from. Missing required parameter in the JSON body"},
                   "message": "Input payload validation failed"})
        )
    );
    assert_eq!(
        case(json!({"prompt": ""})).await,
        (
            400,
            json!({"message": "You cannot specify an empty prompt.", "rc": "MissingPrompt"})
        )
    );
    let (status, body) = case(json!({"prompt": "x", "params": {"max_length": 5,
        "max_context_length": 2_000_000, "stop_sequence": "\n"}, "models": [1]}))
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"errors": {
            "params.stop_sequence": "'\\n' is not of type 'array'",
            "params.max_context_length": "2000000 is greater than the maximum of 1048576",
            "params.max_length": "5 is less than the minimum of 16",
            "models.0": "1 is not of type 'string'"},
            "message": "Input payload validation failed"})
    );
    let (status, body) = case(json!({"prompt": "x", "params": {"max_length": 4097}})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"]["params.max_length"],
        "4097 is greater than the maximum of 4096"
    );
    let not_json = client()
        .post(format!("{}{API}/generate/text/async", server.base_url()))
        .header("apikey", HORDE_ANONYMOUS_KEY)
        .body("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let unknown_worker = case(json!({"prompt": "x", "workers": ["nope"]})).await;
    assert_eq!(
        unknown_worker,
        (
            404,
            json!({"message": "Worker with ID 'nope' not found.", "rc": "WorkerNotFound"})
        )
    );
    let dry = submit_with(
        &server,
        &json!({"prompt": "x", "dry_run": true}),
        Some(HORDE_ANONYMOUS_KEY),
    )
    .await;
    assert_eq!(
        (dry.status, dry.text().as_str()),
        (200, "{\"kudos\": 10.0}\n")
    );
}

#[tokio::test]
async fn a_request_queues_then_is_processed_then_done() {
    let server = start_horde(Scenario::Normal).await;
    let r = submit_with(&server, &gen_body(), Some(HORDE_ANONYMOUS_KEY)).await;
    assert_eq!(r.status, 202);
    assert_eq!(
        r.text(),
        "{\"id\": \"00000001-fa4e-4000-8000-000000000001\", \"kudos\": 10.0}\n"
    );
    let id = flask(&r)["id"].as_str().unwrap().to_owned();

    let first = poll(&server, &id).await;
    assert_eq!(
        first.text(),
        "{\"finished\": 0, \"processing\": 0, \"restarted\": 0, \"waiting\": 1, \"done\": false, \"faulted\": false, \"wait_time\": 15, \"queue_position\": 2, \"kudos\": 0.0, \"is_possible\": true, \"generations\": []}\n"
    );
    let (rest, _) = poll_to_end(&server, &id).await;
    let mut all = vec![flask(&first)];
    all.extend(rest);
    assert_eq!(all.len(), HORDE_QUEUE_POLLS + 2);
    let positions: Vec<(i64, i64, i64)> = all
        .iter()
        .map(|s| {
            (
                s["queue_position"].as_i64().unwrap(),
                s["wait_time"].as_i64().unwrap(),
                s["processing"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(positions, [(2, 15, 0), (1, 10, 0), (0, 5, 1), (0, 0, 0)]);
    let done = all.last().unwrap();
    assert_eq!(done["finished"], 1);
    assert_eq!(done["kudos"], 10.0);
    assert_eq!(
        done["generations"],
        json!([{"worker_id": HORDE_WORKERS[0].id, "worker_name": HORDE_WORKERS[0].name,
                "model": "fake-model-1", "state": "ok", "text": REPLY_TEXT, "seed": 0,
                "gen_metadata": []}])
    );
    let again = poll(&server, &id).await;
    assert_eq!(flask(&again), *done, "done stays done");
    assert!(
        again.text().contains("\\u65e5\\u672c\\u8a9e"),
        "ASCII-escaped"
    );

    let unknown = poll(&server, "no-such-id").await;
    assert_eq!(
        (unknown.status, unknown.text().as_str()),
        (
            404,
            "{\"message\": \"Text Waiting Prompt (Status) with ID 'no-such-id' not found.\", \"rc\": \"RequestNotFound\"}\n"
        )
    );
}

#[tokio::test]
async fn stop_strings_stay_in_the_text_and_max_length_cuts() {
    let server = FakeServer::start(FakeOptions {
        reply: Some("Sure thing.\nUser: and the model goes on".into()),
        ..horde(Scenario::Normal)
    })
    .await
    .unwrap();
    let id = submit(&server, &gen_body()).await;
    let (seen, _) = poll_to_end(&server, &id).await;
    assert_eq!(text_of(seen.last().unwrap()), "Sure thing.\nUser:");

    let words: String = (1..=30).map(|i| format!("w{i} ")).collect();
    let server = FakeServer::start(FakeOptions {
        reply: Some(words),
        ..horde(Scenario::Normal)
    })
    .await
    .unwrap();
    let mut body = gen_body();
    body["params"]["max_length"] = json!(16);
    let id = submit(&server, &body).await;
    let (seen, _) = poll_to_end(&server, &id).await;
    let text = text_of(seen.last().unwrap());
    assert!(
        text.starts_with("w1 w2 ") && text.ends_with("w16 "),
        "{text}"
    );
}

#[tokio::test]
async fn requests_beyond_the_workers_limits_are_not_possible() {
    let server = start_horde(Scenario::Normal).await;
    let body = |models: Value, context: u32, length: u32, trusted: bool| {
        json!({"prompt": "Hi", "params": {"max_context_length": context, "max_length": length},
               "models": models, "trusted_workers": trusted})
    };
    let (first_context, first_length) = HORDE_FIRST_MODEL_LIMITS;
    let (other_context, other_length) = HORDE_OTHER_MODELS_LIMITS;
    let cases = [
        (
            body(json!(["fake-model-1"]), first_context, first_length, false),
            true,
        ),
        (body(json!(["fake-model-1"]), 4096, 512, false), true),
        (body(json!(["fake-model-1"]), 4096, 513, false), false),
        (body(json!(["fake-model-1"]), 4096, 512, true), true),
        (
            body(json!(["fake-model-2"]), other_context, other_length, false),
            true,
        ),
        (
            body(json!(["fake-model-2"]), other_context + 1, 16, false),
            false,
        ),
        (body(json!(["unknown-model"]), 1024, 80, false), false),
        (body(json!([]), other_context, other_length, false), true),
        (body(json!([]), 80, 16, false), true),
    ];
    for (i, (request, possible)) in cases.into_iter().enumerate() {
        let r = submit_with(&server, &request, Some(HORDE_ANONYMOUS_KEY)).await;
        assert_eq!(r.status, 202);
        let accepted = flask(&r);
        assert_eq!(accepted.get("message").is_none(), possible, "case {i}");
        let id = accepted["id"].as_str().unwrap();
        let status = flask(&poll(&server, id).await);
        assert_eq!(status["is_possible"], possible, "case {i}");
        if !possible {
            assert_eq!(accepted["message"], NO_WORKERS);
            assert_eq!(status["waiting"], 1);
            let later = flask(&poll(&server, id).await);
            assert_eq!(later, status, "an impossible request never moves");
        }
    }
    // A worker pinned by id, or excluded.
    let pinned = json!({"prompt": "Hi", "params": {"max_context_length": 2048, "max_length": 256},
                        "workers": [HORDE_WORKERS[1].id]});
    let id = submit(&server, &pinned).await;
    let (seen, _) = poll_to_end(&server, &id).await;
    assert_eq!(
        seen.last().unwrap()["generations"][0]["worker_name"],
        HORDE_WORKERS[1].name
    );
    let mut excluded = pinned.clone();
    excluded["worker_blacklist"] = json!(true);
    let id = submit(&server, &excluded).await;
    let (seen, _) = poll_to_end(&server, &id).await;
    assert_eq!(
        seen.last().unwrap()["generations"][0]["worker_name"],
        HORDE_WORKERS[0].name
    );
}

#[tokio::test]
async fn cancel_answers_the_status_and_is_recorded() {
    let server = start_horde(Scenario::Normal).await;
    let id = submit(&server, &gen_body()).await;
    poll(&server, &id).await;
    let cancelled = cancel(&server, &id).await;
    assert_eq!(cancelled.status, 200);
    let status = flask(&cancelled);
    assert_eq!(status["done"], false);
    assert_eq!(status["faulted"], false);
    assert_eq!(status["waiting"], 1);
    assert_eq!(status["generations"], json!([]));
    let after = poll(&server, &id).await;
    assert_eq!(after.status, 404);
    assert_eq!(flask(&after)["rc"], "RequestNotFound");
    let twice = cancel(&server, &id).await;
    assert_eq!(
        twice.text(),
        format!("{{\"message\": \"Text Waiting Prompt (Delete) with ID '{id}' not found.\", \"rc\": \"RequestNotFound\"}}\n")
    );
    assert_eq!(server.horde_cancels(), std::slice::from_ref(&id));
    let control = read(get(&server, "/__fake/cancels").await).await.json();
    assert_eq!(control, json!([id]));

    // Cancelling a finished request hands over what was generated.
    let done_id = submit(&server, &gen_body()).await;
    poll_to_end(&server, &done_id).await;
    let last = flask(&cancel(&server, &done_id).await);
    assert_eq!(last["done"], true);
    assert_eq!(text_of(&last), REPLY_TEXT);
    assert_eq!(server.horde_cancels(), [id, done_id]);
}

#[tokio::test]
async fn slow_queues_long_enough_to_cancel() {
    let server = FakeServer::start(FakeOptions {
        slow_delay: Duration::from_millis(20),
        ..horde(Scenario::Slow)
    })
    .await
    .unwrap();
    let id = submit(&server, &gen_body()).await;
    let started = Instant::now();
    let first = flask(&poll(&server, &id).await);
    assert!(started.elapsed() >= Duration::from_millis(20), "held back");
    assert_eq!(first["queue_position"], HORDE_SLOW_POLLS);
    assert_eq!(first["wait_time"], 1, "21 × 20 ms, in whole seconds");
    let second = flask(&poll(&server, &id).await);
    assert_eq!(second["queue_position"], HORDE_SLOW_POLLS - 1);
    let cancelled = flask(&cancel(&server, &id).await);
    assert_eq!(cancelled["queue_position"], HORDE_SLOW_POLLS - 1);
    assert_eq!(server.horde_cancels(), std::slice::from_ref(&id));
    assert_eq!(poll(&server, &id).await.status, 404);

    // Left alone it ends with the slow text (cut at max_length fake tokens).
    let server = FakeServer::start(FakeOptions {
        slow_delay: Duration::from_millis(1),
        ..horde(Scenario::Slow)
    })
    .await
    .unwrap();
    let mut body = gen_body();
    body["params"]["max_length"] = json!(256);
    let id = submit(&server, &body).await;
    let (seen, _) = poll_to_end(&server, &id).await;
    assert_eq!(seen.len(), HORDE_SLOW_POLLS + 2);
    assert_eq!(text_of(seen.last().unwrap()), slow_reply_text());
    let waits: Vec<i64> = seen
        .iter()
        .map(|s| s["wait_time"].as_i64().unwrap())
        .collect();
    assert!(waits.windows(2).all(|w| w[0] >= w[1]), "{waits:?}");
}

#[tokio::test]
async fn every_scenario_has_a_horde_meaning() {
    for &scenario in Scenario::ALL {
        if matches!(scenario, Scenario::Stall | Scenario::StallBeforeHeaders) {
            continue; // stall_scenarios_hang_until_stopped
        }
        let server = FakeServer::start(FakeOptions {
            slow_delay: Duration::from_millis(1),
            ..horde(scenario)
        })
        .await
        .unwrap();
        let name = scenario.name();
        let submitted = submit_with(&server, &gen_body(), Some(HORDE_ANONYMOUS_KEY)).await;
        let models = get_horde(&server, "/status/models?type=text", None).await;
        let user = get_horde(&server, "/find_user", Some(HORDE_ANONYMOUS_KEY)).await;
        let id = (submitted.status == 202).then(|| {
            let text = submitted.text();
            let v: Value = serde_json::from_str(text.trim_end()).unwrap();
            v["id"].as_str().unwrap().to_owned()
        });
        let done_with = |text: &str| {
            let server = &server;
            let id = id.clone().unwrap();
            let text = text.to_owned();
            async move {
                let (seen, _) = poll_to_end(server, &id).await;
                let last = seen.last().unwrap();
                assert_eq!(last["done"], true, "{name}");
                assert_eq!(text_of(last), text, "{name}");
                seen
            }
        };
        match scenario {
            Scenario::Normal
            | Scenario::Usage
            | Scenario::UsageNullChoices
            | Scenario::NoModelsRoute => {
                assert_eq!(done_with(REPLY_TEXT).await.len(), HORDE_QUEUE_POLLS + 2);
            }
            Scenario::Slow => {
                let seen = done_with(&slow_reply_text()).await;
                assert_eq!(seen.len(), HORDE_SLOW_POLLS + 2);
            }
            Scenario::Split => {
                let id = id.clone().unwrap();
                for _ in 0..HORDE_QUEUE_POLLS + 1 {
                    poll(&server, &id).await;
                }
                let done = poll(&server, &id).await;
                assert!(done.chunks.len() > 20, "{name}: cut into frames");
                assert_eq!(text_of(&flask(&done)), REPLY_TEXT);
                assert!(models.chunks.len() > 10, "every JSON body is cut");
            }
            Scenario::KeepAlive => {
                let seen = done_with(REPLY_TEXT).await;
                let restarted: Vec<i64> = seen
                    .iter()
                    .map(|s| s["restarted"].as_i64().unwrap())
                    .collect();
                assert_eq!(restarted, [0, 0, 0, 1, 1, 0]);
                assert_eq!(seen[3]["waiting"], 1);
            }
            Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
                done_with(&format!("<think>{REASONING_TEXT}</think>{REPLY_TEXT}")).await;
            }
            Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
                let (seen, _) = poll_to_end(&server, &id.clone().unwrap()).await;
                let last = seen.last().unwrap();
                assert_eq!(
                    (&last["faulted"], &last["done"], &last["generations"]),
                    (&json!(true), &json!(false), &json!([])),
                    "{name}"
                );
                assert_eq!(seen.len(), HORDE_QUEUE_POLLS + 2);
            }
            Scenario::Truncated => {
                let id = id.clone().unwrap();
                for _ in 0..HORDE_QUEUE_POLLS + 1 {
                    assert_eq!(poll(&server, &id).await.status, 200);
                }
                for _ in 0..2 {
                    let cut = poll(&server, &id).await;
                    assert!(cut.error.is_some(), "{name}: aborted");
                    assert!(cut.text().starts_with("{\"finished\": 1,"));
                    assert!(serde_json::from_slice::<Value>(&cut.bytes()).is_err());
                }
            }
            Scenario::EofNoDone => {
                let (seen, end) = poll_to_end(&server, &id.clone().unwrap()).await;
                assert_eq!(seen.len(), HORDE_QUEUE_POLLS + 1);
                assert!(seen.iter().all(|s| s["done"] == false));
                assert_eq!(end.status, 404);
                assert_eq!(flask(&end)["rc"], "RequestNotFound");
            }
            Scenario::DoneNoBlankLine => {
                let id = id.clone().unwrap();
                let mut last = poll(&server, &id).await;
                for _ in 0..HORDE_QUEUE_POLLS + 1 {
                    last = poll(&server, &id).await;
                }
                assert!(!last.text().ends_with('\n'), "{name}");
                assert_eq!(text_of(&last.json()), REPLY_TEXT);
                assert!(submitted.text().ends_with('}'));
            }
            Scenario::Unauthorized => {
                for r in [&submitted, &user] {
                    assert_eq!((r.status, r.text().as_str()), (401, INVALID_KEY), "{name}");
                }
                assert_eq!(models.status, 200, "no key needed");
            }
            Scenario::ModelNotFound | Scenario::EmptyModels => {
                assert_eq!(flask(&submitted)["message"], NO_WORKERS);
                let id = id.clone().unwrap();
                for _ in 0..4 {
                    let status = flask(&poll(&server, &id).await);
                    assert_eq!(
                        (&status["is_possible"], &status["waiting"], &status["done"]),
                        (&json!(false), &json!(1), &json!(false)),
                        "{name}"
                    );
                }
            }
            Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter => {
                assert_eq!(submitted.status, 429);
                let body = flask(&submitted);
                assert_eq!(body["rc"], "TooManyPrompts");
                assert!(body["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("Too many anonymous requests"));
                assert_eq!(
                    submitted.header("retry-after"),
                    (scenario == Scenario::RateLimited).then_some("7")
                );
            }
            Scenario::Overloaded => {
                assert_eq!(submitted.status, 400, "as Horde really sends it");
                assert_eq!(
                    flask(&submitted),
                    json!({"message": "AI Horde has entered maintenance mode. Please try again later.",
                           "rc": "MaintenanceMode"})
                );
            }
            Scenario::ServerErrorHtml => {
                for r in [&submitted, &models, &user] {
                    assert_eq!(r.status, 500);
                    assert!(r.text().contains("<center>nginx</center>"));
                }
            }
            Scenario::EchoUnauthorized => {
                for r in [&submitted, &models, &user] {
                    assert_eq!(r.status, 401, "{name}");
                    assert_eq!(flask(r)["rc"], "InvalidAPIKey");
                }
                let quote = format!("{ECHO_PREFIX}apikey: {HORDE_ANONYMOUS_KEY} (json: ");
                assert!(flask(&user)["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&quote));
            }
            Scenario::EchoMidStream => {
                let id = id.clone().unwrap();
                assert_eq!(
                    flask(&poll(&server, &id).await)["waiting"],
                    1,
                    "a normal start"
                );
                let failed = poll(&server, &id).await;
                assert_eq!(failed.status, 500, "{name}");
                assert_eq!(
                    flask(&failed)["message"],
                    ECHO_NOTHING,
                    "polls carry no key"
                );
            }
            Scenario::EchoPage => {
                for r in [&submitted, &models, &user] {
                    assert_eq!(r.status, 200, "{name}");
                    assert!(r.text().contains("<title>Sign in: "), "{name}");
                }
            }
            Scenario::Stall | Scenario::StallBeforeHeaders => unreachable!(),
        }
        match scenario {
            Scenario::NoModelsRoute => assert_eq!(models.status, 404),
            Scenario::EmptyModels => {
                assert_eq!(models.text(), "[]\n");
                let workers = get_horde(&server, "/workers?type=text", None).await;
                assert_eq!(workers.text(), "[]\n");
            }
            Scenario::ServerErrorHtml
            | Scenario::Split
            | Scenario::DoneNoBlankLine
            | Scenario::EchoUnauthorized
            | Scenario::EchoPage => {}
            _ => assert_eq!(flask(&models).as_array().unwrap().len(), 2, "{name}"),
        }
    }
}

#[tokio::test]
async fn stall_scenarios_hang_until_stopped() {
    let server = start_horde(Scenario::StallBeforeHeaders).await;
    let url = format!("{}{API}/status/heartbeat", server.base_url());
    let pending = tokio::time::timeout(Duration::from_millis(300), client().get(url).send()).await;
    assert!(pending.is_err(), "no headers");

    let server = start_horde(Scenario::Stall).await;
    let id = submit(&server, &gen_body()).await;
    let first = flask(&poll(&server, &id).await);
    assert_eq!(first["waiting"], 1);
    let url = format!("{}{API}/generate/text/status/{id}", server.base_url());
    let response = tokio::time::timeout(Duration::from_secs(2), client().get(url).send())
        .await
        .expect("the headers arrive")
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = tokio::time::timeout(Duration::from_millis(300), response.bytes()).await;
    assert!(body.is_err(), "the body never comes");
    // A cancel still answers.
    assert_eq!(cancel(&server, &id).await.status, 200);
    server.shutdown().await;
}

#[test]
fn the_binary_serves_the_horde_family() {
    let binary = Binary::start(&["--family", "horde", "--model", "koboldcpp/A,koboldcpp/B"]);
    let base = binary.base.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (models, cancels) = runtime.block_on(async {
        let models = client()
            .get(format!("{base}{API}/status/models?type=text"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let submitted: Value = client()
            .post(format!("{base}{API}/generate/text/async"))
            .header("apikey", HORDE_ANONYMOUS_KEY)
            .json(&json!({"prompt": "Hi", "models": ["koboldcpp/B"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = submitted["id"].as_str().unwrap();
        client()
            .delete(format!("{base}{API}/generate/text/status/{id}"))
            .send()
            .await
            .unwrap();
        let cancels: Value = client()
            .get(format!("{base}/__fake/cancels"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (models, cancels)
    });
    drop(binary);
    assert!(
        models.contains("\"name\": \"koboldcpp/B\", \"count\": 1"),
        "{models}"
    );
    assert_eq!(cancels.as_array().unwrap().len(), 1);
}
