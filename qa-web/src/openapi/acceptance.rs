//! The acceptance part of the OpenAPI document: ANSI/ASQ Z1.4 (= ISO 2859-1) plans, their
//! switching state and lots.

use serde_json::{json, Map, Value};

use super::{error_response, json_response, query, schema_ref};

const LEVELS: [&str; 7] = ["I", "II", "III", "S-1", "S-2", "S-3", "S-4"];
const AQLS: [&str; 26] = [
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65", "1.0",
    "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250", "400", "650",
    "1000",
];
const STATES: [&str; 4] = ["normal", "tightened", "reduced", "discontinued"];
const SEVERITIES: [&str; 3] = ["normal", "tightened", "reduced"];

fn id() -> Value {
    json!({"name": "id", "in": "path", "required": true,
           "schema": {"type": "integer", "format": "int64"}, "description": "Acceptance plan id"})
}

fn responses(ok: (&str, &str, Value), refusals: &str, changes: bool) -> Value {
    let mut r = json!({
        ok.0: json_response(ok.1, ok.2),
        "400": error_response("Malformed input, or input the standard refuses (an empty lot, more defects than calls inspected, a non-standard AQL); `detail` says which"),
        "401": error_response("Not signed in"),
        "403": error_response(refusals),
        "404": error_response("No such plan"),
    });
    if changes {
        r["409"] = error_response(
            "Not possible in the plan's state: inspection is discontinued, a lot was recorded meanwhile, the name is taken, or the decision on reduced inspection is so already",
        );
    }
    r
}

fn body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

pub fn paths() -> Map<String, Value> {
    let readers = "Only admins, QA managers, supervisors and auditors";
    let managers = "Only QA managers";
    let mut p = Map::new();
    p.insert("/api/v1/acceptance".into(), json!({
        "get": {
            "summary": "Every acceptance sampling plan with its switching state and counters",
            "parameters": [],
            "responses": responses(("200", "Plans", json!({"type": "object", "properties": {
                "plans": {"type": "array", "items": schema_ref("AcceptancePlan")}}})), readers, false),
        },
        "post": {
            "summary": "Create a plan for an agent's or a team's calls; it starts on normal inspection",
            "parameters": [],
            "requestBody": body(schema_ref("NewAcceptancePlan")),
            "responses": responses(("201", "The plan", json!({"type": "object", "properties": {
                "plan": schema_ref("AcceptancePlan")}})), managers, true),
        },
    }));
    p.insert("/api/v1/acceptance/{id}".into(), json!({
        "get": {
            "summary": "A plan, why its state is what it is, its lots, resumptions and decisions on reduced inspection; the normal, tightened and reduced plans for a lot size; for a period, the calls to inspect",
            "parameters": [
                id(),
                query("lot_size", json!({"type": "integer", "minimum": 1}), "The plans table for this lot size (default: the sample's, else the last lot's)"),
                query("from_ms", json!({"type": "integer", "format": "int64"}), "Start of the period whose answered calls are the lot (epoch ms, included)"),
                query("to_ms", json!({"type": "integer", "format": "int64"}), "End of the period (epoch ms, excluded)"),
                query("seed", json!({"type": "string", "pattern": "^[0-9]{1,20}$"}), "The sample's seed (a u64); random when absent"),
            ],
            "responses": responses(("200", "The plan", schema_ref("AcceptanceDetail")), readers, true),
        },
    }));
    p.insert("/api/v1/acceptance/{id}/lots".into(), json!({
        "post": {
            "summary": "Record an inspected lot: judged under the plan in force, then the switching rules (ISO 2859-1:1999 clause 9)",
            "parameters": [id()],
            "requestBody": body(schema_ref("NewAcceptanceLot")),
            "responses": responses(("201", "The lot, the transition and the plan after it", json!({"type": "object", "properties": {
                "lot": schema_ref("AcceptanceLot"),
                "transition": schema_ref("AcceptanceTransition"),
                "plan": schema_ref("AcceptancePlan")}})), managers, true),
        },
    }));
    p.insert("/api/v1/acceptance/{id}/approval".into(), json!({
        "post": {
            "summary": "The responsible authority approves reduced inspection or withdraws the approval (ISO 2859-1:1999 9.3.3.1 c). Approving takes effect after the next lot on normal inspection (switching score at least 30, production steady); withdrawing while reduced inspection is in force returns it to normal at once (ANSI/ASQ Z1.4-2003 8.3.4 d)",
            "parameters": [id()],
            "requestBody": body(schema_ref("AcceptanceApprovalChange")),
            "responses": responses(("200", "The plan after the decision, the decision and why the state is what it is", json!({"type": "object", "properties": {
                "plan": schema_ref("AcceptancePlan"),
                "approval": schema_ref("AcceptanceApproval"),
                "last_reason": schema_ref("AcceptanceReason"),
                "last_reason_text": {"type": "string"}}})), managers, true),
        },
    }));
    p
}

