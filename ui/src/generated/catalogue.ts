// Generated from the Rust core by src-tauri/src/bindings.rs; do not edit.
// Regenerate with `cargo test -p switchboard --lib bindings`.

import type { BuiltInTemplate, SourceInfo } from "../api";

/** Every source, as `listSources` returns it (catalogue.rs). */
export const SOURCES: SourceInfo[] = [
  {
    "kind": "openai",
    "id": "openai",
    "label": "OpenAI",
    "group": "cloudChat",
    "defaultUrl": "https://api.openai.com/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "claude",
    "id": "claude",
    "label": "Anthropic Claude",
    "group": "cloudChat",
    "defaultUrl": "https://api.anthropic.com/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": true,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "stop"
    ]
  },
  {
    "kind": "mistral",
    "id": "mistral",
    "label": "Mistral AI",
    "group": "cloudChat",
    "defaultUrl": "https://api.mistral.ai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "openrouter",
    "id": "openrouter",
    "label": "OpenRouter",
    "group": "cloudChat",
    "defaultUrl": "https://openrouter.ai/api/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "frequencyPenalty",
      "presencePenalty",
      "repetitionPenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "custom",
    "id": "custom",
    "label": "Custom (OpenAI-compatible)",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:8080/v1",
    "key": "optional",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": "textCompletion",
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "frequencyPenalty",
      "presencePenalty",
      "repetitionPenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "ooba",
    "id": "ooba",
    "label": "Oobabooga text-generation-webui",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:5000/v1",
    "key": "optional",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "textCompletion",
      "otherApi": "chatCompletion",
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "frequencyPenalty",
      "presencePenalty",
      "repetitionPenalty",
      "repetitionPenaltyRange",
      "typicalP",
      "tfs",
      "topA",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "tabby",
    "id": "tabby",
    "label": "TabbyAPI",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:5000/v1",
    "key": "optional",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": "textCompletion",
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "frequencyPenalty",
      "presencePenalty",
      "repetitionPenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "mancer",
    "id": "mancer",
    "label": "Mancer",
    "group": "textService",
    "defaultUrl": "https://neuro.mancer.tech/oai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "textCompletion",
      "otherApi": "chatCompletion",
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "frequencyPenalty",
      "presencePenalty",
      "repetitionPenalty",
      "repetitionPenaltyRange",
      "typicalP",
      "tfs",
      "topA",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "kobold",
    "id": "kobold",
    "label": "KoboldAI United",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:5000/api",
    "key": "optional",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "textCompletion",
      "otherApi": null,
      "streaming": false,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "repetitionPenalty",
      "repetitionPenaltyRange",
      "typicalP",
      "tfs",
      "topA",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "koboldcpp",
    "id": "koboldcpp",
    "label": "KoboldCpp",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:5001",
    "key": "optional",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "textCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": true,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "repetitionPenalty",
      "repetitionPenaltyRange",
      "typicalP",
      "tfs",
      "topA",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "horde",
    "id": "horde",
    "label": "AI Horde",
    "group": "textService",
    "defaultUrl": "https://aihorde.net/api/v2",
    "key": "optional",
    "keyLabel": "API key",
    "keyNote": "Optional: without a key the Horde is used anonymously, at the back of the queue.",
    "capabilities": {
      "api": "textCompletion",
      "otherApi": null,
      "streaming": false,
      "modelList": true,
      "serverAbort": true,
      "prefill": false,
      "multiModel": true
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "repetitionPenalty",
      "repetitionPenaltyRange",
      "typicalP",
      "tfs",
      "topA",
      "stop"
    ]
  },
  {
    "kind": "novelai",
    "id": "novelai",
    "label": "NovelAI",
    "group": "textService",
    "defaultUrl": "https://text.novelai.net",
    "key": "required",
    "keyLabel": "Persistent API token",
    "keyNote": "From NovelAI's Account settings: “Get Persistent API Token”.",
    "capabilities": {
      "api": "textCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "repetitionPenalty",
      "repetitionPenaltyRange",
      "typicalP",
      "tfs",
      "topA",
      "stop"
    ]
  },
  {
    "kind": "deepseek",
    "id": "deepseek",
    "label": "DeepSeek",
    "group": "cloudChat",
    "defaultUrl": "https://api.deepseek.com",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "xai",
    "id": "xai",
    "label": "xAI (Grok)",
    "group": "cloudChat",
    "defaultUrl": "https://api.x.ai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "groq",
    "id": "groq",
    "label": "Groq",
    "group": "cloudChat",
    "defaultUrl": "https://api.groq.com/openai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "perplexity",
    "id": "perplexity",
    "label": "Perplexity",
    "group": "cloudChat",
    "defaultUrl": "https://api.perplexity.ai",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "fireworks",
    "id": "fireworks",
    "label": "Fireworks AI",
    "group": "cloudChat",
    "defaultUrl": "https://api.fireworks.ai/inference/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "moonshot",
    "id": "moonshot",
    "label": "Moonshot AI (Kimi)",
    "group": "cloudChat",
    "defaultUrl": "https://api.moonshot.ai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "zai",
    "id": "zai",
    "label": "Z.ai (GLM)",
    "group": "cloudChat",
    "defaultUrl": "https://api.z.ai/api/paas/v4",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "minimax",
    "id": "minimax",
    "label": "MiniMax",
    "group": "cloudChat",
    "defaultUrl": "https://api.minimax.io/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "siliconflow",
    "id": "siliconflow",
    "label": "SiliconFlow",
    "group": "cloudChat",
    "defaultUrl": "https://api.siliconflow.com/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "ai21",
    "id": "ai21",
    "label": "AI21 Labs",
    "group": "cloudChat",
    "defaultUrl": "https://api.ai21.com/studio/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "nanogpt",
    "id": "nanogpt",
    "label": "NanoGPT",
    "group": "cloudChat",
    "defaultUrl": "https://nano-gpt.com/api/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "electronhub",
    "id": "electronhub",
    "label": "Electron Hub",
    "group": "cloudChat",
    "defaultUrl": "https://api.electronhub.ai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "chutes",
    "id": "chutes",
    "label": "Chutes",
    "group": "cloudChat",
    "defaultUrl": "https://llm.chutes.ai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "aimlapi",
    "id": "aimlapi",
    "label": "AI/ML API",
    "group": "cloudChat",
    "defaultUrl": "https://api.aimlapi.com/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "pollinations",
    "id": "pollinations",
    "label": "Pollinations",
    "group": "cloudChat",
    "defaultUrl": "https://text.pollinations.ai/openai",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "workers_ai",
    "id": "workers_ai",
    "label": "Cloudflare Workers AI",
    "group": "cloudChat",
    "defaultUrl": "https://api.cloudflare.com/client/v4",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "azure_openai",
    "id": "azure_openai",
    "label": "Azure OpenAI",
    "group": "cloudChat",
    "defaultUrl": "https://example.openai.azure.com",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "llamacpp",
    "id": "llamacpp",
    "label": "llama.cpp server",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:8080",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "ollama",
    "id": "ollama",
    "label": "Ollama",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:11434",
    "key": "optional",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": "textCompletion",
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": true,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "topK",
      "minP",
      "typicalP",
      "repetitionPenalty",
      "repetitionPenaltyRange",
      "presencePenalty",
      "frequencyPenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "vllm",
    "id": "vllm",
    "label": "vLLM",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:8000",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "aphrodite",
    "id": "aphrodite",
    "label": "Aphrodite Engine",
    "group": "localServer",
    "defaultUrl": "http://127.0.0.1:2242",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "togetherai",
    "id": "togetherai",
    "label": "Together AI",
    "group": "textService",
    "defaultUrl": "https://api.together.xyz/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "infermaticai",
    "id": "infermaticai",
    "label": "Infermatic AI",
    "group": "textService",
    "defaultUrl": "https://api.totalgpt.ai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "dreamgen",
    "id": "dreamgen",
    "label": "DreamGen",
    "group": "textService",
    "defaultUrl": "https://dreamgen.com/api/openai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "featherless",
    "id": "featherless",
    "label": "Featherless AI",
    "group": "textService",
    "defaultUrl": "https://api.featherless.ai/v1",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  },
  {
    "kind": "huggingface",
    "id": "huggingface",
    "label": "Hugging Face Inference Endpoints",
    "group": "textService",
    "defaultUrl": "https://example.endpoints.huggingface.cloud",
    "key": "required",
    "keyLabel": "API key",
    "keyNote": "",
    "capabilities": {
      "api": "chatCompletion",
      "otherApi": null,
      "streaming": true,
      "modelList": true,
      "serverAbort": false,
      "prefill": false,
      "multiModel": false
    },
    "supported": false,
    "samplers": [
      "maxTokens",
      "temperature",
      "topP",
      "frequencyPenalty",
      "presencePenalty",
      "seed",
      "stop"
    ]
  }
];

