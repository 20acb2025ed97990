//! Chat → one prompt string for text-completion backends (KoboldCpp, Horde, Oobabooga, …):
//! instruct templates, and the trimming of stop strings from a streamed reply.
//!
//! A template wraps each message in its role's prefix and suffix and ends the prompt with the
//! assistant prefix, so the model writes the reply. Its stop strings are sent to the backend and
//! also cut from the output here, because backends differ in whether they include them.

use serde::{Deserialize, Serialize};

use crate::model::{ChatMessage, Role};

/// A built-in instruct template.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum TemplateKind {
    /// `<|im_start|>role … <|im_end|>` (Qwen, many fine-tunes).
    #[default]
    ChatMl,
    /// `### Instruction:` / `### Response:`.
    Alpaca,
    /// Llama 3's header tokens.
    Llama3,
    /// Mistral's `[INST] … [/INST]`.
    Mistral,
    /// `USER:` / `ASSISTANT:`.
    Vicuna,
    /// No template: `Name: text` lines.
    None,
}

/// How messages are wrapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct InstructTemplate {
    /// Put once at the very start.
    pub bos: String,
    /// Before and after a system message.
    pub system_prefix: String,
    /// After a system message.
    pub system_suffix: String,
    /// Before a user message.
    pub user_prefix: String,
    /// After a user message.
    pub user_suffix: String,
    /// Before an assistant message (and at the end of the prompt).
    pub assistant_prefix: String,
    /// After an assistant message.
    pub assistant_suffix: String,
    /// Where the model's turn should end.
    pub stop: Vec<String>,
}

impl TemplateKind {
    /// Every built-in template.
    pub const ALL: [TemplateKind; 6] = [
        TemplateKind::ChatMl,
        TemplateKind::Alpaca,
        TemplateKind::Llama3,
        TemplateKind::Mistral,
        TemplateKind::Vicuna,
        TemplateKind::None,
    ];

    /// Name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            TemplateKind::ChatMl => "ChatML",
            TemplateKind::Alpaca => "Alpaca",
            TemplateKind::Llama3 => "Llama 3",
            TemplateKind::Mistral => "Mistral",
            TemplateKind::Vicuna => "Vicuna",
            TemplateKind::None => "None (plain “Name: text”)",
        }
    }

    /// The template's wrapping.
    pub fn template(self) -> InstructTemplate {
        let t = |bos: &str,
                 system: (&str, &str),
                 user: (&str, &str),
                 assistant: (&str, &str),
                 stop: &[&str]| InstructTemplate {
            bos: bos.into(),
            system_prefix: system.0.into(),
            system_suffix: system.1.into(),
            user_prefix: user.0.into(),
            user_suffix: user.1.into(),
            assistant_prefix: assistant.0.into(),
            assistant_suffix: assistant.1.into(),
            stop: stop.iter().map(|s| s.to_string()).collect(),
        };
        match self {
            TemplateKind::ChatMl => t(
                "",
                ("<|im_start|>system\n", "<|im_end|>\n"),
                ("<|im_start|>user\n", "<|im_end|>\n"),
                ("<|im_start|>assistant\n", "<|im_end|>\n"),
                &["<|im_end|>", "<|im_start|>"],
            ),
            TemplateKind::Alpaca => t(
                "",
                ("", "\n\n"),
                ("### Instruction:\n", "\n\n"),
                ("### Response:\n", "\n\n"),
                &["### Instruction:", "### Response:"],
            ),
            TemplateKind::Llama3 => t(
                "<|begin_of_text|>",
                (
                    "<|start_header_id|>system<|end_header_id|>\n\n",
                    "<|eot_id|>",
                ),
                ("<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|>"),
                (
                    "<|start_header_id|>assistant<|end_header_id|>\n\n",
                    "<|eot_id|>",
                ),
                &["<|eot_id|>", "<|start_header_id|>"],
            ),
            TemplateKind::Mistral => t(
                "",
                ("[INST] ", " [/INST]</s>"),
                ("[INST] ", " [/INST]"),
                ("", "</s>"),
                &["</s>", "[INST]"],
            ),
            TemplateKind::Vicuna => t(
                "",
                ("", "\n\n"),
                ("USER: ", "\n"),
                ("ASSISTANT: ", "</s>\n"),
                &["</s>", "\nUSER:"],
            ),
            TemplateKind::None => t(
                "",
                ("", "\n"),
                ("User: ", "\n"),
                ("Assistant: ", "\n"),
                &["\nUser:"],
            ),
        }
    }
}

