//! The survey metrics part of the OpenAPI document: CSAT, NPS, CES, FCR and response rate
//! beside QA, the key-driver view and low-answer alerts.

use serde_json::{json, Map, Value};

use super::{date_query, error_response, json_response, query, schema_ref};

fn alert_id() -> Value {
    json!({"name": "id", "in": "path", "required": true,
           "schema": {"type": "integer", "format": "int64"}, "description": "Alert id"})
}

fn read_responses(ok: Value, refusals: &str) -> Value {
    json!({
        "200": ok,
        "400": error_response("A malformed parameter (a date, a group, an unknown survey or scorecard); `detail` says which"),
        "401": error_response("Not signed in"),
        "403": error_response(refusals),
    })
}

pub fn paths() -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("/api/v1/surveys/metrics".into(), json!({
        "get": {
            "summary": "Post-call survey metrics per agent, team or queue, each with its 95 % interval, and the mean QA score of the same group and period beside them",
            "description": "Response rate, CSAT and FCR with Wilson intervals; NPS with Rocks' (2016) adjusted-Wald interval; CES and the QA score with normal intervals. Periods are local call dates. Groups with fewer than `min_responses` responses are marked `too_few`.",
            "parameters": [
                query("group", json!({"type": "string", "enum": ["agent", "team", "queue", "all"]}), "What a row stands for (default agent; `all`: one row)"),
                date_query("from", "First local date of the calls (YYYY-MM-DD; default 89 days before `to`)"),
                date_query("to", "Last local date, inclusive (default today)"),
                query("survey", json!({"type": "integer"}), "Only this survey's responses (default every survey)"),
                query("agent", json!({"type": "string"}), "Only this agent"),
                query("team", json!({"type": "string"}), "Only this team"),
                query("queue", json!({"type": "string"}), "Only this queue"),
                query("channel", json!({"type": "string", "enum": ["keypad", "web"]}), "Only keypad or only web responses"),
            ],
            "responses": read_responses(
                json_response("Rows and the whole selection", schema_ref("SurveyMetricsReport")),
                "Agents may not read survey metrics",
            ),
        },
    }));
    p.insert("/api/v1/surveys/drivers".into(), json!({
        "get": {
            "summary": "Key drivers: how each scorecard question, each COPC accuracy and the total score correlate with a survey answer, on calls with both",
            "description": "Pearson's r (point-biserial for yes/no questions) with its Fisher-z 95 % interval and t-test p-value, and Spearman's rho. The verdict reads the interval: above 0 `predicts`, below 0 `works_against`, covering 0 `no_evidence`; fewer than `min_pairs` calls or no variance `too_few`. Sorted by |r|. Labels are in the user's language. Correlation is not causation.",
            "parameters": [
                query("scorecard", json!({"type": "integer"}), "Scorecard id (default the first published)"),
                query("question", json!({"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"}), "Survey question key (default the first CSAT question)"),
                date_query("from", "First local call date (default: no bound)"),
                date_query("to", "Last local call date, inclusive (default: no bound)"),
            ],
            "responses": read_responses(
                json_response("The drivers and the survey questions to choose from", schema_ref("KeyDriverReport")),
                "Agents may not read key drivers",
            ),
        },
    }));
    p.insert("/api/v1/surveys/alerts".into(), json!({
        "get": {
            "summary": "Supervisor alerts raised by low survey answers (CSAT 1–2, NPS 0–6, CES 1–3, or not resolved)",
            "parameters": [
                query("open", json!({"type": "boolean"}), "Only alerts not yet acknowledged (default false: all)"),
                query("limit", json!({"type": "integer", "minimum": 1, "maximum": 1000}), "At most this many (default 100)"),
            ],
            "responses": read_responses(
                json_response("Alerts", json!({"type": "object", "properties": {
                    "alerts": {"type": "array", "items": schema_ref("LowAnswerAlert")}}})),
                "Only admins, QA managers, supervisors and auditors",
            ),
        },
    }));
    p.insert("/api/v1/surveys/alerts/{id}/acknowledge".into(), json!({
        "post": {
            "summary": "Acknowledge a low-answer alert with an optional note (audited as survey.alert_acknowledge)",
            "parameters": [alert_id()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": false,
                "properties": {"note": {"type": ["string", "null"], "maxLength": 4000,
                    "description": "What was done (blank is none)"}}}}}},
            "responses": {
                "200": json_response("The acknowledged alert", json!({"type": "object", "properties": {
                    "alert": schema_ref("LowAnswerAlert")}})),
                "400": error_response("Malformed JSON, an unknown field or a note over 4000 characters"),
                "401": error_response("Not signed in"),
                "403": error_response("Only supervisors and QA managers"),
                "404": error_response("No such alert"),
                "409": error_response("The alert was acknowledged already"),
            },
        },
    }));
    p
}

