//! [`SearchIndex`]: the tantivy index of transcript segments, shared by the indexer worker
//! (which writes) and the web app (which searches) in one process.

use std::cmp::Reverse;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::collector::{Count, ScoreSegmentTweaker, ScoreTweaker, TopDocs};
use tantivy::columnar::Column;
use tantivy::directory::error::LockError;
use tantivy::directory::MmapDirectory;
use tantivy::schema::{Field, Value};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument,
    TantivyError, Term,
};

use super::compile::compile;
use super::highlight::highlight;
use super::query;
use super::schema::{self, Fields};
use super::SearchError;

/// Indexing memory budget. One thread: commits happen per call, so more threads would
/// mostly add segments, and the machine is shared with Whisper.
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;
const WRITER_THREADS: usize = 1;

/// The most hits one page may ask for; larger `limit`s are reduced to this.
pub const MAX_LIMIT: usize = 1000;

/// The call-level fields copied onto each of the call's segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallDoc {
    pub call_id: i64,
    pub agent: Option<String>,
    pub queue: Option<String>,
    /// The detected language; stored as its primary subtag (`zh-TW` → `zh`).
    pub language: Option<String>,
    /// Call start, Unix milliseconds (UTC).
    pub started_at_ms: i64,
}

/// One transcript segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentDoc {
    /// 0 = caller, 1 = agent.
    pub channel: u8,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
}

/// Paging and time zone of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// Hits per page, at most [`MAX_LIMIT`]; 0 only counts.
    pub limit: usize,
    pub offset: usize,
    /// The deployment's offset from UTC, used for `date:`/`after:`/`before:`
    /// (Taiwan is +480).
    pub utc_offset_minutes: i32,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 20,
            offset: 0,
            utc_offset_minutes: 0,
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// All matching segments, not just this page.
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// A matching segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub call_id: i64,
    pub channel: u8,
    pub start_ms: i64,
    pub end_ms: i64,
    /// The segment text as transcribed.
    pub text: String,
    /// The whole segment text, HTML-escaped, with `<mark>…</mark>` around each matched
    /// word or phrase; safe to insert into a page as is.
    pub snippet_html: String,
    /// Relevance (BM25 over text terms; 0 for a query of filters only).
    pub score: f32,
    pub agent: Option<String>,
    pub queue: Option<String>,
    pub started_at_ms: i64,
}