impl InstructTemplate {
    /// The prompt for `messages`, ending with the assistant prefix, and the stop strings. When
    /// the last message is the model's (a reply being continued), the prompt ends with its text
    /// instead, so the model carries on from there.
    pub fn render(&self, messages: &[ChatMessage]) -> (String, Vec<String>) {
        let fitted = self.fit(messages, u32::MAX);
        (fitted.prompt, fitted.stop)
    }

    /// The last message left open for the model to continue, when it is the model's.
    fn open_tail<'m>(&self, messages: &'m [ChatMessage]) -> (&'m [ChatMessage], Option<String>) {
        match messages.split_last() {
            Some((last, rest)) if last.role == Role::Assistant => {
                let mut open = self.assistant_prefix.clone();
                open.push_str(&last.text());
                (rest, Some(open))
            }
            _ => (messages, None),
        }
    }

    /// Where the model's turn starts, at the end of the prompt.
    fn generation_prefix(&self) -> &str {
        self.assistant_prefix.trim_end_matches(' ')
    }

    fn push_message(&self, prompt: &mut String, message: &ChatMessage) {
        let (prefix, suffix) = match message.role {
            Role::System => (&self.system_prefix, &self.system_suffix),
            Role::User | Role::Tool => (&self.user_prefix, &self.user_suffix),
            Role::Assistant => (&self.assistant_prefix, &self.assistant_suffix),
        };
        prompt.push_str(prefix);
        if let Some(name) = message.name.as_deref().filter(|n| !n.is_empty()) {
            prompt.push_str(name);
            prompt.push_str(": ");
        }
        prompt.push_str(&message.text());
        prompt.push_str(suffix);
    }

    /// The prompt for as many of the latest `messages` as fit in `budget` tokens (estimated):
    /// the oldest are dropped first, but never a leading system prompt nor the last message.
    pub fn fit(&self, messages: &[ChatMessage], budget: u32) -> Fitted {
        let (messages, open) = self.open_tail(messages);
        let ending = open.as_deref().unwrap_or_else(|| self.generation_prefix());
        if open.is_some() && messages.is_empty() {
            return Fitted {
                prompt: format!("{}{ending}", self.bos),
                stop: self.stop.clone(),
                dropped: 0,
                estimated_tokens: estimate_tokens(&self.bos) + estimate_tokens(ending),
            };
        }
        let pinned_system = usize::from(messages.first().is_some_and(|m| m.role == Role::System));
        let rendered: Vec<String> = messages
            .iter()
            .map(|message| {
                let mut text = String::new();
                self.push_message(&mut text, message);
                text
            })
            .collect();
        let cost: Vec<u32> = rendered.iter().map(|text| estimate_tokens(text)).collect();
        let fixed = estimate_tokens(&self.bos) + estimate_tokens(ending);
        let mut total: u32 = fixed.saturating_add(cost.iter().sum());
        // Drop from the oldest droppable message while over budget (a continued reply's
        // question is kept with it).
        let last = if open.is_some() {
            messages.len()
        } else {
            messages.len().saturating_sub(1)
        };
        let mut first_kept = pinned_system;
        while total > budget && first_kept < last {
            total -= cost[first_kept];
            first_kept += 1;
        }
        let mut prompt = self.bos.clone();
        for text in rendered[..pinned_system]
            .iter()
            .chain(&rendered[first_kept..])
        {
            prompt.push_str(text);
        }
        prompt.push_str(ending);
        Fitted {
            prompt,
            stop: self.stop.clone(),
            dropped: first_kept - pinned_system,
            estimated_tokens: total,
        }
    }
}

