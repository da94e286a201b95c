//! Marks the query's words and phrases in a segment's text.
//!
//! tantivy's `SnippetGenerator` highlights terms one by one, which for Chinese would mark
//! every `信`, `用` and `卡` in the text rather than the phrase `信用卡`; it also cuts
//! fragments, while a Whisper segment is already a sentence. So the whole segment is
//! re-tokenized with the index's own tokenizer and each match of a query term sequence is
//! marked as one span, from its first token's start to its last token's end.

use std::ops::Range;

use super::tokenizer::{tokenize, TextToken};

/// Returns `text` HTML-escaped, with `<mark>…</mark>` around each match of any of
/// `sequences` (token sequences as the query parser produced them). Overlapping or
/// touching matches are merged into one mark.
pub(crate) fn highlight(text: &str, sequences: &[&[String]]) -> String {
    let tokens = tokenize(text);
    let mut spans: Vec<Range<usize>> = sequences
        .iter()
        .filter(|seq| !seq.is_empty())
        .flat_map(|seq| matches(&tokens, seq))
        .collect();
    spans.sort_by_key(|s| (s.start, s.end));

    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }

    let mut out = String::with_capacity(text.len() + merged.len() * 13);
    let mut at = 0;
    for span in merged {
        escape_into(&text[at..span.start], &mut out);
        out.push_str("<mark>");
        escape_into(&text[span.clone()], &mut out);
        out.push_str("</mark>");
        at = span.end;
    }
    escape_into(&text[at..], &mut out);
    out
}

/// Byte ranges of `text` where `seq` occurs as consecutive tokens.
fn matches<'a>(
    tokens: &'a [TextToken],
    seq: &'a [String],
) -> impl Iterator<Item = Range<usize>> + 'a {
    tokens.windows(seq.len()).filter_map(move |window| {
        let hit = window.iter().zip(seq).all(|(t, s)| &t.text == s);
        hit.then(|| window[0].from..window[window.len() - 1].to)
    })
}

/// Escapes the characters that are special in HTML text and attribute values.
pub(crate) fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(tokens: &[&str]) -> Vec<String> {
        tokens.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn marks_a_chinese_phrase_as_one_span_and_skips_scattered_characters() {
        let phrase = seq(&["信", "用", "卡"]);
        assert_eq!(
            highlight("信件用完了，我的信用卡呢？", &[&phrase]),
            "信件用完了，我的<mark>信用卡</mark>呢？"
        );
    }

    #[test]
    fn marks_english_phrases_across_spaces_and_case() {
        let phrase = seq(&["credit", "card"]);
        let word = seq(&["refund"]);
        assert_eq!(
            highlight("My Credit  Card, no REFUND.", &[&phrase, &word]),
            "My <mark>Credit  Card</mark>, no <mark>REFUND</mark>."
        );
    }

    #[test]
    fn escapes_html_inside_and_outside_marks() {
        let word = seq(&["script"]);
        assert_eq!(
            highlight("<script>alert('x')</script> & co", &[&word]),
            "&lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt; &amp; co"
        );
    }

    #[test]
    fn overlapping_matches_merge() {
        let a = seq(&["信", "用"]);
        let b = seq(&["用", "卡"]);
        assert_eq!(highlight("信用卡", &[&a, &b]), "<mark>信用卡</mark>");
    }

    #[test]
    fn matches_folded_forms() {
        // Simplified text, Traditional query (folded by the parser's tokenizer).
        let phrase: Vec<String> = tokenize("帳戶").into_iter().map(|t| t.text).collect();
        assert_eq!(highlight("你的账户", &[&phrase]), "你的<mark>账户</mark>");
    }
}