/// The full-text index of transcript segments. `Send + Sync`: share it behind an `Arc`.
/// Writes are serialized by a mutex; searches run concurrently and see every write that
/// has returned.
pub struct SearchIndex {
    fields: Fields,
    /// `None` for an index opened with [`SearchIndex::open_read_only`].
    writer: Option<Mutex<IndexWriter>>,
    reader: IndexReader,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index if absent.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir).map_err(|source| SearchError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let directory = MmapDirectory::open(dir).map_err(|source| SearchError::Tantivy {
            action: "open the index directory",
            source: source.into(),
        })?;
        let (schema, fields) = schema::build();
        let index = Index::open_or_create(directory, schema).map_err(|source| match source {
            TantivyError::SchemaError(_) => SearchError::SchemaMismatch {
                path: dir.to_path_buf(),
            },
            source => SearchError::Tantivy {
                action: "open the index",
                source,
            },
        })?;
        let this = Self::with_index(index, fields, Some(dir))?;
        tracing::info!(path = %dir.display(), segments = this.doc_count(), "search index opened");
        Ok(this)
    }

    /// Opens an existing index for searching only, without taking the writer's lock, so a
    /// command-line search works while `earshot up` holds the index. Writes return
    /// [`SearchError::ReadOnly`].
    pub fn open_read_only(dir: &Path) -> Result<Self, SearchError> {
        let missing = || SearchError::NoIndex {
            path: dir.to_path_buf(),
        };
        if !dir.join("meta.json").exists() {
            return Err(missing());
        }
        let directory = MmapDirectory::open(dir).map_err(|_| missing())?;
        let index = Index::open(directory).map_err(|source| SearchError::Tantivy {
            action: "open the index",
            source,
        })?;
        let (schema, fields) = schema::build();
        if index.schema() != schema {
            return Err(SearchError::SchemaMismatch {
                path: dir.to_path_buf(),
            });
        }
        schema::register_tokenizers(&index);
        let reader = open_reader(&index, ReloadPolicy::OnCommitWithDelay)?;
        Ok(SearchIndex {
            fields,
            writer: None,
            reader,
        })
    }

    /// An empty index held in memory, for tests.
    pub fn open_in_ram() -> Result<Self, SearchError> {
        let (schema, fields) = schema::build();
        Self::with_index(Index::create_in_ram(schema), fields, None)
    }

    fn with_index(index: Index, fields: Fields, dir: Option<&Path>) -> Result<Self, SearchError> {
        schema::register_tokenizers(&index);
        let writer = index
            .writer_with_num_threads(WRITER_THREADS, WRITER_HEAP_BYTES)
            .map_err(|source| match source {
                TantivyError::LockFailure(LockError::LockBusy, _) => SearchError::Locked {
                    path: dir.map(Path::to_path_buf).unwrap_or_default(),
                },
                source => SearchError::Tantivy {
                    action: "create the index writer",
                    source,
                },
            })?;
        let reader = open_reader(&index, ReloadPolicy::Manual)?;
        Ok(SearchIndex {
            fields,
            writer: Some(Mutex::new(writer)),
            reader,
        })
    }

    /// Replaces everything indexed for `call` with `segments`, in one commit: a search sees
    /// either the old or the new transcript, never a mix, and sees the new one once this
    /// returns. Blank segments are skipped.
    pub fn index_call(&self, call: &CallDoc, segments: &[SegmentDoc]) -> Result<(), SearchError> {
        self.index_calls([(call, segments)])
    }

    /// [`index_call`](Self::index_call) for many calls in one commit, for rebuilding the
    /// index from the stored transcripts (a commit per call would be slow).
    pub fn index_calls<'a>(
        &self,
        calls: impl IntoIterator<Item = (&'a CallDoc, &'a [SegmentDoc])>,
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer()?;
        let mut count = 0usize;
        let staged = calls.into_iter().try_for_each(|(call, segments)| {
            writer.delete_term(self.call_term(call.call_id));
            count += 1;
            segments
                .iter()
                .filter(|s| !s.text.trim().is_empty())
                .try_for_each(|segment| writer.add_document(self.document(call, segment)).map(drop))
        });
        self.commit(&mut writer, staged, "index calls")?;
        tracing::debug!(calls = count, "search index updated");
        Ok(())
    }

    /// Removes a call's segments (e.g. when its retention period ends).
    pub fn delete_call(&self, call_id: i64) -> Result<(), SearchError> {
        let mut writer = self.lock_writer()?;
        writer.delete_term(self.call_term(call_id));
        self.commit(&mut writer, Ok(()), "delete a call")
    }

    /// Searches with the query language described in [`query`](super::query).
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Result<SearchResults, SearchError> {
        let expr = query::parse(query)?;
        let compiled = compile(&expr, &self.fields, opts.utc_offset_minutes);
        let searcher = self.reader.searcher();
        let tantivy_err = |source| SearchError::Tantivy {
            action: "run a search",
            source,
        };
        let limit = opts.limit.min(MAX_LIMIT);
        if limit == 0 {
            let total = searcher.search(&compiled, &Count).map_err(tantivy_err)?;
            return Ok(SearchResults {
                total,
                hits: Vec::new(),
            });
        }
        let top = TopDocs::with_limit(limit)
            .and_offset(opts.offset)
            .tweak_score(RankTweaker);
        let (total, ranked) = searcher
            .search(&compiled, &(Count, top))
            .map_err(tantivy_err)?;
        let sequences = expr.highlight_terms();
        let hits = ranked
            .into_iter()
            .map(|((score, ..), address)| {
                let doc: TantivyDocument =
                    searcher
                        .doc(address)
                        .map_err(|source| SearchError::Tantivy {
                            action: "read a stored segment",
                            source,
                        })?;
                self.hit(&doc, score, &sequences)
            })
            .collect::<Result<_, _>>()?;
        Ok(SearchResults { total, hits })
    }

    /// Segments in the index (as of the last commit).
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The writer. A panic while it was held may have left staged changes: roll them back
    /// so they are not committed with someone else's call.
    fn lock_writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        let writer = self.writer.as_ref().ok_or(SearchError::ReadOnly)?;
        Ok(match writer.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                if let Err(error) = guard.rollback() {
                    tracing::error!(%error, "rolling back the search index writer after a panic failed");
                }
                writer.clear_poison();
                guard
            }
        })
    }

    /// Commits what was staged, or rolls it back if staging failed, then makes it visible.
    fn commit(
        &self,
        writer: &mut IndexWriter,
        staged: tantivy::Result<()>,
        action: &'static str,
    ) -> Result<(), SearchError> {
        if let Err(source) = staged.and_then(|()| writer.commit().map(drop)) {
            if let Err(error) = writer.rollback() {
                tracing::error!(%error, "rolling back the search index writer failed");
            }
            return Err(SearchError::Tantivy { action, source });
        }
        self.reader.reload().map_err(|source| SearchError::Tantivy {
            action: "reload the index reader",
            source,
        })
    }

    fn call_term(&self, call_id: i64) -> Term {
        Term::from_field_i64(self.fields.call_id, call_id)
    }

    fn document(&self, call: &CallDoc, segment: &SegmentDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.call_id, call.call_id);
        doc.add_u64(f.channel, u64::from(segment.channel));
        doc.add_i64(f.start_ms, segment.start_ms);
        doc.add_i64(f.end_ms, segment.end_ms);
        doc.add_text(f.text, &segment.text);
        doc.add_i64(f.started_at, call.started_at_ms);
        let keywords = [
            (
                f.agent,
                call.agent.as_deref().map(str::trim).map(String::from),
            ),
            (
                f.queue,
                call.queue.as_deref().map(str::trim).map(String::from),
            ),
            (
                f.language,
                call.language.as_deref().map(schema::normalize_language),
            ),
        ];
        for (field, value) in keywords {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                doc.add_text(field, value);
            }
        }
        doc
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        score: Score,
        sequences: &[&[String]],
    ) -> Result<Hit, SearchError> {
        let f = &self.fields;
        let text = stored_str(doc, f.text).unwrap_or_default();
        Ok(Hit {
            call_id: stored_i64(doc, f.call_id, "call_id")?,
            channel: stored_u64(doc, f.channel)
                .and_then(|c| u8::try_from(c).ok())
                .ok_or(SearchError::MissingStoredField { field: "channel" })?,
            start_ms: stored_i64(doc, f.start_ms, "start_ms")?,
            end_ms: stored_i64(doc, f.end_ms, "end_ms")?,
            snippet_html: highlight(&text, sequences),
            text,
            score,
            agent: stored_str(doc, f.agent),
            queue: stored_str(doc, f.queue),
            started_at_ms: stored_i64(doc, f.started_at, "started_at")?,
        })
    }
}

