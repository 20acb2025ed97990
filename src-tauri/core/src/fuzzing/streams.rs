//! The harness that drives every streaming family's event mapper without the network: a whole
//! body, read in given chunks, through the SSE decoder and the family's mapper, as the relay
//! would. The fuzz checks, the decoder tests and the benchmarks use it; the relay itself knows
//! no family. It must not open a connection or change what a mapper does.

use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{ByData, SseMapper, StreamFailure};
use crate::provider::{
    anthropic, cohere, gemini, kobold, llamacpp, novelai, openai_compat, openai_responses,
};

/// The families whose replies stream as Server-Sent Events, each with its own event mapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFamily {
    /// OpenAI-compatible chunks (every chat and text flavor).
    OpenAi,
    /// Anthropic's typed events.
    Anthropic,
    /// KoboldCpp's `token` events.
    Kobold,
    /// NovelAI's `newToken` events.
    NovelAi,
    /// llama.cpp's own `/completion` events.
    LlamaCpp,
    /// Cohere's typed v2 chat events.
    Cohere,
    /// Gemini's `GenerateContentResponse` chunks (no `[DONE]`).
    Gemini,
    /// OpenAI's Responses API events.
    OpenAiResponses,
}

impl StreamFamily {
    /// Every family, in a fixed order.
    pub const ALL: [StreamFamily; 8] = [
        StreamFamily::OpenAi,
        StreamFamily::Anthropic,
        StreamFamily::Kobold,
        StreamFamily::NovelAi,
        StreamFamily::LlamaCpp,
        StreamFamily::Cohere,
        StreamFamily::Gemini,
        StreamFamily::OpenAiResponses,
    ];
}

/// What a streamed body comes to once mapped: the events, and how the reply ended.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedStream {
    /// Every event the mapper produced, in order (no `Done`: that is `end`).
    pub events: Vec<StreamEvent>,
    /// The stop reason, or why the reply failed.
    pub end: Result<StopReason, StreamFailure>,
}

/// A whole streamed body, read in `chunks`, through the SSE decoder and the family's mapper:
/// what the relay does with a live body, without the network (for decoder tests and fuzzing).
pub fn map_stream(family: StreamFamily, chunks: &[&[u8]]) -> MappedStream {
    match family {
        StreamFamily::OpenAi => drive(
            openai_compat::OpenAiEvents(openai_compat::stream::ChunkMapper::new()),
            chunks,
        ),
        StreamFamily::Anthropic => drive(anthropic::stream::EventMapper::new(), chunks),
        StreamFamily::Kobold => drive(ByData(kobold::stream::TokenMapper), chunks),
        StreamFamily::NovelAi => drive(ByData(novelai::stream::TokenMapper), chunks),
        StreamFamily::LlamaCpp => drive(ByData(llamacpp::stream::CompletionMapper), chunks),
        StreamFamily::Cohere => drive(cohere::stream::EventMapper::new(), chunks),
        StreamFamily::Gemini => drive(ByData(gemini::stream::ChunkMapper::new()), chunks),
        StreamFamily::OpenAiResponses => {
            drive(openai_responses::stream::EventMapper::new(), chunks)
        }
    }
}

fn drive<M: SseMapper>(mut mapper: M, chunks: &[&[u8]]) -> MappedStream {
    let mut decoder = crate::stream::SseDecoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        while let Some(event) = decoder.next_event() {
            match mapper.on_event(event, &mut events) {
                Ok(None) => {}
                Ok(Some(reason)) => {
                    return MappedStream {
                        events,
                        end: Ok(reason),
                    }
                }
                Err(failure) => {
                    return MappedStream {
                        events,
                        end: Err(failure),
                    }
                }
            }
        }
    }
    let end = mapper.on_end(decoder.finish(), &mut events);
    MappedStream { events, end }
}
