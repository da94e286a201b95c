//! The query language against a small index of Chinese, English and mixed calls.

use chrono::{FixedOffset, TimeZone};
use earshot_indexer::search::{
    CallDoc, SearchError, SearchIndex, SearchOptions, SearchResults, SegmentDoc,
};

const TAIWAN: i32 = 8 * 60;

/// Unix ms of a Taiwan local time.
fn taipei(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    FixedOffset::east_opt(TAIWAN * 60)
        .unwrap()
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

fn call(id: i64, agent: &str, queue: &str, lang: &str, started_at_ms: i64) -> CallDoc {
    CallDoc {
        call_id: id,
        agent: Some(agent.into()),
        queue: Some(queue.into()),
        language: Some(lang.into()),
        started_at_ms,
    }
}

fn seg(channel: u8, start_s: i64, text: &str) -> SegmentDoc {
    SegmentDoc {
        channel,
        start_ms: start_s * 1000,
        end_ms: start_s * 1000 + 2500,
        text: text.into(),
    }
}

fn fixture() -> SearchIndex {
    let index = SearchIndex::open_in_ram().unwrap();
    let calls = [
        (
            // Late evening of May 1st in Taipei: still May 1st in UTC too.
            call(1, "Alice", "信用卡", "zh", taipei(2024, 5, 1, 23, 30)),
            vec![
                seg(0, 0, "你好，我的信用卡被盜刷了。"),
                seg(1, 3, "好的，請問您的卡號後四碼是？"),
                seg(0, 6, "我想申請退款。"),
            ],
        ),
        (
            // Just after midnight May 2nd in Taipei, which is May 1st 16:30 UTC.
            call(2, "Bob", "貸款", "zh-TW", taipei(2024, 5, 2, 0, 30)),
            vec![
                seg(0, 0, "信件用完了，卡片在用嗎？"),
                seg(1, 4, "這筆貸款的利率是多少"),
            ],
        ),
        (
            call(3, "Carol", "support", "en", taipei(2024, 4, 30, 20, 0)),
            vec![
                seg(0, 0, "I want a refund for my credit card."),
                seg(1, 5, "The card credit limit is fine."),
            ],
        ),
        (
            call(4, "alice", "信用卡", "zh", taipei(2024, 5, 3, 9, 0)),
            vec![
                seg(0, 0, "我的credit card額度不夠，想要refund"),
                seg(1, 3, "信用卡額度可以調高"),
            ],
        ),
        (
            // Whisper wrote Simplified characters.
            call(5, "Dave", "帳務", "zh", taipei(2024, 5, 3, 10, 0)),
            vec![seg(0, 0, "请帮我查询账户余额")],
        ),
    ];
    for (c, segments) in &calls {
        index.index_call(c, segments).unwrap();
    }
    index
}

fn opts() -> SearchOptions {
    SearchOptions {
        limit: 100,
        offset: 0,
        utc_offset_minutes: TAIWAN,
    }
}

/// (call, second) of each hit, sorted, for order-insensitive comparisons.
fn found(index: &SearchIndex, query: &str) -> Vec<(i64, i64)> {
    let results = index
        .search(query, &opts())
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    assert_eq!(
        results.total,
        results.hits.len(),
        "{query}: all hits fit one page"
    );
    sorted(&results)
}

fn sorted(results: &SearchResults) -> Vec<(i64, i64)> {
    let mut v: Vec<_> = results
        .hits
        .iter()
        .map(|h| (h.call_id, h.start_ms / 1000))
        .collect();
    v.sort();
    v
}

#[test]
fn unquoted_chinese_is_a_phrase_and_scattered_characters_do_not_match() {
    let index = fixture();
    assert_eq!(found(&index, "信用卡"), [(1, 0), (4, 3)]);
    assert_eq!(found(&index, "\"信用卡\""), [(1, 0), (4, 3)]);
    assert_eq!(found(&index, "「信用卡」"), [(1, 0), (4, 3)]);
    // Separate characters anywhere in a segment: call 2's 信…用…卡 matches now.
    assert_eq!(found(&index, "信 用 卡"), [(1, 0), (2, 0), (4, 3)]);
}

#[test]
fn english_phrases_need_adjacent_words_in_order() {
    let index = fixture();
    assert_eq!(found(&index, "\"credit card\""), [(3, 0), (4, 0)]);
    assert_eq!(found(&index, "credit card"), [(3, 0), (3, 5), (4, 0)]);
    assert_eq!(found(&index, "\"card credit\""), [(3, 5)]);
    // Case and full-width letters fold.
    assert_eq!(found(&index, "REFUND"), found(&index, "ｒｅｆｕｎｄ"));
}

#[test]
fn mixed_language_segments_match_both_scripts() {
    let index = fixture();
    assert_eq!(found(&index, "額度 \"credit card\""), [(4, 0)]);
    assert_eq!(found(&index, "refund 不夠"), [(4, 0)]);
    // `card額度` without a space is one chunk, hence a phrase across the script change.
    assert_eq!(found(&index, "card額度"), [(4, 0)]);
}

#[test]
fn boolean_operators() {
    let index = fixture();
    assert_eq!(found(&index, "退款 OR refund"), [(1, 6), (3, 0), (4, 0)]);
    assert_eq!(found(&index, "refund NOT 額度"), [(3, 0)]);
    assert_eq!(found(&index, "refund -額度"), [(3, 0)]);
    assert_eq!(
        found(&index, "(退款 OR refund) AND agent:alice"),
        [(1, 6), (4, 0)]
    );
    // A negation alone keeps everything else.
    assert_eq!(
        found(&index, "-信用卡 -lang:en speaker:caller"),
        [(1, 6), (2, 0), (4, 0), (5, 0)]
    );
}

#[test]
fn keyword_filters() {
    let index = fixture();
    assert_eq!(
        found(&index, "agent:ALICE"),
        [(1, 0), (1, 3), (1, 6), (4, 0), (4, 3)]
    );
    assert_eq!(found(&index, "queue:貸款"), [(2, 0), (2, 4)]);
    assert_eq!(found(&index, "queue:\"support\" card"), [(3, 0), (3, 5)]);
    assert_eq!(found(&index, "call:3"), [(3, 0), (3, 5)]);
    assert_eq!(found(&index, "lang:en"), [(3, 0), (3, 5)]);
    // `zh-TW` was stored as `zh`.
    assert_eq!(found(&index, "lang:zh queue:貸款"), [(2, 0), (2, 4)]);
    assert_eq!(found(&index, "lang:中文 call:2"), [(2, 0), (2, 4)]);
}

#[test]
fn speaker_filter_selects_the_channel() {
    let index = fixture();
    let agent_side = [(1, 3), (2, 4), (3, 5), (4, 3)];
    assert_eq!(found(&index, "speaker:agent"), agent_side);
    assert_eq!(found(&index, "speaker:客服"), agent_side);
    assert_eq!(found(&index, "信用卡 speaker:客戶"), [(1, 0)]);
    for hit in index.search("speaker:caller", &opts()).unwrap().hits {
        assert_eq!(hit.channel, 0);
    }
}

#[test]
fn dates_are_local_days_in_the_given_offset() {
    let index = fixture();
    // Calls 1 (23:30) and 2 (00:30 next day) straddle midnight in Taipei but are both on
    // May 1st in UTC.
    assert_eq!(
        found(&index, "date:2024-05-01 call:1 OR date:2024-05-01 call:2"),
        [(1, 0), (1, 3), (1, 6)]
    );
    let utc = SearchOptions {
        utc_offset_minutes: 0,
        ..opts()
    };
    let in_utc = index
        .search("date:2024-05-01 speaker:caller", &utc)
        .unwrap();
    assert_eq!(sorted(&in_utc), [(1, 0), (1, 6), (2, 0)]);

    assert_eq!(found(&index, "date:2024-05-02"), [(2, 0), (2, 4)]);
    // after: is inclusive, before: exclusive.
    assert_eq!(
        found(&index, "after:2024-05-02 speaker:caller"),
        [(2, 0), (4, 0), (5, 0)]
    );
    assert_eq!(found(&index, "before:2024-05-01"), [(3, 0), (3, 5)]);
    assert_eq!(
        found(&index, "after:2024-05-01 before:2024-05-02"),
        [(1, 0), (1, 3), (1, 6)]
    );
    assert_eq!(found(&index, "after:2024/05/03 額度"), [(4, 0), (4, 3)]);
}

#[test]
fn traditional_query_finds_simplified_transcript_and_back() {
    let index = fixture();
    assert_eq!(found(&index, "帳戶餘額"), [(5, 0)]);
    assert_eq!(found(&index, "盗刷"), [(1, 0)]);
}

#[test]
fn filter_only_queries_list_segments_newest_call_first_then_in_time() {
    let index = fixture();
    let results = index.search("agent:alice", &opts()).unwrap();
    let order: Vec<_> = results
        .hits
        .iter()
        .map(|h| (h.call_id, h.start_ms / 1000))
        .collect();
    assert_eq!(order, [(4, 0), (4, 3), (1, 0), (1, 3), (1, 6)]);
    assert!(results.hits.iter().all(|h| h.score == 0.0));
    assert_eq!(results.hits[0].agent.as_deref(), Some("alice"));
    assert_eq!(results.hits[0].queue.as_deref(), Some("信用卡"));
    assert_eq!(results.hits[0].started_at_ms, taipei(2024, 5, 3, 9, 0));
}

#[test]
fn paging_keeps_the_total_and_the_order() {
    let index = fixture();
    let all = index.search("lang:zh", &opts()).unwrap();
    assert_eq!(all.total, 8);
    let page = |offset| {
        index
            .search(
                "lang:zh",
                &SearchOptions {
                    limit: 3,
                    offset,
                    ..opts()
                },
            )
            .unwrap()
    };
    let pages: Vec<_> = [0, 3, 6].into_iter().map(page).collect();
    assert!(pages.iter().all(|p| p.total == 8));
    let stitched: Vec<_> = pages.iter().flat_map(|p| p.hits.clone()).collect();
    assert_eq!(stitched, all.hits);
    let count_only = index
        .search("lang:zh", &SearchOptions { limit: 0, ..opts() })
        .unwrap();
    assert_eq!((count_only.total, count_only.hits.len()), (8, 0));
}

#[test]
fn better_matches_rank_first() {
    let index = fixture();
    // Call 4's caller segment has both words; call 3's has only `refund`.
    let results = index.search("refund OR 額度", &opts()).unwrap();
    assert_eq!(results.hits[0].call_id, 4);
    assert_eq!(results.hits[0].start_ms, 0);
    assert!(results.hits.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn bad_queries_are_query_errors_with_a_position() {
    let index = fixture();
    for (query, column) in [
        ("\"信用卡", 1),
        ("退款 (refund", 4),
        ("refund)", 7),
        ("colour:red", 1),
        ("信用卡 date:2024-02-30", 5),
        ("refund OR", 8),
        ("", 1),
    ] {
        match index.search(query, &opts()) {
            Err(SearchError::Query(e)) => {
                assert_eq!(e.column, column, "{query}: {e}");
                assert!(
                    SearchError::Query(e.clone())
                        .to_string()
                        .contains(&format!("at character {column}")),
                    "{e}"
                );
            }
            other => panic!("{query}: expected a query error, got {other:?}"),
        }
    }
}
