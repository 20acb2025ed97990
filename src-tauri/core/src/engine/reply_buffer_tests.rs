use super::*;

const MS: Duration = Duration::from_millis(1);

fn buffer(stops: &[&str], t0: Instant) -> ReplyBuffer {
    let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
    ReplyBuffer::new(String::new(), String::new(), &stops, t0)
}

fn ready(buffer: &mut ReplyBuffer) -> Vec<ChatEvent> {
    buffer.ready().collect()
}

fn delta(text: &str) -> ChatEvent {
    ChatEvent::Delta { text: text.into() }
}

fn reasoning(text: &str) -> ChatEvent {
    ChatEvent::Reasoning { text: text.into() }
}

#[test]
fn deltas_go_out_a_window_after_the_first_one_held_back_and_not_sooner() {
    let w = COALESCE_WINDOW;
    let t0 = Instant::now();
    let mut b = buffer(&[], t0);
    assert_eq!(b.deadline(), None);
    assert_eq!(b.push_text("a", t0), Flow::Go);
    assert_eq!(b.deadline(), Some(t0 + w));
    assert_eq!(b.push_text("b", t0 + w / 2), Flow::Go);
    // The window runs from the first piece held back, not the last.
    assert_eq!(b.deadline(), Some(t0 + w));
    b.poll(t0 + w - MS);
    assert!(ready(&mut b).is_empty());
    b.poll(t0 + w);
    assert_eq!(ready(&mut b), [delta("ab")]);
    assert_eq!(b.deadline(), None);
    // The next piece opens a new window at its own time.
    b.push_text("c", t0 + 3 * w);
    assert_eq!(b.deadline(), Some(t0 + 4 * w));
    b.push_text("d", t0 + 4 * w - MS);
    assert!(ready(&mut b).is_empty());
    // A piece that arrives after the window has passed goes out with what was held.
    b.push_text("e", t0 + 4 * w);
    assert_eq!(ready(&mut b), [delta("cde")]);
}

#[test]
fn two_kilobytes_held_back_go_out_at_once() {
    let t0 = Instant::now();
    let mut b = buffer(&[], t0);
    b.push_text(&"x".repeat(COALESCE_BYTES - 1), t0);
    assert!(ready(&mut b).is_empty());
    b.push_text("y", t0);
    let out = ready(&mut b);
    assert_eq!(out.len(), 1);
    assert!(
        matches!(&out[0], ChatEvent::Delta { text } if text.len() == COALESCE_BYTES && text.ends_with('y'))
    );
    assert_eq!(b.deadline(), None);
    // Reasoning counts toward the cap too.
    b.push_reasoning(&"r".repeat(COALESCE_BYTES), t0 + MS);
    assert_eq!(ready(&mut b), [reasoning(&"r".repeat(COALESCE_BYTES))]);
}

#[test]
fn reasoning_and_text_go_out_in_the_order_they_came() {
    let t0 = Instant::now();
    let mut b = buffer(&[], t0);
    b.push_reasoning("think", t0);
    assert!(ready(&mut b).is_empty());
    // Text after reasoning sends the reasoning first, then holds the text.
    b.push_text("answer", t0 + MS);
    assert_eq!(ready(&mut b), [reasoning("think")]);
    assert_eq!(b.deadline(), Some(t0 + MS + COALESCE_WINDOW));
    b.push_reasoning("more", t0 + 2 * MS);
    assert_eq!(ready(&mut b), [delta("answer")]);
    b.flush();
    assert_eq!(ready(&mut b), [reasoning("more")]);
    // Empty pieces change nothing.
    b.push_text("", t0 + 3 * MS);
    b.push_reasoning("", t0 + 3 * MS);
    assert_eq!(b.deadline(), None);
    let (text, reasoning, rest) = b.finish();
    assert_eq!(text, "answer");
    assert_eq!(reasoning.as_deref(), Some("thinkmore"));
    assert!(rest.is_empty());
}

