//! The surveys part of the OpenAPI document: definitions and their versions, per-queue
//! assignments, web survey links and the responses stored on calls.

use serde_json::{json, Map, Value};

use super::{error_response, json_response, schema_ref};

const KINDS: [&str; 4] = ["csat", "nps", "ces", "yes_no"];
const LANGUAGES: [&str; 2] = ["zh-TW", "en"];
const PROBLEM_KINDS: [&str; 14] = [
    "required",
    "too_long",
    "no_languages",
    "duplicate_language",
    "no_questions",
    "too_many_questions",
    "key",
    "duplicate_key",
    "missing_prompt",
    "language_not_offered",
    "audio_key",
    "resolution_not_yes_no",
    "duplicate_resolution",
    "other",
];

fn path_id(description: &str) -> Value {
    json!({"name": "id", "in": "path", "required": true,
           "schema": {"type": "integer", "format": "int64"}, "description": description})
}

fn body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

fn invalid() -> Value {
    json_response(
        "Not a valid survey (or assignment): nothing was stored. `error.problems` names every field with its rule",
        schema_ref("SurveyInvalid"),
    )
}

/// The responses of an operation: its success, then the refusals that apply.
fn responses(ok: (&str, &str, Value), forbidden: &str, extra: &[(&str, Value)]) -> Value {
    let mut r = json!({
        ok.0: json_response(ok.1, ok.2),
        "400": error_response("Malformed JSON, a wrong type or an unknown field; `detail` names it"),
        "401": error_response("Not signed in"),
        "403": error_response(forbidden),
    });
    for (status, response) in extra {
        r[*status] = response.clone();
    }
    r
}

pub fn paths() -> Map<String, Value> {
    let readers = "Only administrators, QA managers, reviewers, supervisors and auditors";
    let managers = "Only QA managers";
    let issuers = "Only administrators, QA managers and supervisors";
    let not_found = |what: &str| error_response(&format!("No such {what}"));
    let version = json!({"type": "object", "properties": {"version": schema_ref("SurveyVersion")}});
    let mut p = Map::new();
    p.insert("/api/v1/surveys".into(), json!({
        "get": {
            "summary": "Every survey with its newest published version, its draft, its responses and the queues it is assigned to",
            "responses": responses(("200", "Surveys", json!({"type": "object", "properties": {
                "surveys": {"type": "array", "items": schema_ref("SurveySummary")}}})), readers, &[]),
        },
        "post": {
            "summary": "Create a survey: a valid definition becomes its version 1, a draft",
            "requestBody": body(schema_ref("SurveyDefinition")),
            "responses": responses(("201", "The draft version", version.clone()), managers, &[("422", invalid())]),
        },
    }));
    p.insert("/api/v1/surveys/{id}".into(), json!({
        "get": {
            "summary": "A survey's versions, newest first (a draft, if any, is the newest)",
            "parameters": [path_id("Survey id")],
            "responses": responses(("200", "The versions", json!({"type": "object", "properties": {
                "id": {"type": "integer"},
                "versions": {"type": "array", "items": schema_ref("SurveyVersion")}}})), readers,
                &[("404", not_found("survey"))]),
        },
    }));
    p.insert("/api/v1/surveys/{id}/draft".into(), json!({
        "put": {
            "summary": "Replace the draft with a valid definition, or start the next version when every version is published",
            "parameters": [path_id("Survey id")],
            "requestBody": body(schema_ref("SurveyDefinition")),
            "responses": responses(("200", "The draft version", version.clone()), managers,
                &[("404", not_found("survey")), ("409", error_response("The survey changed meanwhile")), ("422", invalid())]),
        },
    }));
    p.insert("/api/v1/surveys/{id}/publish".into(), json!({
        "post": {
            "summary": "Publish the draft: it is frozen, and queues assigned to the survey get it from now on. A question key keeps its kind across versions",
            "parameters": [path_id("Survey id")],
            "responses": responses(("200", "The published version", version), managers,
                &[("404", not_found("survey")), ("409", error_response("There is no draft to publish")),
                  ("422", invalid())]),
        },
    }));
    p.insert("/api/v1/survey-assignments".into(), json!({
        "get": {
            "summary": "Which survey each queue's callers get, and how it is offered",
            "responses": responses(("200", "Assignments", json!({"type": "object", "properties": {
                "assignments": {"type": "array", "items": schema_ref("SurveyAssignment")}}})), readers, &[]),
        },
        "put": {
            "summary": "Assign a survey with a published version to a routing queue, replacing the queue's assignment",
            "requestBody": body(schema_ref("SurveyAssignmentChange")),
            "responses": responses(("200", "The assignment as stored", json!({"type": "object", "properties": {
                "assignment": schema_ref("SurveyAssignment")}})), managers,
                &[("404", not_found("survey")), ("422", invalid())]),
        },
    }));
    p.insert("/api/v1/survey-assignments/{queue}".into(), json!({
        "delete": {
            "summary": "Remove a queue's assignment: its callers are offered no survey",
            "parameters": [{"name": "queue", "in": "path", "required": true, "schema": {"type": "string"},
                            "description": "Queue name, as in the routing configuration"}],
            "responses": {
                "204": {"description": "Removed"},
                "401": error_response("Not signed in"),
                "403": error_response(managers),
                "404": error_response("The queue has no assignment"),
            },
        },
    }));
    p.insert("/api/v1/calls/{id}/survey-link".into(), json!({
        "post": {
            "summary": "Issue a signed, expiring, single-use web survey link for a call, for the customer's own SMS or e-mail systems. The URL and token are shown only in this answer (the store keeps a hash)",
            "description": "The survey is the one assigned to the call's queue, else `survey_id`. A customer opening the link gets a mobile page in the link's language (with a zh-TW/English switch); an altered, expired or used link, or a call whose survey was answered already, gets a clear page and records nothing.",
            "parameters": [path_id("Call id")],
            "requestBody": {"required": false, "content": {"application/json": {"schema": schema_ref("SurveyLinkRequest")}}},
            "responses": responses(("201", "The link", schema_ref("SurveyLink")), issuers,
                &[("404", not_found("call")),
                  ("409", error_response("The call's survey was already answered"))]),
        },
    }));
    p.insert("/api/v1/calls/{id}/surveys".into(), json!({
        "get": {
            "summary": "The call's survey responses (keypad and web) with their answers, newest first; agents see only their own calls'",
            "parameters": [path_id("Call id")],
            "responses": responses(("200", "Responses", json!({"type": "object", "properties": {
                "call_id": {"type": "integer"},
                "responses": {"type": "array", "items": schema_ref("SurveyResponse")}}})),
                "Every signed-in role may use this route", &[("404", not_found("call"))]),
        },
    }));
    p
}