/// A prompt fitted to a context size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// The prompt.
    pub prompt: String,
    /// The template's stop strings.
    pub stop: Vec<String>,
    /// How many of the oldest messages were left out.
    pub dropped: usize,
    /// The prompt's estimated size in tokens.
    pub estimated_tokens: u32,
}

/// Characters per token assumed when the backend's tokenizer is not at hand (SillyTavern's
/// fallback estimate); a little pessimistic for English, so prompts err on the short side.
pub const CHARS_PER_TOKEN: f64 = 3.35;

/// An estimate of how many tokens `text` is.
pub fn estimate_tokens(text: &str) -> u32 {
    let chars = text.chars().count() as f64;
    (chars / CHARS_PER_TOKEN).ceil() as u32
}

/// The context size assumed when neither the profile nor the backend gives one.
pub const DEFAULT_CONTEXT_SIZE: u32 = 4096;

/// The reply length when the profile sets none: asked of every source, shown in the profile
/// form and reserved in the context (SillyTavern's default response length).
pub const DEFAULT_REPLY_TOKENS: u32 = 300;

/// A profile's prompt format for text completion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct InstructSettings {
    /// The built-in template chosen.
    pub template: TemplateKind,
    /// The template as edited by the person; used instead of `template` when set.
    pub custom: Option<InstructTemplate>,
    /// The context size in tokens; `None` uses what the backend reports, or
    /// [`DEFAULT_CONTEXT_SIZE`].
    pub context_size: Option<u32>,
}

impl InstructSettings {
    /// The template in effect.
    pub fn template(&self) -> InstructTemplate {
        self.custom
            .clone()
            .unwrap_or_else(|| self.template.template())
    }
}

/// Cuts a streamed reply at the first stop string, never showing part of one: text that could
/// be the start of a stop string is held back until the next chunk settles it.
#[derive(Debug, Clone)]
pub struct StopTrimmer {
    stops: Vec<String>,
    held: String,
    stopped: bool,
}

impl StopTrimmer {
    /// A trimmer for these stop strings (empty ones are ignored).
    pub fn new(stops: &[String]) -> StopTrimmer {
        StopTrimmer {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            held: String::new(),
            stopped: false,
        }
    }

    /// Whether a stop string was seen (everything after it is dropped).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// The next chunk; returns the text that is safe to show now.
    pub fn push(&mut self, chunk: &str) -> String {
        if self.stopped {
            return String::new();
        }
        self.held.push_str(chunk);
        self.settle(false)
    }

    /// The end of the reply: what was held back is shown after all, up to a stop string that
    /// completed while a longer one was still possible.
    pub fn finish(&mut self) -> String {
        if self.stopped {
            return String::new();
        }
        self.settle(true)
    }

    /// Shows what can no longer be part of a stop string; cuts at the first complete one once no
    /// stop string starting earlier can still complete (never, at the `end`).
    fn settle(&mut self, end: bool) -> String {
        let found = self
            .stops
            .iter()
            .filter_map(|stop| self.held.find(stop.as_str()))
            .min();
        // Where the earliest stop string that the next chunk could still complete begins.
        let open = if end {
            None
        } else {
            let keep = self
                .stops
                .iter()
                .map(|stop| partial_tail(&self.held, stop))
                .max()
                .unwrap_or(0);
            (keep > 0).then(|| self.held.len() - keep)
        };
        match (found, open) {
            (Some(at), open) if open.is_none_or(|open| at <= open) => {
                self.stopped = true;
                let shown = self.held[..at].to_string();
                self.held.clear();
                shown
            }
            (_, Some(open)) => self.held.drain(..open).collect(),
            (_, None) => std::mem::take(&mut self.held),
        }
    }
}

