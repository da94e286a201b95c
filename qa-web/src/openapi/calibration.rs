//! The calibration part of the OpenAPI document: sessions, blind scoring, the report.

use serde_json::{json, Map, Value};

use super::{error_response, json_response, schema_ref};

fn path_id(name: &str, what: &str) -> Value {
    json!({"name": name, "in": "path", "required": true,
           "schema": {"type": "integer", "format": "int64"}, "description": what})
}

fn op(
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
    });
    if !params.is_empty() {
        responses["404"] = error_response("No such session, or the call is not in it");
    }
    if request.is_some() {
        responses["400"] = error_response(
            "Malformed input, or an answer or choice the session refuses; `detail` says which",
        );
    }
    let mut o = json!({"summary": summary, "parameters": params, "responses": responses});
    if let Some(r) = request {
        o["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": r}}});
    }
    o
}

fn conflict(mut op: Value, when: &str) -> Value {
    op["responses"]["409"] = error_response(when);
    op
}

pub fn paths() -> Map<String, Value> {
    let readers = "Agents may not read calibration sessions";
    let managers = "Only QA managers open sessions";
    let scorers =
        "Only QA managers, reviewers, supervisors and admins score, and only in sessions they were invited to";
    let blind = "Agents; a participant who has not submitted while the session is open (scoring is blind); a reviewer not taking part";
    let session = || path_id("id", "Calibration session id");
    let mut p = Map::new();
    p.insert("/api/v1/calibration".into(), json!({
        "get": op("Calibration sessions, newest first, with how far each has come and the caller's part in it", vec![], None,
                  ("200", "Sessions", json!({"type": "object", "properties": {"sessions": {"type": "array", "items": schema_ref("CalibrationSummary")}}})), readers),
        "post": conflict(op("Open a session on a published scorecard version: calls, reviewers and perhaps an expert whose answers are the benchmark", vec![],
            Some(json!({"type": "object", "required": ["title", "scorecard_version_id", "call_ids"], "additionalProperties": false,
                "properties": {
                    "title": {"type": "string", "maxLength": 4000},
                    "scorecard_version_id": {"type": "integer"},
                    "call_ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 50},
                    "reviewer_ids": {"type": "array", "items": {"type": "integer"}, "description": "Users who score: reviewers, QA managers, supervisors"},
                    "expert_id": {"type": ["integer", "null"], "description": "Scores too; the benchmark of the report"}}})),
            ("201", "The new session", schema_ref("CalibrationDetail")), managers),
            "The version is a draft"),
    }));
    p.insert("/api/v1/calibration/{id}".into(), json!({
        "get": op("A session: its card, calls, participants (who has submitted, never their answers) and the caller's own answers", vec![session()], None,
                  ("200", "The session", schema_ref("CalibrationView")), readers),
    }));
    p.insert("/api/v1/calibration/{id}/calls/{call}".into(), json!({
        "put": conflict(op("Replace the caller's answers to one call of the session (blank = unanswered)",
            vec![session(), path_id("call", "Call id")],
            Some(json!({"type": "object", "required": ["answers"], "additionalProperties": false, "properties": {
                "answers": {"type": "object", "additionalProperties": {"type": "string"},
                            "description": "question key → yes, no, na or a number; blank = unanswered"}}})),
            ("200", "The answers as saved", json!({"type": "object", "properties": {
                "session_id": {"type": "integer"}, "call_id": {"type": "integer"},
                "answers": {"type": "object", "additionalProperties": {"type": "string"}}}})), scorers),
            "The caller has submitted (answers are final) or the session is closed"),
    }));
    p.insert("/api/v1/calibration/{id}/submit".into(), json!({
        "post": conflict(op("Hand in: every question of every call must be answered (N/A where it does not apply); the blind lifts for the caller",
            vec![session()], None,
            ("200", "The caller as a participant, now submitted", json!({"type": "object", "properties": {
                "session_id": {"type": "integer"}, "participant": schema_ref("CalibrationParticipant")}})), scorers),
            "Already submitted, or the session is closed"),
    }));
    p.insert("/api/v1/calibration/trend".into(), json!({
        "get": op("Each person's deviation over the last 20 sessions whose results the caller may see, oldest first: from the expert where a session has one, else from the group mean",
                  vec![], None,
                  ("200", "The trend", json!({"type": "object", "properties": {
                      "reviewers": {"type": "array", "items": {"type": "string"}},
                      "sessions": {"type": "array", "items": {"type": "object", "properties": {
                          "session_id": {"type": "integer"}, "title": {"type": "string"},
                          "created_at": {"type": "integer"},
                          "benchmark": {"type": "string", "enum": ["expert", "group_mean"]},
                          "deviations": {"type": "object", "description": "user name → mean signed deviation in score points (null: not scored, or the benchmark itself)",
                                         "additionalProperties": {"type": ["number", "null"]}}}}}}})),
                  "Agents may not see calibration results"),
    }));
    p.insert("/api/v1/calibration/{id}/report".into(), json!({
        "get": op("The report: Krippendorff's alpha per question, ICC(2,1) on total scores, each reviewer's deviation from the expert and the group mean, and every submitted answer",
                  vec![session()], None,
                  ("200", "The report", json!({"type": "object", "properties": {
                      "session": schema_ref("CalibrationSession"),
                      "participants": {"type": "array", "items": schema_ref("CalibrationParticipant")},
                      "threshold": {"type": "number", "description": "Alpha below this flags a question as ambiguously worded (Krippendorff 2004: 0.667)"},
                      "report": schema_ref("CalibrationReport"),
                      "answers": {"type": "object", "description": "user id → call id → question key → answer",
                                  "additionalProperties": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}}}})),
                  blind),
    }));
    p
}