pub fn schemas() -> Map<String, Value> {
    let int = json!({"type": "integer"});
    let time = json!({"type": "integer", "format": "int64", "description": "Epoch milliseconds"});
    let problem = json!({"type": "object", "properties": {
        "path": {"type": "string", "examples": ["questions[1].prompts.en.text"]},
        "kind": {"type": "string", "enum": PROBLEM_KINDS},
        "message": {"type": "string"}}});
    let mut s = Map::new();
    s.insert("SurveyDefinition".into(), json!({
        "type": "object", "required": ["name", "languages", "questions"],
        "properties": {
            "name": {"type": "string", "maxLength": 200, "description": "For QA managers; callers never see it"},
            "description": {"type": "string", "maxLength": 2000},
            "languages": {"type": "array", "items": {"type": "string", "enum": LANGUAGES},
                "description": "In order of preference; every question needs a prompt in each"},
            "questions": {"type": "array", "minItems": 1, "maxItems": 5, "items": {
                "type": "object", "required": ["key", "kind", "prompts"],
                "properties": {
                    "key": {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$", "description": "Stable across versions"},
                    "kind": {"type": "string", "enum": KINDS, "description": "CSAT 1–5, NPS 0–10, CES 1–7, yes/no"},
                    "prompts": {"type": "object", "description": "Per language tag (zh-TW, en)",
                        "additionalProperties": {"type": "object", "required": ["text"], "properties": {
                            "text": {"type": "string", "maxLength": 500},
                            "audio": {"type": "string", "description": "Object-store key of a recording played instead of text-to-speech"}}}},
                    "first_contact_resolution": {"type": "boolean", "description": "The yes/no question whose yes share is first-contact resolution (at most one)"}}}},
        },
    }));
    s.insert("SurveyVersion".into(), json!({"type": "object", "properties": {
        "id": int, "survey_id": int, "version": int,
        "definition": schema_ref("SurveyDefinition"),
        "created_by": {"type": "string"}, "created_at": time, "updated_at": time,
        "published_at": {"type": ["integer", "null"]}, "published_by": {"type": ["string", "null"]},
    }}));
    s.insert("SurveySummary".into(), json!({"type": "object", "properties": {
        "id": int, "name": {"type": "string"},
        "published": {"type": ["array", "null"], "items": int, "description": "[version number, version id] of the newest published version"},
        "draft": {"type": ["integer", "null"], "description": "The draft's version number"},
        "responses": {"type": "integer", "description": "Responses with at least one answer, over all versions"},
        "queues": {"type": "array", "items": {"type": "string"}},
    }}));
    let offer = json!({"type": "object", "required": ["mode"], "properties": {
        "mode": {"type": "string", "enum": ["opt_in", "all", "share"],
            "description": "opt_in: only callers who chose the survey in the IVR; all: every caller; share: a random share of callers, plus those who opted in"},
        "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "description": "For `share`: the fraction of callers"}}});
    s.insert("SurveyAssignment".into(), json!({"type": "object", "properties": {
        "queue": {"type": "string"}, "survey_id": int, "offer": offer.clone(),
        "alert_on_low": {"type": "boolean", "description": "Raise a supervisor alert on a low answer"},
        "updated_by": {"type": "string"}, "updated_at": time,
    }}));
    s.insert("SurveyAssignmentChange".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["queue", "survey_id", "offer"],
        "properties": {
            "queue": {"type": "string", "description": "A queue of the routing configuration"},
            "survey_id": {"type": "integer", "description": "A survey with a published version"},
            "offer": offer,
            "alert_on_low": {"type": "boolean", "default": false},
        },
    }));
    s.insert("SurveyLinkRequest".into(), json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "language": {"type": "string", "enum": LANGUAGES, "description": "Default: the call's language, else zh-TW"},
            "valid_days": {"type": "integer", "minimum": 1, "maximum": 90, "default": 7},
            "survey_id": {"type": "integer", "description": "Required when the call's queue has no survey assigned"},
        },
    }));
    s.insert(
        "SurveyLink".into(),
        json!({"type": "object", "properties": {
            "url": {"type": "string", "format": "uri", "description": "{public address}/s/{token}"},
            "token": {"type": "string"},
            "expires_at": time,
            "language": {"type": "string", "enum": LANGUAGES},
            "call_id": int, "survey_version_id": int,
        }}),
    );
    s.insert("SurveyResponse".into(), json!({"type": "object", "properties": {
        "id": int, "call_id": int, "survey_id": int, "survey_version_id": int,
        "survey_name": {"type": "string"},
        "channel": {"type": "string", "enum": ["keypad", "web"]},
        "reason": {"type": ["string", "null"], "enum": ["opted_in", "all", "share", null],
            "description": "Why a keypad survey was offered"},
        "language": {"type": "string", "enum": LANGUAGES},
        "agent": {"type": ["string", "null"]}, "team": {"type": ["string", "null"]}, "queue": {"type": ["string", "null"]},
        "started_at": time, "answered_at": {"type": ["integer", "null"]},
        "survey_ms": {"type": ["integer", "null"], "description": "Length of the keypad survey after the agent hung up (not talk time)"},
        "answers": {"type": "array", "items": {"type": "object", "properties": {
            "question_key": {"type": "string"},
            "kind": {"type": "string", "enum": KINDS},
            "answer": {"type": ["string", "null"], "description": "The score (\"7\") or yes/no; null when not answered"},
            "low": {"type": "boolean", "description": "CSAT ≤ 2, NPS ≤ 6, CES ≤ 3, or no to the first-contact-resolution question"},
            "invalid": int, "timeouts": int}}},
    }}));
    s.insert(
        "SurveyInvalid".into(),
        json!({"type": "object", "properties": {"error": {
        "type": "object", "properties": {
            "status": {"type": "integer", "const": 422},
            "code": {"type": "string", "const": "invalid"},
            "message": {"type": "string"},
            "detail": {"type": "string", "description": "Every problem as `path: rule`"},
            "problems": {"type": "array", "items": problem}}}}}),
    );
    s
}
