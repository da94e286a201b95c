//! Running a transcript search for a user, audited, for the search page and the API alike.

use earshot_indexer::search::{SearchError, SearchOptions, SearchResults};
use earshot_store::audit::action;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::App;

/// Longest query accepted; the search box is for words and filters, not documents.
pub const MAX_QUERY_CHARS: usize = 500;

/// The outcome a user sees: results, or what is wrong with their query.
pub enum Outcome {
    Results(SearchResults),
    BadQuery(String),
}

/// Search the transcripts and write a `transcript.search` audit row with the query and the
/// number of hits (or the parser's complaint).
pub async fn run(
    app: &App,
    principal: &Principal,
    query: &str,
    limit: usize,
    offset: usize,
) -> AppResult<Outcome> {
    let outcome = if query.chars().count() > MAX_QUERY_CHARS {
        Outcome::BadQuery(format!(
            "the query is longer than {MAX_QUERY_CHARS} characters"
        ))
    } else {
        let index = app.search.clone();
        let q = query.to_string();
        let options = SearchOptions {
            limit,
            offset,
            utc_offset_minutes: app.config.utc_offset_minutes,
        };
        let result = tokio::task::spawn_blocking(move || index.search(&q, &options))
            .await
            .map_err(|e| AppError::Internal(format!("search task: {e}")))?;
        match result {
            Ok(results) => Outcome::Results(results),
            Err(SearchError::Query(e)) => Outcome::BadQuery(e.to_string()),
            Err(e) => return Err(AppError::Internal(format!("searching: {e}"))),
        }
    };
    let detail = match &outcome {
        Outcome::Results(r) => serde_json::json!({ "query": query, "hits": r.total }),
        Outcome::BadQuery(e) => serde_json::json!({ "query": query, "hits": 0, "error": e }),
    };
    app.store
        .audit(
            &principal.user.username,
            action::SEARCH,
            "transcripts",
            detail,
        )
        .await?;
    Ok(outcome)
}