pub fn schemas() -> Map<String, Value> {
    let int = json!({"type": "integer"});
    let opt_int = json!({"type": ["integer", "null"]});
    let opt_num = json!({"type": ["number", "null"]});
    let mut s = Map::new();
    s.insert(
        "CalibrationSession".into(),
        json!({
            "type": "object", "properties": {
                "id": int, "title": {"type": "string"}, "scorecard_version_id": int,
                "scorecard_name": {"type": "string"}, "version": int, "expert_id": opt_int,
                "created_by": {"type": "string"}, "created_at": int, "closed_at": opt_int}
        }),
    );
    s.insert("CalibrationSummary".into(), json!({
        "type": "object", "properties": {
            "session": schema_ref("CalibrationSession"), "calls": int, "participants": int, "submitted": int,
            "mine": {"type": ["boolean", "null"], "description": "null: not taking part; false: to score; true: submitted"}}
    }));
    s.insert(
        "CalibrationParticipant".into(),
        json!({
            "type": "object", "properties": {
                "user_id": int, "username": {"type": "string"}, "display_name": {"type": "string"},
                "is_expert": {"type": "boolean"}, "submitted_at": opt_int}
        }),
    );
    s.insert(
        "CalibrationCall".into(),
        json!({
            "type": "object", "properties": {
                "call_id": int, "position": int, "started_at": int,
                "agent": {"type": ["string", "null"]}, "queue": {"type": ["string", "null"]}}
        }),
    );
    s.insert("CalibrationDetail".into(), json!({
        "type": "object", "properties": {
            "session": schema_ref("CalibrationSession"), "version": schema_ref("ScorecardVersion"),
            "calls": {"type": "array", "items": schema_ref("CalibrationCall")},
            "participants": {"type": "array", "items": schema_ref("CalibrationParticipant")}}
    }));
    s.insert("CalibrationView".into(), json!({
        "type": "object", "properties": {
            "session": schema_ref("CalibrationSession"), "version": schema_ref("ScorecardVersion"),
            "calls": {"type": "array", "items": schema_ref("CalibrationCall")},
            "participants": {"type": "array", "items": schema_ref("CalibrationParticipant")},
            "taking_part": {"type": "boolean"},
            "submitted": {"type": ["boolean", "null"]},
            "my_answers": {"type": ["object", "null"], "description": "call id → question key → answer (the caller's own only)",
                           "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}},
            "may_see_report": {"type": "boolean"}}
    }));
    s.insert("CalibrationAgreement".into(), json!({
        "type": "object", "properties": {
            "level": {"type": "string", "enum": ["nominal", "ordinal", "interval", "ratio"]},
            "alpha": {"type": ["number", "null"], "description": "Krippendorff's alpha; null when every answer was the same (no disagreement to measure) or nothing pairable"},
            "units_used": int, "units_left_out": int,
            "flagged": {"type": "boolean", "description": "alpha below 0.667"}}
    }));
    s.insert("CalibrationReport".into(), json!({
        "type": "object", "properties": {
            "raters": {"type": "array", "items": {"type": "object", "properties": {
                "user_id": int, "username": {"type": "string"}, "is_expert": {"type": "boolean"}}}},
            "questions": {"type": "array", "items": {"type": "object", "properties": {
                "key": {"type": "string"}, "text": {"type": "string"}, "section": {"type": "string"},
                "value": schema_ref("CalibrationAgreement"),
                "applies": {"oneOf": [schema_ref("CalibrationAgreement"), {"type": "null"}],
                            "description": "Whether the question applies (N/A or not), for questions that allow N/A"},
                "expert_match": {"type": ["number", "null"], "description": "Share of the others' answers equal to the expert's"}}}},
            "icc": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                "value": {"type": "number"}, "low": opt_num, "high": opt_num,
                "units_used": int, "units_left_out": int, "raters": int}}],
                "description": "ICC(2,1) on total scores with its 95 % interval (Shrout & Fleiss 1979)"},
            "icc_note": {"type": ["string", "null"]},
            "reviewers": {"type": "array", "items": {"type": "object", "properties": {
                "user_id": int, "username": {"type": "string"}, "is_expert": {"type": "boolean"},
                "calls_scored": int, "mean_score": opt_num,
                "vs_expert": {"type": ["number", "null"], "description": "Mean of (score − expert's score); positive is more lenient"},
                "vs_group": {"type": ["number", "null"], "description": "Mean of (score − the call's mean score)"}}}},
            "calls": {"type": "array", "items": {"type": "object", "properties": {
                "call_id": int, "scores": {"type": "array", "items": opt_num},
                "expert": opt_num, "group_mean": opt_num}}},
            "flagged": int}
    }));
    s
}
