//! The QA workflow's part of the OpenAPI document: scorecards, evaluations, disputes, the
//! dashboard.

use serde_json::{json, Map, Value};

use super::{error_response, json_response, query, schema_ref};

pub(super) fn id(what: &str) -> Value {
    json!({"name": "id", "in": "path", "required": true,
           "schema": {"type": "integer", "format": "int64"}, "description": what})
}

pub(super) fn body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

pub(super) fn op(
    summary: &str,
    params: Vec<Value>,
    request: Option<Value>,
    ok: (&str, &str, Value),
    refusals: &str,
) -> Value {
    let mut responses = json!({
        ok.0: json_response(ok.1, ok.2),
        "401": error_response("Not signed in"),
        "403": error_response(refusals),
        "404": error_response("No such item, or not one this user may see"),
    });
    if request.is_some() || !params.is_empty() {
        responses["400"] = error_response(
            "Malformed input or an answer that does not fit the question; `detail` says which",
        );
    }
    let mut o = json!({"summary": summary, "parameters": params, "responses": responses});
    if let Some(r) = request {
        o["requestBody"] = body(r);
        o["responses"]["409"] = error_response(
            "Not possible in the item's state (a submitted evaluation, a resolved dispute)",
        );
    }
    o
}

pub(super) fn paths() -> Map<String, Value> {
    let readers = "Agents may not read scorecards";
    let managers = "Only QA managers";
    let evaluators = "Only QA managers and reviewers; only the reviewer edits a draft";
    let agents = "Only the agent evaluated";
    let obj = |v: Value| v;
    let mut p = Map::new();
    p.insert("/api/v1/scorecards".into(), json!({
        "get": op("Every scorecard with its newest published version and draft", vec![], None,
                  ("200", "Scorecards", obj(json!({"type": "object", "properties": {"scorecards": {"type": "array", "items": schema_ref("ScorecardSummary")}}}))), readers),
        "post": op("Create a scorecard: the definition becomes version 1, a draft", vec![], Some(schema_ref("ScorecardDefinition")),
                   ("201", "The draft, and what must be fixed before publishing", schema_ref("ScorecardSaved")), managers),
    }));
    p.insert("/api/v1/scorecards/{id}".into(), json!({
        "get": op("Every version of a scorecard, newest first", vec![id("Scorecard id")], None,
                  ("200", "Versions", obj(json!({"type": "object", "properties": {"id": {"type": "integer"}, "versions": {"type": "array", "items": schema_ref("ScorecardVersion")}}}))), readers),
    }));
    p.insert("/api/v1/scorecards/{id}/draft".into(), json!({
        "put": op("Replace the draft, or start a new version when every version is published", vec![id("Scorecard id")], Some(schema_ref("ScorecardDefinition")),
                  ("200", "The draft, and what must be fixed before publishing", schema_ref("ScorecardSaved")), managers),
    }));
    p.insert("/api/v1/scorecards/{id}/publish".into(), json!({
        "post": op("Publish the draft: it must be valid; it is frozen from then on", vec![id("Scorecard id")], None,
                   ("200", "The published version", obj(json!({"type": "object", "properties": {"version": schema_ref("ScorecardVersion")}}))), managers),
    }));
    p.insert("/api/v1/evaluations".into(), json!({
        "get": op("Evaluations this user may see, newest change first", vec![
                query("status", json!({"type": "string", "enum": ["draft", "submitted", "acknowledged", "disputed", "resolved"]}), "Only this status"),
                query("call_id", json!({"type": "integer"}), "Only of this call"),
                query("scorecard_id", json!({"type": "integer"}), "Only on this scorecard"),
                query("limit", json!({"type": "integer", "minimum": 1, "maximum": 500}), "Most rows"),
                query("offset", json!({"type": "integer", "minimum": 0}), "Rows to skip"),
            ], None,
            ("200", "Evaluations", obj(json!({"type": "object", "properties": {"evaluations": {"type": "array", "items": schema_ref("Evaluation")}}}))), "—"),
        "post": op("Start (or reopen) this reviewer's draft evaluation of a call on a published version", vec![],
            Some(json!({"type": "object", "required": ["call_id", "scorecard_version_id"], "additionalProperties": false,
                        "properties": {"call_id": {"type": "integer"}, "scorecard_version_id": {"type": "integer"}}})),
            ("201", "The evaluation", obj(json!({"type": "object", "properties": {"evaluation": schema_ref("Evaluation")}}))), evaluators),
    }));
    p.insert("/api/v1/evaluations/{id}".into(), json!({
        "get": op("An evaluation with its card, answers, server-computed score, comments, disputes and history", vec![id("Evaluation id")], None,
                  ("200", "The evaluation", schema_ref("EvaluationDetail")), "—"),
        "put": op("Save the reviewer's answers; with submit, every question must be answered", vec![id("Evaluation id")],
            Some(json!({"type": "object", "additionalProperties": false, "properties": {
                "answers": {"type": "object", "additionalProperties": {"type": "string"},
                            "description": "question key → yes, no, na or a number; blank = unanswered"},
                "submit": {"type": "boolean"}}})),
            ("200", "The evaluation and its score, computed by the server", obj(json!({"type": "object", "properties": {
                "evaluation": schema_ref("Evaluation"), "outcome": schema_ref("Outcome")}}))), evaluators),
    }));
    p.insert("/api/v1/evaluations/{id}/comments".into(), json!({
        "post": op("A comment pinned to a moment of the call, optionally to a question", vec![id("Evaluation id")],
            Some(json!({"type": "object", "required": ["body"], "additionalProperties": false, "properties": {
                "at_ms": {"type": ["integer", "null"], "minimum": 0}, "question": {"type": ["string", "null"]},
                "body": {"type": "string", "maxLength": 4000}}})),
            ("201", "The comment", obj(json!({"type": "object"}))), evaluators),
    }));
    p.insert("/api/v1/evaluations/{id}/acknowledge".into(), json!({
        "post": op("The agent acknowledges a submitted or resolved evaluation", vec![id("Evaluation id")], None,
                   ("200", "The evaluation", obj(json!({"type": "object", "properties": {"evaluation": schema_ref("Evaluation")}}))), agents),
    }));
    p.insert("/api/v1/evaluations/{id}/disputes".into(), json!({
        "post": op("The agent disputes one answer, with a reason", vec![id("Evaluation id")],
            Some(json!({"type": "object", "required": ["question", "reason"], "additionalProperties": false, "properties": {
                "question": {"type": "string"}, "reason": {"type": "string", "maxLength": 4000}}})),
            ("201", "The dispute", obj(json!({"type": "object", "properties": {"dispute": schema_ref("Dispute")}}))), agents),
    }));
    p.insert("/api/v1/disputes".into(), json!({
        "get": op("Open disputes, oldest first", vec![], None,
                  ("200", "Disputes", obj(json!({"type": "object", "properties": {"disputes": {"type": "array", "items": schema_ref("Dispute")}}}))), managers),
    }));
    p.insert("/api/v1/disputes/{id}/resolve".into(), json!({
        "post": op("Uphold the disputed answer or change it (the score is recomputed)", vec![id("Dispute id")],
            Some(json!({"type": "object", "required": ["decision", "note"], "additionalProperties": false, "properties": {
                "decision": {"type": "string", "enum": ["uphold", "change"]},
                "answer": {"type": "string", "description": "The new answer, for change"},
                "note": {"type": "string", "maxLength": 4000}}})),
            ("200", "The evaluation after the decision", obj(json!({"type": "object"}))), managers),
    }));
    p.insert("/api/v1/dashboard".into(), json!({
        "get": op("QA results per agent, team, queue, reviewer or question, with 95 % intervals", vec![
                query("group", json!({"type": "string", "enum": ["agent", "team", "queue", "reviewer", "question"]}), "What a row stands for (default agent)"),
                query("from", json!({"type": "string"}), "First local date of the calls (YYYY-MM-DD)"),
                query("to", json!({"type": "string"}), "Last local date, inclusive"),
                query("scorecard", json!({"type": "integer"}), "Only this scorecard (required for group=question)"),
                query("agent", json!({"type": "string"}), "Only this agent"),
                query("team", json!({"type": "string"}), "Only this team"),
                query("queue", json!({"type": "string"}), "Only this queue"),
                query("bucket", json!({"type": "string", "enum": ["week", "month"]}), "Periods of the time series"),
            ], None,
            ("200", "Rows, the total and the time series", obj(json!({"type": "object"}))), "Agents may not read dashboards"),
    }));
    p
}

