//! `GET /calls/{id}`: details, the player and the transcript that follows it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use earshot_store::audit::action;
use earshot_store::calls::{Call, Recording, Segment, Speaker};
use earshot_store::time::{format_local, format_offset};
use serde::Deserialize;

use super::{html, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::calls::visible_call;
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::i18n::Texts;
use crate::App;

pub struct SegmentView {
    /// Seconds, as the player's `currentTime` reads them.
    pub start_s: String,
    pub end_s: String,
    pub clock: String,
    pub speaker: &'static str,
    /// `caller` or `agent`, for styling.
    pub speaker_class: &'static str,
    pub text: String,
    pub current: bool,
}

pub struct Detail {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage {
    page: PageCtx,
    call: Call,
    started: String,
    details: Vec<Detail>,
    recording: Option<Recording>,
    start_at: Option<String>,
    segments: Vec<SegmentView>,
    model: Option<String>,
    /// Evaluations of this call the user may open: (id, scorecard, reviewer, status, score).
    evaluations: Vec<(i64, String, String, &'static str, String)>,
    /// Published scorecard versions to start an evaluation with, for evaluators: (version id, name).
    scorecards: Vec<(i64, String)>,
    /// The call's survey responses, and the web link form for those who may issue links.
    surveys: super::surveys::CallSurveys,
}

#[derive(Debug, Deserialize)]
pub struct CallParams {
    /// Open the player at this second (from a search hit).
    t: Option<String>,
}

/// Seconds with millisecond precision, the way the page and links write times.
pub fn seconds(ms: i64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// A `?t=` value as milliseconds; anything that is not a finite, non-negative number is ignored.
fn parse_t(t: Option<&str>) -> Option<i64> {
    let s: f64 = t?.trim().trim_end_matches('s').parse().ok()?;
    (s.is_finite() && s >= 0.0).then(|| (s * 1000.0).round() as i64)
}

/// Segments as the transcript list shows them (`current` is highlighted).
pub fn segment_views(t: &Texts, segments: &[Segment], current: Option<usize>) -> Vec<SegmentView> {
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let speaker = Speaker::from_channel(s.channel);
            SegmentView {
                start_s: seconds(s.start_ms),
                end_s: seconds(s.end_ms),
                clock: format_offset(s.start_ms),
                speaker: t.speaker(speaker),
                speaker_class: speaker.as_str(),
                text: s.text.clone(),
                current: current == Some(i),
            }
        })
        .collect()
}

/// The segment to highlight for a position: the latest one under way, else the next to come.
pub fn segment_at(segments: &[Segment], ms: i64) -> Option<usize> {
    segments
        .iter()
        .rposition(|s| s.start_ms <= ms && ms < s.end_ms.max(s.start_ms + 1))
        .or_else(|| segments.iter().position(|s| s.start_ms >= ms))
}

pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Query(params): Query<CallParams>,
) -> AppResult<Response> {
    let call = visible_call(&app, &principal, id).await?;
    let recording = app.store.recordings(call.id).await?.into_iter().next();
    let transcript = app.store.transcript(call.id).await?;
    let segments = app.store.segments(call.id).await?;
    app.store
        .audit(
            &principal.user.username,
            action::VIEW_CALL,
            &format!("call:{}", call.id),
            serde_json::json!({}),
        )
        .await?;

    let page = PageCtx::new(&ctx, "calls");
    let t = page.t;
    let offset = app.config.utc_offset_minutes;
    let start_ms = parse_t(params.t.as_deref());
    let current = start_ms.and_then(|ms| segment_at(&segments, ms));
    let segments = segment_views(t, &segments, current);
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let mut details = vec![
        Detail {
            label: t.col_agent,
            value: opt(&call.agent),
        },
        Detail {
            label: t.col_queue,
            value: opt(&call.queue),
        },
        Detail {
            label: t.col_caller,
            value: opt(&call.caller),
        },
        Detail {
            label: t.col_callee,
            value: opt(&call.callee),
        },
        Detail {
            label: t.col_direction,
            value: call.direction.clone(),
        },
        Detail {
            label: t.col_disposition,
            value: call.disposition.clone(),
        },
        Detail {
            label: t.col_language,
            value: opt(&call.language),
        },
        Detail {
            label: t.col_source,
            value: call.source.clone(),
        },
        Detail {
            label: t.col_external_id,
            value: opt(&call.external_id),
        },
    ];
    if let Some(r) = &recording {
        details.push(Detail {
            label: t.col_duration,
            value: format_offset(r.duration_ms),
        });
    }
    let mut filter = crate::qa::visible_filter(&principal);
    filter.call_id = Some(call.id);
    let evaluations = app
        .store
        .evaluations(&filter)
        .await?
        .into_iter()
        .map(|e| {
            (
                e.id,
                format!("{} v{}", e.scorecard_name, e.version),
                e.reviewer.clone(),
                super::evaluations::status_text(t, e.status),
                super::evaluations::score_text(e.score),
            )
        })
        .collect();
    let scorecards = if crate::qa::may_evaluate(&principal) {
        app.store
            .published_scorecards()
            .await?
            .into_iter()
            .map(|v| (v.id, format!("{} v{}", v.definition.name, v.version)))
            .collect()
    } else {
        Vec::new()
    };
    let surveys = super::surveys::call_surveys(&app, &principal, ctx.lang, &call).await?;
    html(&CallPage {
        evaluations,
        scorecards,
        surveys,
        page,
        started: format_local(call.started_at, offset),
        details,
        recording,
        start_at: start_ms.map(seconds),
        segments,
        model: transcript.map(|t| t.model),
        call,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start_ms: i64, end_ms: i64) -> Segment {
        Segment {
            id: 0,
            call_id: 1,
            channel: 0,
            start_ms,
            end_ms,
            text: String::new(),
        }
    }

    #[test]
    fn positions_pick_the_segment_under_way_or_the_next() {
        let s = [seg(0, 2000), seg(1500, 4000), seg(8000, 9000)];
        assert_eq!(segment_at(&s, 1000), Some(0));
        assert_eq!(
            segment_at(&s, 1800),
            Some(1),
            "the later of two overlapping"
        );
        assert_eq!(segment_at(&s, 5000), Some(2), "in a pause: the next");
        assert_eq!(segment_at(&s, 9500), None);
    }

    #[test]
    fn t_parameter_is_lenient_but_safe() {
        assert_eq!(parse_t(Some("12.5")), Some(12_500));
        assert_eq!(parse_t(Some("12s")), Some(12_000));
        assert_eq!(parse_t(Some("-1")), None);
        assert_eq!(parse_t(Some("NaN")), None);
        assert_eq!(parse_t(Some("<script>")), None);
        assert_eq!(seconds(12_050), "12.050");
    }
}