/// The length of the longest suffix of `text` that is a proper prefix of `stop`, on a char
/// boundary.
fn partial_tail(text: &str, stop: &str) -> usize {
    let longest = text.len().min(stop.len().saturating_sub(1));
    (1..=longest)
        .rev()
        .find(|&n| {
            let start = text.len() - n;
            text.is_char_boundary(start) && stop.starts_with(&text[start..])
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chat() -> Vec<ChatMessage> {
        vec![
            ChatMessage::new(Role::System, "Be brief."),
            ChatMessage::new(Role::User, "Hi"),
            ChatMessage::new(Role::Assistant, "Hello!"),
            ChatMessage::new(Role::User, "Name a colour."),
        ]
    }

    #[test]
    fn every_built_in_template_renders_the_exact_prompt() {
        let expected = [
            (
                TemplateKind::ChatMl,
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n",
            ),
            (
                TemplateKind::Alpaca,
                "Be brief.\n\n### Instruction:\nHi\n\n### Response:\nHello!\n\n### Instruction:\nName a colour.\n\n### Response:\n",
            ),
            (
                TemplateKind::Llama3,
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nName a colour.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            ),
            (
                TemplateKind::Mistral,
                "[INST] Be brief. [/INST]</s>[INST] Hi [/INST]Hello!</s>[INST] Name a colour. [/INST]",
            ),
            (
                TemplateKind::Vicuna,
                "Be brief.\n\nUSER: Hi\nASSISTANT: Hello!</s>\nUSER: Name a colour.\nASSISTANT:",
            ),
            (
                TemplateKind::None,
                "Be brief.\nUser: Hi\nAssistant: Hello!\nUser: Name a colour.\nAssistant:",
            ),
        ];
        for (kind, prompt) in expected {
            let (rendered, stops) = kind.template().render(&chat());
            assert_eq!(rendered, prompt, "{kind:?}");
            assert!(!stops.is_empty(), "{kind:?}");
        }
        assert_eq!(TemplateKind::ALL.len(), expected.len());
    }

    #[test]
    fn fitting_drops_the_oldest_but_never_the_system_prompt_or_last_message() {
        let template = TemplateKind::ChatMl.template();
        let mut messages = vec![ChatMessage::new(Role::System, "Be brief.")];
        for i in 0..20 {
            let role = if i % 2 == 0 {
                Role::User
            } else {
                Role::Assistant
            };
            messages.push(ChatMessage::new(
                role,
                format!("message number {i} {}", "x".repeat(40)),
            ));
        }
        let all = template.fit(&messages, u32::MAX);
        assert_eq!(all.dropped, 0);
        assert_eq!(all.prompt, template.render(&messages).0);

        let budget = all.estimated_tokens / 2;
        let half = template.fit(&messages, budget);
        assert!(half.dropped > 0 && half.dropped < 20, "{}", half.dropped);
        assert!(half.estimated_tokens <= budget);
        assert!(half
            .prompt
            .starts_with("<|im_start|>system\nBe brief.<|im_end|>\n"));
        assert!(half.prompt.contains("message number 19"));
        assert!(!half.prompt.contains("message number 0 "));
        // Exactly the dropped ones are missing, oldest first.
        let kept: Vec<ChatMessage> = std::iter::once(messages[0].clone())
            .chain(messages[1 + half.dropped..].iter().cloned())
            .collect();
        assert_eq!(half.prompt, template.render(&kept).0);

        // Nothing fits: the system prompt and the last message are still sent.
        let tiny = template.fit(&messages, 1);
        assert_eq!(tiny.dropped, 19);
        assert!(tiny.prompt.contains("Be brief.") && tiny.prompt.contains("message number 19"));

        // Without a system prompt the first message is droppable.
        let tail = template.fit(&messages[1..], 1);
        assert_eq!(tail.dropped, 19);
    }

    #[test]
    fn token_estimate_counts_characters_not_bytes() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abc"), 1);
        assert_eq!(estimate_tokens("日本語日本語日"), 3);
    }

    #[test]
    fn settings_use_the_edited_template_when_there_is_one() {
        let mut settings = InstructSettings {
            template: TemplateKind::Alpaca,
            ..InstructSettings::default()
        };
        assert_eq!(settings.template(), TemplateKind::Alpaca.template());
        let mut edited = TemplateKind::Alpaca.template();
        edited.user_prefix = "### Input:\n".into();
        settings.custom = Some(edited.clone());
        assert_eq!(settings.template(), edited);
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(
            serde_json::from_str::<InstructSettings>(&json).unwrap(),
            settings
        );
        assert_eq!(
            serde_json::from_str::<InstructSettings>("{}").unwrap(),
            InstructSettings::default()
        );
    }

    #[test]
    fn names_are_put_before_the_text() {
        let mut message = ChatMessage::new(Role::User, "hi");
        message.name = Some("Alice".into());
        let (prompt, _) = TemplateKind::None.template().render(&[message]);
        assert_eq!(prompt, "User: Alice: hi\nAssistant:");
    }

    fn trim_all(stops: &[&str], chunks: &[&str]) -> (String, bool) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut trimmer = StopTrimmer::new(&stops);
        let mut out = String::new();
        for chunk in chunks {
            let shown = trimmer.push(chunk);
            // Nothing shown is ever the start of a stop string that later completes.
            out.push_str(&shown);
        }
        out.push_str(&trimmer.finish());
        (out, trimmer.stopped())
    }

    /// Found by fuzzing: a short stop string completing inside a longer one that began earlier
    /// and had not completed yet was taken as the first, showing the longer one's start.
    #[test]
    fn a_longer_stop_string_that_began_first_wins() {
        for split in 1..7 {
            let reply = "ok amndk< tail";
            let (a, b) = reply.split_at(split + 3);
            assert_eq!(
                trim_all(&["mn", "amndk<"], &[a, b]),
                ("ok ".into(), true),
                "split after {:?}",
                a
            );
        }
        // At the end of the reply a completed stop string counts though a longer one was open.
        assert_eq!(trim_all(&["b", "abcd"], &["xab", "c"]), ("xa".into(), true));
    }

    #[test]
    fn stop_strings_are_cut_even_across_chunks() {
        assert_eq!(
            trim_all(&["<|im_end|>"], &["Red", "<|im", "_end|>", "more"]),
            ("Red".into(), true)
        );
        assert_eq!(
            trim_all(&["\nUser:"], &["Blue.\n", "Us", "er: next"]),
            ("Blue.".into(), true)
        );
        // A held-back prefix that turns out not to be a stop string is shown after all.
        assert_eq!(
            trim_all(&["\nUser:"], &["a\nU", "sually"]),
            ("a\nUsually".into(), false)
        );
        assert_eq!(
            trim_all(&["</s>"], &["end <", "/"]),
            ("end </".into(), false)
        );
        // The earliest of several stop strings wins.
        assert_eq!(trim_all(&["B", "</s>"], &["a</s>B"]), ("a".into(), true));
    }

    #[test]
    fn partial_stop_strings_are_never_shown() {
        let stops = vec!["<|im_end|>".to_string()];
        let mut trimmer = StopTrimmer::new(&stops);
        assert_eq!(trimmer.push("Green<|im"), "Green");
        assert_eq!(trimmer.push("_e"), "");
        assert_eq!(trimmer.push("nd|>"), "");
        assert!(trimmer.stopped());
        assert_eq!(trimmer.push("ignored"), "");
    }

    proptest! {
        #[test]
        fn any_split_gives_the_text_before_the_first_stop(
            text in "[a-zé日<|>/ \\n]{0,40}",
            cuts in proptest::collection::vec(0usize..40, 0..8),
        ) {
            let stops = ["<|im_end|>", "\n日", "//"];
            let expected = stops
                .iter()
                .filter_map(|s| text.find(s))
                .min()
                .map_or(text.clone(), |at| text[..at].to_string());
            let mut bounds: Vec<usize> = cuts
                .into_iter()
                .map(|c| c.min(text.len()))
                .filter(|&c| text.is_char_boundary(c))
                .collect();
            bounds.sort_unstable();
            let mut chunks = Vec::new();
            let mut last = 0;
            for b in bounds {
                chunks.push(&text[last..b]);
                last = b;
            }
            chunks.push(&text[last..]);
            let (out, _) = trim_all(&stops, &chunks);
            prop_assert_eq!(out, expected);
        }
    }
}
