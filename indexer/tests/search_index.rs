//! SearchIndex lifecycle: re-indexing, deleting, persistence, sharing between threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use earshot_indexer::search::{CallDoc, SearchError, SearchIndex, SearchOptions, SegmentDoc};

fn call(id: i64) -> CallDoc {
    CallDoc {
        call_id: id,
        agent: Some("alice".into()),
        queue: Some("billing".into()),
        language: Some("zh".into()),
        started_at_ms: 1_714_579_200_000 + id,
    }
}

fn segments(texts: &[&str]) -> Vec<SegmentDoc> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| SegmentDoc {
            channel: (i % 2) as u8,
            start_ms: i as i64 * 2000,
            end_ms: i as i64 * 2000 + 1500,
            text: (*text).into(),
        })
        .collect()
}

fn count(index: &SearchIndex, query: &str) -> usize {
    index
        .search(query, &SearchOptions::default())
        .unwrap()
        .total
}

#[test]
fn reindexing_a_call_replaces_its_segments() {
    let index = SearchIndex::open_in_ram().unwrap();
    index
        .index_call(&call(1), &segments(&["我要辦信用卡", "好的，請稍等"]))
        .unwrap();
    index
        .index_call(&call(2), &segments(&["信用卡掛失"]))
        .unwrap();
    assert_eq!(index.doc_count(), 3);
    assert_eq!(count(&index, "信用卡"), 2);

    index
        .index_call(&call(1), &segments(&["我要申請貸款"]))
        .unwrap();
    assert_eq!(index.doc_count(), 2);
    assert_eq!(count(&index, "信用卡"), 1, "call 1's old text is gone");
    assert_eq!(count(&index, "貸款 call:1"), 1);
    assert_eq!(count(&index, "call:2"), 1, "other calls are untouched");
}

#[test]
fn hits_carry_the_segment_and_call_fields() {
    let index = SearchIndex::open_in_ram().unwrap();
    index
        .index_call(&call(9), &segments(&["hello", "請問卡號"]))
        .unwrap();
    let hit = &index
        .search("卡號", &SearchOptions::default())
        .unwrap()
        .hits[0];
    assert_eq!(
        (hit.call_id, hit.channel, hit.start_ms, hit.end_ms),
        (9, 1, 2000, 3500)
    );
    assert_eq!(hit.text, "請問卡號");
    assert_eq!(hit.agent.as_deref(), Some("alice"));
    assert_eq!(hit.queue.as_deref(), Some("billing"));
    assert_eq!(hit.started_at_ms, 1_714_579_200_009);
    assert!(hit.score > 0.0);
}

#[test]
fn blank_segments_and_missing_metadata_are_fine() {
    let index = SearchIndex::open_in_ram().unwrap();
    let bare = CallDoc {
        call_id: 3,
        agent: None,
        queue: None,
        language: None,
        started_at_ms: 0,
    };
    index
        .index_call(&bare, &segments(&["  ", "", "退款"]))
        .unwrap();
    assert_eq!(index.doc_count(), 1);
    let hit = &index
        .search("退款", &SearchOptions::default())
        .unwrap()
        .hits[0];
    assert_eq!((hit.agent.as_ref(), hit.queue.as_ref()), (None, None));
    assert_eq!(count(&index, "agent:alice"), 0);
}

#[test]
fn deleting_a_call_and_indexing_no_segments_remove_it() {
    let index = SearchIndex::open_in_ram().unwrap();
    for id in 1..=3 {
        index
            .index_call(&call(id), &segments(&["退款", "refund"]))
            .unwrap();
    }
    index.delete_call(2).unwrap();
    assert_eq!(count(&index, "退款"), 2);
    assert_eq!(count(&index, "call:2"), 0);
    index.index_call(&call(3), &[]).unwrap();
    assert_eq!(index.doc_count(), 2);
    // Deleting an unknown call is not an error.
    index.delete_call(404).unwrap();
}

#[test]
fn index_calls_commits_a_batch() {
    let index = SearchIndex::open_in_ram().unwrap();
    let calls: Vec<(CallDoc, Vec<SegmentDoc>)> = (1..=50)
        .map(|id| (call(id), segments(&["信用卡", "refund"])))
        .collect();
    index
        .index_calls(calls.iter().map(|(c, s)| (c, s.as_slice())))
        .unwrap();
    assert_eq!(index.doc_count(), 100);
    let first_page = index.search("信用卡", &SearchOptions::default()).unwrap();
    assert_eq!(first_page.total, 50);
    let ids: Vec<i64> = first_page.hits.iter().map(|h| h.call_id).collect();
    assert_eq!(
        ids,
        (31..=50).rev().collect::<Vec<_>>(),
        "ties: newest call first"
    );
}