#[test]
fn the_reply_is_saved_every_second_while_it_grows() {
    let t0 = Instant::now();
    let mut b = buffer(&[], t0);
    // Nothing new: nothing to save, however long it has been.
    assert_eq!(b.save_due(t0 + 5 * SAVE_INTERVAL), None);
    b.push_text("one", t0 + MS);
    assert_eq!(b.save_due(t0 + 999 * MS), None);
    let snapshot = b.save_due(t0 + 1000 * MS).expect("due after a second");
    assert_eq!(
        snapshot,
        Snapshot {
            text: "one".into(),
            reasoning: None
        }
    );
    b.saved(snapshot.len(), true, t0 + 1010 * MS);
    // The next save is a second after the last one ended, and only if the reply grew.
    b.push_reasoning("why", t0 + 1100 * MS);
    assert_eq!(b.save_due(t0 + 2009 * MS), None);
    let snapshot = b.save_due(t0 + 2010 * MS).expect("due again");
    assert_eq!(snapshot.reasoning.as_deref(), Some("why"));
    assert_eq!(snapshot.len(), 6);
    b.saved(snapshot.len(), true, t0 + 2010 * MS);
    assert_eq!(b.save_due(t0 + 9 * SAVE_INTERVAL), None);
}

#[test]
fn a_failed_save_is_tried_again_a_second_later() {
    let t0 = Instant::now();
    let mut b = buffer(&[], t0);
    b.push_text("one", t0);
    let snapshot = b.save_due(t0 + SAVE_INTERVAL).expect("due");
    b.saved(snapshot.len(), false, t0 + SAVE_INTERVAL);
    assert_eq!(b.save_due(t0 + SAVE_INTERVAL + 999 * MS), None);
    assert!(b.save_due(t0 + 2 * SAVE_INTERVAL).is_some());
}

#[test]
fn a_continued_reply_grows_from_what_it_had() {
    let t0 = Instant::now();
    let mut b = ReplyBuffer::new("Once".into(), "plan".into(), &[], t0);
    // What it had is saved already.
    assert_eq!(b.save_due(t0 + SAVE_INTERVAL), None);
    b.push_text(" upon", t0);
    assert_eq!(
        b.save_due(t0 + SAVE_INTERVAL).map(|s| s.text),
        Some("Once upon".into())
    );
    let (text, reasoning, rest) = b.finish();
    assert_eq!(
        (text.as_str(), reasoning.as_deref()),
        ("Once upon", Some("plan"))
    );
    // Only the new text goes out: the front end has the rest.
    assert_eq!(rest, [delta(" upon")]);
}

#[test]
fn a_stop_string_split_across_pieces_cuts_the_reply() {
    let t0 = Instant::now();
    let mut b = buffer(&["</s>", "\nUser:"], t0);
    assert_eq!(b.push_text("Hello <", t0), Flow::Go);
    assert_eq!(b.push_text("/", t0 + MS), Flow::Go);
    b.flush();
    // What may start a stop string is never shown.
    assert_eq!(ready(&mut b), [delta("Hello ")]);
    assert_eq!(b.push_text("s> and the rest", t0 + 2 * MS), Flow::Stopped);
    let (text, _, rest) = b.finish();
    assert_eq!(text, "Hello ");
    assert!(rest.is_empty());

    let mut b = buffer(&["\nUser:"], t0);
    assert_eq!(b.push_text("Fine.\nUs", t0), Flow::Go);
    assert_eq!(b.push_text("er: hi", t0), Flow::Stopped);
    let (text, _, rest) = b.finish();
    assert_eq!(text, "Fine.");
    assert_eq!(rest, [delta("Fine.")]);
}

#[test]
fn text_held_for_a_stop_string_is_shown_when_the_reply_ends_short_of_it() {
    let t0 = Instant::now();
    let mut b = buffer(&["</s>"], t0);
    b.push_text("a </", t0);
    b.flush();
    assert_eq!(ready(&mut b), [delta("a ")]);
    b.release_held();
    let (text, _, rest) = b.finish();
    assert_eq!(text, "a </");
    assert_eq!(rest, [delta("</")]);
}

#[test]
fn a_reply_past_the_cap_is_over_it() {
    let t0 = Instant::now();
    let mut b = ReplyBuffer::new("x".repeat(MAX_REPLY_BYTES - 2), String::new(), &[], t0);
    assert!(!b.over_cap());
    b.push_reasoning("r", t0);
    b.push_text("t", t0);
    // Exactly at the cap is still within it.
    assert!(!b.over_cap());
    b.push_text("!", t0);
    assert!(b.over_cap());
}
