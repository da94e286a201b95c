//! Snippets in search hits: phrases marked whole, HTML escaped.

use earshot_indexer::search::{CallDoc, SearchIndex, SearchOptions, SegmentDoc};

fn index_with(texts: &[&str]) -> SearchIndex {
    let index = SearchIndex::open_in_ram().unwrap();
    let segments: Vec<SegmentDoc> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| SegmentDoc {
            channel: 0,
            start_ms: i as i64 * 1000,
            end_ms: i as i64 * 1000 + 900,
            text: (*text).into(),
        })
        .collect();
    let call = CallDoc {
        call_id: 7,
        agent: None,
        queue: None,
        language: None,
        started_at_ms: 0,
    };
    index.index_call(&call, &segments).unwrap();
    index
}

/// The snippet of the single hit of `query`.
fn snippet(index: &SearchIndex, query: &str) -> String {
    let results = index.search(query, &SearchOptions::default()).unwrap();
    assert_eq!(results.hits.len(), 1, "{query}: {results:?}");
    results.hits[0].snippet_html.clone()
}

#[test]
fn chinese_phrase_is_marked_as_a_whole_and_stray_characters_are_not() {
    let index = index_with(&["信件用完了，我的信用卡被盜刷，卡片呢？"]);
    assert_eq!(
        snippet(&index, "信用卡"),
        "信件用完了，我的<mark>信用卡</mark>被盜刷，卡片呢？"
    );
    // Spaced characters are separate terms: each occurrence is marked.
    assert_eq!(
        snippet(&index, "信 卡"),
        "<mark>信</mark>件用完了，我的<mark>信</mark>用<mark>卡</mark>被盜刷，<mark>卡</mark>片呢？"
    );
}

#[test]
fn english_words_and_phrases_are_marked_in_their_original_case() {
    let index = index_with(&["My Credit Card was charged twice; refund the CARD fee."]);
    assert_eq!(
        snippet(&index, "\"credit card\" refund"),
        "My <mark>Credit Card</mark> was charged twice; <mark>refund</mark> the CARD fee."
    );
}

#[test]
fn negated_terms_and_filters_are_not_marked() {
    let index = index_with(&["refund please", "refund and fee"]);
    assert_eq!(
        snippet(&index, "refund -fee call:7"),
        "<mark>refund</mark> please"
    );
}

#[test]
fn simplified_text_is_marked_for_a_traditional_query() {
    let index = index_with(&["请帮我查询账户余额"]);
    assert_eq!(snippet(&index, "帳戶"), "请帮我查询<mark>账户</mark>余额");
}

#[test]
fn transcript_html_is_escaped() {
    let index = index_with(&["<script>alert(\"信用卡\")</script> & <b>bold</b>"]);
    let html = snippet(&index, "信用卡");
    assert_eq!(
        html,
        "&lt;script&gt;alert(&quot;<mark>信用卡</mark>&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    );
    let results = index.search("script", &SearchOptions::default()).unwrap();
    assert!(!results.hits[0].snippet_html.contains("<script"));
    // The plain text is kept as transcribed.
    assert!(results.hits[0].text.starts_with("<script>"));
}

#[test]
fn full_width_text_is_marked_at_the_right_bytes() {
    let index = index_with(&["請撥打０８００－１２３號，ＡＴＭ轉帳"]);
    assert_eq!(
        snippet(&index, "atm 0800"),
        "請撥打<mark>０８００</mark>－１２３號，<mark>ＡＴＭ</mark>轉帳"
    );
}