pub fn schemas() -> Map<String, Value> {
    let int = json!({"type": "integer"});
    let opt_num = json!({"type": ["number", "null"]});
    let interval = json!({"type": ["object", "null"], "properties": {
        "low": {"type": "number"}, "high": {"type": "number"}}});
    let figure = |what: &str| {
        json!({"type": "object", "description": what, "properties": {
            "value": opt_num, "interval": interval, "n": int}})
    };
    let mut s = Map::new();
    s.insert("SurveyMetricsStats".into(), json!({"type": "object", "properties": {
        "offered": {"type": "integer", "description": "Keypad surveys begun plus web links issued"},
        "responses": {"type": "integer", "description": "Responses with at least one answer"},
        "too_few": {"type": "boolean", "description": "Fewer than min_responses responses"},
        "response_rate": figure("Responses of those offered, a fraction with its Wilson interval"),
        "csat": figure("CSAT answers of 4 or 5, of CSAT answers (Wilson)"),
        "nps": {"type": "object", "description": "Promoters minus detractors of NPS answers, a fraction in [−1, 1] (Rocks' adjusted-Wald interval)", "properties": {
            "value": opt_num, "interval": interval, "n": int,
            "promoters": int, "passives": int, "detractors": int}},
        "ces": figure("Mean Customer Effort Score 1–7 (normal interval)"),
        "fcr": figure("First-contact resolution: yes answers to the resolution question (Wilson)"),
        "qa_mean_score": figure("Mean QA score 0–100 of the group's submitted evaluations in the period"),
    }}));
    s.insert("SurveyMetricsReport".into(), json!({"type": "object", "properties": {
        "group": {"type": "string", "enum": ["agent", "team", "queue", "all"]},
        "from": {"type": "string"}, "to": {"type": "string"},
        "survey": {"type": ["integer", "null"]},
        "agent": {"type": ["string", "null"]}, "team": {"type": ["string", "null"]},
        "queue": {"type": ["string", "null"]},
        "channel": {"type": ["string", "null"], "enum": ["keypad", "web", null]},
        "confidence": {"type": "number"},
        "min_responses": int,
        "rows": {"type": "array", "items": {"allOf": [
            {"type": "object", "properties": {"key": {"type": ["string", "null"],
                "description": "Agent, team or queue; null for calls without one (and for group=all)"}}},
            schema_ref("SurveyMetricsStats")]}},
        "total": schema_ref("SurveyMetricsStats"),
    }}));
    s.insert("KeyDriver".into(), json!({"type": "object", "properties": {
        "kind": {"type": "string", "enum": ["question", "category", "score"]},
        "key": {"type": "string", "description": "Question key; customer, business or compliance; or score"},
        "label": {"type": "string"},
        "n": int,
        "r": opt_num, "interval": interval, "p_value": opt_num,
        "rho": opt_num, "rho_p_value": opt_num,
        "verdict": {"type": "string", "enum": ["predicts", "works_against", "no_evidence", "too_few"]},
    }}));
    s.insert("KeyDriverReport".into(), json!({"type": "object", "properties": {
        "scorecard": {"type": ["integer", "null"], "description": "null: no scorecard is published"},
        "question": {"type": ["string", "null"], "description": "null: no CSAT question exists and none was chosen"},
        "question_kind": {"type": ["string", "null"], "enum": ["csat", "nps", "ces", "yes_no", null]},
        "from": {"type": ["string", "null"]}, "to": {"type": ["string", "null"]},
        "calls": {"type": "integer", "description": "Calls with both an evaluation on the scorecard and an answer"},
        "confidence": {"type": "number"}, "min_pairs": int,
        "drivers": {"type": "array", "items": schema_ref("KeyDriver")},
        "survey_questions": {"type": "array", "items": {"type": "object", "properties": {
            "key": {"type": "string"}, "kind": {"type": "string", "enum": ["csat", "nps", "ces", "yes_no"]},
            "survey_id": int, "survey_name": {"type": "string"}, "text": {"type": "string"}}}},
    }}));
    s.insert("LowAnswerAlert".into(), json!({"type": "object", "properties": {
        "id": int, "response_id": int, "call_id": int,
        "agent": {"type": ["string", "null"]}, "team": {"type": ["string", "null"]},
        "queue": {"type": ["string", "null"]},
        "channel": {"type": "string", "enum": ["keypad", "web"]},
        "low_answers": {"type": "string", "description": "key=value of each low answer, e.g. satisfaction=1, resolved=no"},
        "created_at": {"type": "integer", "description": "Epoch ms"},
        "acknowledged_by": {"type": ["string", "null"]},
        "acknowledged_at": {"type": ["integer", "null"]},
        "note": {"type": ["string", "null"]},
    }}));
    s
}