/** The built-in instruct templates, as `listTemplates` returns them (prompt/instruct.rs). */
export const TEMPLATES: BuiltInTemplate[] = [
  {
    "kind": "chat-ml",
    "label": "ChatML",
    "template": {
      "bos": "",
      "systemPrefix": "<|im_start|>system\n",
      "systemSuffix": "<|im_end|>\n",
      "userPrefix": "<|im_start|>user\n",
      "userSuffix": "<|im_end|>\n",
      "assistantPrefix": "<|im_start|>assistant\n",
      "assistantSuffix": "<|im_end|>\n",
      "stop": [
        "<|im_end|>",
        "<|im_start|>"
      ]
    }
  },
  {
    "kind": "alpaca",
    "label": "Alpaca",
    "template": {
      "bos": "",
      "systemPrefix": "",
      "systemSuffix": "\n\n",
      "userPrefix": "### Instruction:\n",
      "userSuffix": "\n\n",
      "assistantPrefix": "### Response:\n",
      "assistantSuffix": "\n\n",
      "stop": [
        "### Instruction:",
        "### Response:"
      ]
    }
  },
  {
    "kind": "llama3",
    "label": "Llama 3",
    "template": {
      "bos": "<|begin_of_text|>",
      "systemPrefix": "<|start_header_id|>system<|end_header_id|>\n\n",
      "systemSuffix": "<|eot_id|>",
      "userPrefix": "<|start_header_id|>user<|end_header_id|>\n\n",
      "userSuffix": "<|eot_id|>",
      "assistantPrefix": "<|start_header_id|>assistant<|end_header_id|>\n\n",
      "assistantSuffix": "<|eot_id|>",
      "stop": [
        "<|eot_id|>",
        "<|start_header_id|>"
      ]
    }
  },
  {
    "kind": "mistral",
    "label": "Mistral",
    "template": {
      "bos": "",
      "systemPrefix": "[INST] ",
      "systemSuffix": " [/INST]</s>",
      "userPrefix": "[INST] ",
      "userSuffix": " [/INST]",
      "assistantPrefix": "",
      "assistantSuffix": "</s>",
      "stop": [
        "</s>",
        "[INST]"
      ]
    }
  },
  {
    "kind": "vicuna",
    "label": "Vicuna",
    "template": {
      "bos": "",
      "systemPrefix": "",
      "systemSuffix": "\n\n",
      "userPrefix": "USER: ",
      "userSuffix": "\n",
      "assistantPrefix": "ASSISTANT: ",
      "assistantSuffix": "</s>\n",
      "stop": [
        "</s>",
        "\nUSER:"
      ]
    }
  },
  {
    "kind": "none",
    "label": "None (plain “Name: text”)",
    "template": {
      "bos": "",
      "systemPrefix": "",
      "systemSuffix": "\n",
      "userPrefix": "User: ",
      "userSuffix": "\n",
      "assistantPrefix": "Assistant: ",
      "assistantSuffix": "\n",
      "stop": [
        "\nUser:"
      ]
    }
  }
];

/** How a secret is shown in a request preview. */
export const REDACTED = "<redacted>";
/** The context size when neither the profile nor the model gives one. */
export const DEFAULT_CONTEXT_SIZE = 4096;
/** The reply length reserved in the context when the profile sets none. */
export const DEFAULT_REPLY_TOKENS = 300;