#[test]
fn on_disk_index_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        index
            .index_call(&call(1), &segments(&["我的信用卡被盜刷"]))
            .unwrap();
    }
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.doc_count(), 1);
    assert_eq!(count(&index, "盜刷"), 1);
}

#[test]
fn a_second_writer_on_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SearchIndex::open(dir.path()).unwrap();
    match SearchIndex::open(dir.path()) {
        Err(e @ SearchError::Locked { .. }) => {
            assert!(e.to_string().contains("locked"), "{e}");
        }
        Err(e) => panic!("expected Locked, got {e:?}"),
        Ok(_) => panic!("expected Locked, got a second index"),
    }
}

#[test]
fn an_index_with_another_schema_asks_for_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = tantivy::schema::Schema::builder();
    builder.add_text_field("body", tantivy::schema::TEXT);
    tantivy::Index::create_in_dir(dir.path(), builder.build()).unwrap();
    match SearchIndex::open(dir.path()) {
        Err(e @ SearchError::SchemaMismatch { .. }) => {
            assert!(e.to_string().contains("re-index"), "{e}");
        }
        Err(e) => panic!("expected SchemaMismatch, got {e:?}"),
        Ok(_) => panic!("expected SchemaMismatch, got an index"),
    }
}

/// While one thread keeps replacing a call's transcript, searches from other threads see
/// either the whole old version or the whole new one.
#[test]
fn concurrent_searches_never_see_half_a_reindex() {
    let index = Arc::new(SearchIndex::open_in_ram().unwrap());
    let old = segments(&["alpha one", "alpha two", "alpha three"]);
    let new = segments(&["beta one", "beta two"]);
    index.index_call(&call(1), &old).unwrap();
    let done = Arc::new(AtomicBool::new(false));

    let writer = {
        let (index, done) = (Arc::clone(&index), Arc::clone(&done));
        thread::spawn(move || {
            for round in 0..30 {
                let version = if round % 2 == 0 { &new } else { &old };
                index.index_call(&call(1), version).unwrap();
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (index, done) = (Arc::clone(&index), Arc::clone(&done));
            thread::spawn(move || {
                let mut seen = 0;
                while !done.load(Ordering::SeqCst) || seen == 0 {
                    let results = index.search("call:1", &SearchOptions::default()).unwrap();
                    let texts: Vec<&str> = results.hits.iter().map(|h| h.text.as_str()).collect();
                    let all_alpha =
                        texts.len() == 3 && texts.iter().all(|t| t.starts_with("alpha"));
                    let all_beta = texts.len() == 2 && texts.iter().all(|t| t.starts_with("beta"));
                    assert!(all_alpha || all_beta, "mixed versions: {texts:?}");
                    seen += 1;
                }
                seen
            })
        })
        .collect();
    writer.join().unwrap();
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
    // 30 rounds end on the old version.
    assert_eq!(count(&index, "alpha"), 3);
}

#[test]
fn a_read_only_index_searches_beside_the_writer_and_refuses_writes() {
    use earshot_indexer::search::{CallDoc, SearchError, SearchIndex, SearchOptions, SegmentDoc};
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        SearchIndex::open_read_only(dir.path()),
        Err(SearchError::NoIndex { .. })
    ));
    let writer = SearchIndex::open(dir.path()).unwrap();
    let call = CallDoc {
        call_id: 1,
        agent: None,
        queue: None,
        language: None,
        started_at_ms: 0,
    };
    let seg = SegmentDoc {
        channel: 0,
        start_ms: 0,
        end_ms: 1000,
        text: "我的信用卡不見了".into(),
    };
    writer
        .index_call(&call, std::slice::from_ref(&seg))
        .unwrap();
    // The writer holds the lock; a second writer is refused, a reader is not.
    assert!(matches!(
        SearchIndex::open(dir.path()),
        Err(SearchError::Locked { .. })
    ));
    let reader = SearchIndex::open_read_only(dir.path()).unwrap();
    assert_eq!(
        reader
            .search("信用卡", &SearchOptions::default())
            .unwrap()
            .total,
        1
    );
    assert!(matches!(
        reader.index_call(&call, &[seg]),
        Err(SearchError::ReadOnly)
    ));
}
