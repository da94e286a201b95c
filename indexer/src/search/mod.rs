//! Full-text search over call transcripts, in Traditional Chinese, English or both.
//!
//! One tantivy document per transcript segment, so a hit leads to the second a phrase was
//! said. The index is a cache: it can always be rebuilt from the transcripts in the store
//! (see [`SearchIndex::index_calls`]), which is why a schema change simply asks for the
//! directory to be deleted.
//!
//! * [`tokenizer`]: Chinese as one token per character, English as lowercased words.
//! * [`query`]: the search box's language (words, phrases, `OR`, `NOT`, filters).
//! * `compile`: query syntax tree → tantivy query.
//! * `highlight`: HTML snippets marking the matched words and phrases.
//! * [`SearchIndex`]: open, index, delete, search.

mod compile;
mod fold;
mod highlight;
mod index;
pub mod query;
mod schema;
pub mod tokenizer;

use std::path::PathBuf;

pub use index::{CallDoc, Hit, SearchIndex, SearchOptions, SearchResults, SegmentDoc, MAX_LIMIT};
pub use query::QueryError;
pub use tokenizer::{tokenize, TextToken};

/// Why a search-index operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The user's query is malformed; show the message to the user.
    #[error("invalid search: {0}")]
    Query(#[from] QueryError),

    #[error("cannot create the search index directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the search index in {path} was built with a different schema; delete that directory \
         and re-index (the index is rebuilt from the stored transcripts)"
    )]
    SchemaMismatch { path: PathBuf },

    #[error(
        "the search index in {path} is locked by another writer; only one process (and one \
         SearchIndex in it) may open an index directory at a time"
    )]
    Locked { path: PathBuf },

    #[error("no search index at {path}: it is made by `earshot up` (or `earshot reindex`)")]
    NoIndex { path: PathBuf },

    #[error("this search index was opened read-only")]
    ReadOnly,

    #[error("the search index holds a segment without its stored `{field}`; rebuild the index")]
    MissingStoredField { field: &'static str },

    #[error("search index: cannot {action}: {source}")]
    Tantivy {
        action: &'static str,
        #[source]
        source: tantivy::TantivyError,
    },
}
