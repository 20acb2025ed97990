#!/usr/bin/env python3
"""Writes the seed corpus under corpus/<target>/ from the recorded server bytes, the SillyTavern
fixtures and a few hand-written bodies in each family's documented shape. Each target reads its
first bytes as steering (see switchboard_core::fuzzing); the seeds carry neutral ones."""
import hashlib
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures"
RECORDED = FIXTURES / "recorded"
ST = FIXTURES / "sillytavern"

ANTHROPIC = b"".join(
    b"event: %s\ndata: %s\n\n" % (name.encode(), json.dumps(data).encode())
    for name, data in [
        ("message_start", {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "claude-x", "stop_reason": None, "usage": {"input_tokens": 10, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me see."}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("ping", {"type": "ping"}),
        ("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hello, 世界 👋"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 1}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "max_tokens", "stop_sequence": None}, "usage": {"output_tokens": 15}}),
        ("message_stop", {"type": "message_stop"}),
    ]
)
ANTHROPIC_ERROR = (
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n'
    b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
)
NOVELAI = b"".join(
    b"event: newToken\nid: %d\ndata: %s\n\n" % (i, json.dumps({"token": t, "ptr": i, "final": i == 2}).encode())
    for i, t in enumerate(["Once", " upon", " a time"])
)
NOVELAI_ERROR = b'event: error\ndata: {"statusCode":500,"message":"Internal server error"}\n\n'

ANSWERS = [
    b'{"object":"list","data":[{"id":"gpt-x","object":"model","owned_by":"me","context_length":8192}]}',
    b'{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi","reasoning_content":"r"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}',
    b'{"id":"c","object":"text_completion","choices":[{"index":0,"text":"Hi","finish_reason":"length"}]}',
    b'{"data":[{"id":"claude-x","display_name":"Claude X","type":"model"}],"has_more":true,"last_id":"claude-x"}',
    b'{"id":"msg","type":"message","role":"assistant","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn"}',
    b'{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: required"}}',
    b'{"results":[{"text":"Hi","finish_reason":"stop"}]}',
    b'{"result":"KoboldCpp"}', b'{"value":4096}', b'{"result":"KoboldCpp","version":"1.80"}',
    b'[{"name":"koboldcpp/model","count":3,"performance":12.5,"queued":0,"eta":4,"type":"text"}]',
    b'{"id":"00000000-0000-0000-0000-000000000000","kudos":10}',
    b'{"done":false,"faulted":false,"waiting":1,"processing":0,"queue_position":3,"wait_time":20,"is_possible":true,"generations":[]}',
    b'{"done":true,"generations":[{"text":"Hi","worker_name":"w","model":"m","state":"ok"}]}',
    b'[{"id":"w","name":"w","max_context_length":4096,"max_length":512,"models":["m"]}]',
    b'{"message":"Input payload validation failed","rc":"ValidationError","errors":{"prompt":"required"}}',
    b'{"output":"Once upon a time"}',
    b'{"tier":3,"active":true,"perks":{"contextTokens":8192}}',
    b'{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}',
    b'{"detail":[{"loc":["body","max_length"],"msg":"ensure this value is less than 512","type":"value_error"}]}',
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>",
    b"Internal Server Error",
]

URLS = [
    b"http://127.0.0.1:5001", b"localhost:8080/v1/", b"https://api.openai.com/v1/chat/completions",
    b"HTTP://[::1]:5000/api/v1", b"https://user:pw@example.com:443/path?q=1#frag", b"  openrouter.ai/api  ",
]

STOPS = [
    b"\x40\x80\xc0\x0c</s>|\nUser:Hello there</s> and more",
    b"\x10\x20\x30\x11<|im_end|>|###Tok<|im_en tokens <|im_end|> after",
    b"\x00\x00\x00\x00plain reply without stops",
]


OPENAI_CHUNKS = [
    # The same envelope again and again, then text that changes how it reads.
    b"\n".join(
        b'{"id":"c","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}'
        % json.dumps(text).encode()
        for text in ["Hel", "lo", " wo\"rld", "\\", "", "caf\u00e9", '","content":"z', "end"]
    ),
    b'{"choices":[{"delta":{"reasoning_content":"think","content":null}}]}\n{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n[DONE]',
    b'{"id": "koboldcpp", "model": "k", "choices": [{"index": 0, "finish_reason": "null", "delta": {"role": "assistant", "content": "jz"}}]}\n{"error":{"message":"lost"}}\nnull',
]


def write(target, data):
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    openai, kobold = [], []
    for head in sorted(RECORDED.glob("*/*.response.head")):
        body = head.with_name(head.name.replace(".response.head", ".response.body")).read_bytes()
        if "text/event-stream" in head.read_text().lower():
            (kobold if head.parent.name == "koboldcpp-kobold-api" else openai).append(body)
        else:
            write("answers", body)
    for body in openai + kobold + [ANTHROPIC, ANTHROPIC_ERROR, NOVELAI, NOVELAI_ERROR]:
        write("sse_decoder", b"\x40\x80\xc0" + body)
    for family, bodies in [(0, openai), (1, [ANTHROPIC, ANTHROPIC_ERROR]), (2, kobold), (3, [NOVELAI, NOVELAI_ERROR])]:
        for body in bodies:
            write("stream_events", bytes([family, 0x40, 0x80, 0xC0]) + body)
    for body in ANSWERS:
        write("answers", body)
    for body in openai:
        lines = [line[5:].strip() for line in body.split(b"\n") if line.startswith(b"data:")]
        write("openai_chunks", b"\n".join(lines))
    for chunks in OPENAI_CHUNKS:
        write("openai_chunks", chunks)
    for path in sorted(ST.glob("*.jsonl")):
        write("chat_files", path.read_bytes())
    for name in ["settings.json", "secrets.json"]:
        write("settings_import", (ST / name).read_bytes())
    for url in URLS:
        write("urls", url)
    for stop in STOPS:
        write("stop_strings", stop)


if __name__ == "__main__":
    main()