pub fn schemas() -> Map<String, Value> {
    let int = json!({"type": "integer"});
    let sampling_plan = json!({"type": "object", "properties": {
        "severity": {"type": "string", "enum": SEVERITIES},
        "code_letter": {"type": "string"},
        "sample_size": int, "accept": int, "reject": int,
        "hundred_percent": {"type": "boolean", "description": "The sample is at least the lot: inspect every call"},
        "units_to_inspect": int,
    }});
    let mut s = Map::new();
    s.insert("NewAcceptancePlan".into(), json!({
        "type": "object", "additionalProperties": false,
        "required": ["name", "scope_kind", "scope", "inspection_level", "aql"],
        "properties": {
            "name": {"type": "string", "maxLength": 200},
            "scope_kind": {"type": "string", "enum": ["agent", "team"]},
            "scope": {"type": "string", "description": "A routing agent's user name or a call's agent; or a team of routing agents"},
            "inspection_level": {"type": "string", "enum": LEVELS},
            "aql": {"type": "string", "enum": AQLS, "description": "Also accepted as a number"},
            "reduced_approved": {"type": "boolean", "description": "The responsible authority approves reduced inspection (ISO 2859-1:1999 9.3.3.1 c)"},
        },
    }));
    s.insert(
        "AcceptanceCounters".into(),
        json!({"type": "object", "properties": {
            "state": {"type": "string", "enum": STATES},
            "lots_recorded": int,
            "consecutive_accepted": int,
            "not_accepted_in_last_five": int,
            "not_accepted_on_tightened": int,
            "switching_score": int,
            "reduced_approved": {"type": "boolean"},
        }}),
    );
    s.insert("AcceptancePlan".into(), json!({"type": "object", "properties": {
        "id": int, "name": {"type": "string"},
        "scope_kind": {"type": "string", "enum": ["agent", "team"]}, "scope": {"type": "string"},
        "inspection_level": {"type": "string", "enum": LEVELS},
        "aql": {"type": "string", "enum": AQLS},
        "reduced_approved": {"type": "boolean", "description": "Whether reduced inspection is approved now"},
        "counters": schema_ref("AcceptanceCounters"),
        "switching": {"type": "object", "description": "The switching machine as stored (earshot_acceptance::Switching)"},
        "created_by": {"type": "string"}, "created_at": int, "updated_at": int,
    }}));
    s.insert("AcceptanceReason".into(), json!({"type": "object", "required": ["kind"], "properties": {
        "kind": {"type": "string", "enum": ["tightened", "tightened_ended", "discontinued", "reduced",
            "reduced_ended", "reduced_ended_irregular", "normal_continues", "tightened_continues",
            "reduced_continues", "resubmitted", "resumed", "approval_granted", "approval_withdrawn"]},
        "not_accepted": int, "switching_score": int, "not_accepted_in_last_five": int,
        "awaiting_approval": {"type": "boolean"},
        "production_irregular": {"type": "boolean", "description": "normal_continues: the score reached 30 but this lot's production was irregular or delayed"},
        "consecutive_accepted": int,
        "state": {"type": "string", "enum": STATES, "description": "resubmitted: the inspection that continues"},
        "ended_reduced": {"type": "boolean", "description": "approval_withdrawn: reduced inspection was in force and returned to normal"},
    }}));
    s.insert("AcceptanceApproval".into(), json!({"type": "object", "properties": {
        "after_seq": {"type": "integer", "description": "Lots recorded when the decision took effect"},
        "approved": {"type": "boolean", "description": "Approved (true) or withdrawn"},
        "ended_reduced": {"type": "boolean", "description": "A withdrawal while reduced inspection was in force, which returned it to normal"},
        "decided_by": {"type": "string"}, "decided_at": int,
    }}));
    s.insert("AcceptanceApprovalChange".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["reduced_approved"],
        "properties": {
            "reduced_approved": {"type": "boolean", "description": "true approves reduced inspection, false withdraws the approval"},
        },
    }));
    s.insert("AcceptanceLot".into(), json!({"type": "object", "properties": {
        "id": int, "plan_id": int, "seq": int, "label": {"type": "string"},
        "period_from": {"type": ["integer", "null"]}, "period_to": {"type": ["integer", "null"]},
        "sample_seed": {"type": ["string", "null"]},
        "lot_size": int, "severity": {"type": "string", "enum": SEVERITIES},
        "code_letter": {"type": "string"}, "sample_size": int, "accept_number": int, "reject_number": int,
        "defects": int, "accepted": {"type": "boolean"},
        "irregular": {"type": "boolean", "description": "Production was irregular or delayed (ANSI/ASQ Z1.4-2003 8.3.4 c)"},
        "resubmitted": {"type": "boolean", "description": "Inspected again after it was not accepted: judged, ignored by the switching rules"},
        "state_after": {"type": "string", "enum": STATES},
        "counters_after": schema_ref("AcceptanceCounters"),
        "explanation": {"type": "string", "description": "The switching machine's explanation, in English"},
        "reason": schema_ref("AcceptanceReason"),
        "recorded_by": {"type": "string"}, "recorded_at": int,
    }}));
    s.insert(
        "AcceptanceTransition".into(),
        json!({"type": "object", "properties": {
            "lot": int, "plan": sampling_plan, "defects": int, "accepted": {"type": "boolean"},
            "resubmitted": {"type": "boolean"},
            "from": {"type": "string", "enum": STATES}, "to": {"type": "string", "enum": STATES},
            "switching_score": int, "explanation": {"type": "string"},
        }}),
    );
    s.insert("AcceptanceDetail".into(), json!({"type": "object", "properties": {
        "plan": schema_ref("AcceptancePlan"),
        "explanation": {"type": ["string", "null"], "description": "The last lot's verdict and why the state is what it is, in the user's language"},
        "last_reason": {"oneOf": [schema_ref("AcceptanceReason"), {"type": "null"}]},
        "last_reason_text": {"type": ["string", "null"]},
        "lots": {"type": "array", "items": schema_ref("AcceptanceLot")},
        "resumes": {"type": "array", "items": {"type": "object", "properties": {
            "after_seq": int, "resumed_by": {"type": "string"}, "resumed_at": int}}},
        "approved_at_creation": {"type": "boolean", "description": "Whether reduced inspection was approved when the plan was created"},
        "approvals": {"type": "array", "items": schema_ref("AcceptanceApproval"), "description": "The decisions on reduced inspection since, in order"},
        "plans": {"type": ["object", "null"], "properties": {
            "lot_size": int,
            "plans": {"type": "object", "properties": {"code_letter": {"type": "string"},
                "normal": sampling_plan, "tightened": sampling_plan, "reduced": sampling_plan}},
            "in_force": {"type": ["string", "null"], "enum": ["normal", "tightened", "reduced", null]}}},
        "sample": {"type": ["object", "null"], "properties": {
            "plan_id": int, "period_from": int, "period_to": int,
            "seed": {"type": "string"}, "lot_size": int, "plan": sampling_plan,
            "calls": {"type": "array", "items": {"type": "object", "properties": {
                "call_id": int, "agent": {"type": "string"}, "started_at": int}}}},
            "description": "The calls to inspect: those whose SHA-256 of \"seed:call id\" is smallest"},
    }}));
    s.insert("NewAcceptanceLot".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["label", "defects"],
        "description": "Either from_ms and to_ms (the store counts the lot's calls) or lot_size",
        "properties": {
            "label": {"type": "string", "maxLength": 100, "examples": ["2026-W48"]},
            "from_ms": {"type": "integer", "format": "int64"},
            "to_ms": {"type": "integer", "format": "int64"},
            "lot_size": {"type": "integer", "minimum": 1},
            "defects": {"type": "integer", "minimum": 0, "description": "Defective calls found in the sample"},
            "seed": {"type": ["string", "integer"], "description": "The seed of the sample inspected (with a period)"},
            "expected_lots": {"type": "integer", "minimum": 0, "description": "Lots recorded when the sample was drawn; 409 if another was recorded since"},
            "irregular": {"type": "boolean", "default": false, "description": "Production (the lot's calls) was irregular or delayed: on reduced inspection this returns inspection to normal, on normal it keeps it from becoming reduced (ANSI/ASQ Z1.4-2003 8.3.3 c, 8.3.4 c)"},
            "resubmitted": {"type": "boolean", "default": false, "description": "The lot is inspected again after it was not accepted: judged, but ignored by the switching rules, which count original inspection only. Not together with irregular; needs a lot not accepted before (400)"},
        },
    }));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::ROUTES;

    /// The acceptance routes and these paths are the same set (the document-wide test checks
    /// every route; this one names the culprit when an acceptance route is missing).
    #[test]
    fn every_acceptance_route_is_described() {
        let doc = paths();
        let routes: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.path.starts_with("/api/v1/acceptance"))
            .collect();
        assert_eq!(routes.len(), 5);
        for r in &routes {
            assert!(
                doc.get(r.path)
                    .and_then(|ops| ops.get(r.method.as_str().to_lowercase()))
                    .is_some_and(Value::is_object),
                "{} {}",
                r.method,
                r.path
            );
        }
        let described: usize = doc
            .values()
            .map(|ops| ops.as_object().map_or(0, Map::len))
            .sum();
        assert_eq!(described, routes.len());
        // Every reference names one of these schemas or one of the document's.
        let text = Value::Object(doc).to_string();
        let all = super::super::document();
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap();
            assert!(all["components"]["schemas"][name].is_object(), "{name}");
        }
    }
}
