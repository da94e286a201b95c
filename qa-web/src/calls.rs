//! What pages and API share about calls: who may see which, and the list filters.

use earshot_store::calls::{Call, CallFilter};
use earshot_store::time::parse_local;
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::App;

/// Rows per page of the calls list.
pub const PAGE_SIZE: i64 = 50;
/// Most rows the API returns at once.
pub const API_MAX_LIMIT: i64 = 500;

/// A call the principal may see. Another agent's call is "not found" to an agent, so that
/// call ids do not reveal which calls exist.
pub async fn visible_call(state: &App, principal: &Principal, id: i64) -> AppResult<Call> {
    let call = state.store.call(id).await?;
    if principal.may_see_call(call.agent.as_deref()) {
        Ok(call)
    } else {
        tracing::info!(user = %principal.user.username, call = id, "agent refused another agent's call");
        Err(AppError::NotFound)
    }
}

/// The filters of the calls list, as query parameters (page and API alike). Dates are local
/// dates (`YYYY-MM-DD`, or a local date-time) in the contact center's UTC offset; `to` is
/// inclusive of its whole day when given as a date.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CallsParams {
    #[serde(default)]
    pub agent: String,
    #[serde(default)]
    pub queue: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// 1-based page of the HTML list.
    pub page: Option<i64>,
    /// API paging.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl CallsParams {
    /// The store filter, narrowed to the agent's own calls for agents.
    pub fn to_filter(
        &self,
        principal: &Principal,
        utc_offset_minutes: i32,
        limit: i64,
        offset: i64,
    ) -> AppResult<CallFilter> {
        let date = |text: &str, name: &str, end_of_day: bool| -> AppResult<Option<i64>> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let ms = parse_local(text, utc_offset_minutes).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "{name} {text:?} is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM"
                ))
            })?;
            let is_bare_date = text.len() == 10;
            Ok(Some(if end_of_day && is_bare_date {
                ms + 86_400_000
            } else {
                ms
            }))
        };
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let (agent, agents) = if principal.is_agent() {
            // An agent sees their own calls only, under any of their identities.
            (None, Some(principal.agents.clone()))
        } else {
            (text(&self.agent), None)
        };
        Ok(CallFilter {
            agent,
            agents,
            queue: text(&self.queue),
            language: text(&self.language),
            from: date(&self.from, "from", false)?,
            to: date(&self.to, "to", true)?,
            limit: Some(limit),
            offset: Some(offset),
        })
    }

    /// The same filters as a query string (for pagination links), without paging.
    pub fn query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("agent", &self.agent),
            ("queue", &self.queue),
            ("language", &self.language),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.trim().is_empty() {
                q.append_pair(k, v.trim());
            }
        }
        q.finish()
    }
}