fn stored_str(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(String::from))
}

fn stored_u64(doc: &TantivyDocument, field: Field) -> Option<u64> {
    doc.get_first(field).and_then(|v| v.as_u64())
}

fn stored_i64(doc: &TantivyDocument, field: Field, name: &'static str) -> Result<i64, SearchError> {
    doc.get_first(field)
        .and_then(|v| v.as_i64())
        .ok_or(SearchError::MissingStoredField { field: name })
}

/// Ranks by score, then newest call (highest id) first, then earliest segment, then
/// caller before agent, so that equal scores (every hit of a filter-only query) come out
/// in the same order whatever the segment layout of the index.
type RankKey = (Score, i64, Reverse<i64>, Reverse<u64>);

struct RankTweaker;

struct SegmentRank {
    call_id: Column<i64>,
    start_ms: Column<i64>,
    channel: Column<u64>,
}

impl ScoreTweaker<RankKey> for RankTweaker {
    type Child = SegmentRank;

    fn segment_tweaker(&self, segment: &SegmentReader) -> tantivy::Result<SegmentRank> {
        let fast = segment.fast_fields();
        Ok(SegmentRank {
            call_id: fast.i64(schema::CALL_ID)?,
            start_ms: fast.i64(schema::START_MS)?,
            channel: fast.u64(schema::CHANNEL)?,
        })
    }
}

impl ScoreSegmentTweaker<RankKey> for SegmentRank {
    fn score(&mut self, doc: DocId, score: Score) -> RankKey {
        (
            score,
            self.call_id.first(doc).unwrap_or_default(),
            Reverse(self.start_ms.first(doc).unwrap_or_default()),
            Reverse(self.channel.first(doc).unwrap_or_default()),
        )
    }
}

// The index is shared between the worker and the web app behind an `Arc`.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SearchIndex>();
};

/// A reader: `Manual` where this process writes (it reloads after each commit), or following
/// another process's commits for a read-only index.
fn open_reader(index: &Index, policy: ReloadPolicy) -> Result<IndexReader, SearchError> {
    index
        .reader_builder()
        .reload_policy(policy)
        .try_into()
        .map_err(|source| SearchError::Tantivy {
            action: "open the index reader",
            source,
        })
}