pub(super) fn schemas() -> Map<String, Value> {
    let opt_num = json!({"type": ["number", "null"]});
    let opt_bool = json!({"type": ["boolean", "null"], "description": "true: no critical error; false: one or more; null: not applicable"});
    let mut s = Map::new();
    s.insert("ScorecardDefinition".into(), json!({
        "type": "object", "required": ["name", "pass_mark", "sections"],
        "properties": {
            "name": {"type": "string"}, "description": {"type": "string"},
            "pass_mark": {"type": "number", "minimum": 0, "maximum": 100},
            "critical_zeroes_score": {"type": "boolean"},
            "sections": {"type": "array", "items": {"type": "object", "required": ["title", "weight", "questions"], "properties": {
                "title": {"type": "string"}, "weight": {"type": "number", "minimum": 0},
                "questions": {"type": "array", "items": {"type": "object", "required": ["key", "text", "weight", "answer"], "properties": {
                    "key": {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"}, "text": {"type": "string"}, "help": {"type": "string"},
                    "weight": {"type": "number", "minimum": 0},
                    "answer": {"type": "object", "required": ["type"], "properties": {
                        "type": {"type": "string", "enum": ["yes_no", "scale", "points"]},
                        "min": {"type": "integer"}, "max": {"type": "integer"}}},
                    "allow_na": {"type": "boolean"},
                    "critical": {"type": "string", "enum": ["customer", "business", "compliance"]}}}}}}}
        }
    }));
    s.insert("ScorecardVersion".into(), json!({
        "type": "object", "properties": {
            "id": {"type": "integer"}, "scorecard_id": {"type": "integer"}, "version": {"type": "integer"},
            "definition": schema_ref("ScorecardDefinition"), "created_by": {"type": "string"},
            "created_at": {"type": "integer"}, "updated_at": {"type": "integer"},
            "published_at": {"type": ["integer", "null"]}, "published_by": {"type": ["string", "null"]}}
    }));
    s.insert("ScorecardSummary".into(), json!({
        "type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "published": {"type": ["array", "null"], "description": "[version number, version id]"},
            "draft": {"type": ["integer", "null"]}, "evaluations": {"type": "integer"}}
    }));
    s.insert(
        "ScorecardSaved".into(),
        json!({
            "type": "object", "properties": {
                "version": schema_ref("ScorecardVersion"),
                "problems": {"type": "array", "items": {"type": "object", "properties": {
                    "path": {"type": "string"}, "message": {"type": "string"}}}}}
        }),
    );
    s.insert("Evaluation".into(), json!({
        "type": "object", "properties": {
            "id": {"type": "integer"}, "call_id": {"type": "integer"}, "scorecard_id": {"type": "integer"},
            "scorecard_version_id": {"type": "integer"}, "version": {"type": "integer"}, "scorecard_name": {"type": "string"},
            "reviewer_id": {"type": "integer"}, "reviewer": {"type": "string"},
            "agent": {"type": ["string", "null"]}, "team": {"type": ["string", "null"]}, "queue": {"type": ["string", "null"]},
            "call_started_at": {"type": "integer"},
            "status": {"type": "string", "enum": ["draft", "submitted", "acknowledged", "disputed", "resolved"]},
            "score": opt_num, "raw_score": opt_num, "passed": {"type": ["boolean", "null"]},
            "customer": opt_bool, "business": opt_bool, "compliance": opt_bool,
            "created_at": {"type": "integer"}, "updated_at": {"type": "integer"},
            "submitted_at": {"type": ["integer", "null"]}, "acknowledged_at": {"type": ["integer", "null"]}}
    }));
    s.insert(
        "Outcome".into(),
        json!({
            "type": "object", "description": "The score computed by the server from the answers",
            "properties": {
                "score": opt_num, "raw_score": opt_num, "passed": {"type": ["boolean", "null"]},
                "customer": opt_bool, "business": opt_bool, "compliance": opt_bool,
                "critical_failures": {"type": "array", "items": {"type": "string"}},
                "questions": {"type": "array", "items": {"type": "object"}},
                "missing": {"type": "array", "items": {"type": "string"}}}
        }),
    );
    s.insert("Dispute".into(), json!({
        "type": "object", "properties": {
            "id": {"type": "integer"}, "evaluation_id": {"type": "integer"}, "question_key": {"type": "string"},
            "raised_by": {"type": "string"}, "reason": {"type": "string"}, "original_answer": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "upheld", "changed"]},
            "final_answer": {"type": ["string", "null"]}, "resolved_by": {"type": ["string", "null"]},
            "resolution": {"type": ["string", "null"]}, "created_at": {"type": "integer"},
            "resolved_at": {"type": ["integer", "null"]}}
    }));
    s.insert(
        "EvaluationDetail".into(),
        json!({
            "type": "object", "properties": {
                "evaluation": schema_ref("Evaluation"), "version": schema_ref("ScorecardVersion"),
                "answers": {"type": "object", "additionalProperties": {"type": "string"}},
                "outcome": schema_ref("Outcome"),
                "comments": {"type": "array", "items": {"type": "object"}},
                "disputes": {"type": "array", "items": schema_ref("Dispute")},
                "history": {"type": "array", "items": {"type": "object"}}}
        }),
    );
    s
}
