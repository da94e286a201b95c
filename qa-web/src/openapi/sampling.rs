//! The sampling part of the OpenAPI document: plans, draws with their weighted estimates, and
//! the reviewer's worklist.

use serde_json::{json, Map, Value};

use super::qa::{id, op};
use super::{query, schema_ref};

pub fn paths() -> Map<String, Value> {
    let readers = "Only administrators, QA managers, supervisors and auditors";
    let managers = "Only QA managers";
    let plan_body = json!({"type": "object", "required": ["name", "scorecard_id", "definition"],
        "additionalProperties": false, "properties": {
            "name": {"type": "string", "maxLength": 200},
            "scorecard_id": {"type": "integer", "description": "Drawn calls are evaluated on this card's newest published version"},
            "definition": schema_ref("SamplingPlanDefinition")}});
    let plan = json!({"type": "object", "properties": {"plan": schema_ref("SamplingPlan")}});
    let mut p = Map::new();
    p.insert("/api/v1/sampling/plans".into(), json!({
        "get": op("Every sampling plan", vec![], None,
                  ("200", "Plans", json!({"type": "object", "properties": {"plans": {"type": "array", "items": schema_ref("SamplingPlan")}}})), readers),
        "post": op("Create a sampling plan; every problem of the definition is named (400)", vec![], Some(plan_body.clone()),
                   ("201", "The plan", plan.clone()), managers),
    }));
    p.insert("/api/v1/sampling/plans/{id}".into(), json!({
        "get": op("A plan and its draws, newest first", vec![id("Plan id")], None,
                  ("200", "The plan and its draws", json!({"type": "object", "properties": {
                      "plan": schema_ref("SamplingPlan"), "draws": {"type": "array", "items": schema_ref("SamplingDraw")}}})), readers),
        "put": op("Replace a plan (earlier draws keep the plan they were drawn with)", vec![id("Plan id")], Some(plan_body),
                  ("200", "The plan", plan), managers),
    }));
    p.insert("/api/v1/sampling/plans/{id}/draws".into(), json!({
        "post": op("Draw the period's sample with a seed (random when absent), record it, and put the calls on reviewers' worklists (balanced by open work, never a reviewer's own calls)",
            vec![id("Plan id")],
            Some(json!({"type": "object", "required": ["from", "to"], "additionalProperties": false, "properties": {
                "from": {"type": "string", "description": "First local day, YYYY-MM-DD"},
                "to": {"type": "string", "description": "Last local day, YYYY-MM-DD, included"},
                "seed": {"type": "string", "description": "A whole number 0..2^64−1, as a string"}}})),
            ("201", "The draw and its calls", json!({"type": "object", "properties": {
                "draw": schema_ref("SamplingDraw"), "items": {"type": "array", "items": schema_ref("SampledCall")}}})), managers),
    }));
    p.insert("/api/v1/sampling/draws/{id}".into(), json!({
        "get": op("A draw, its calls and the weighted pass rates of those evaluated", vec![
                id("Draw id"),
                query("replay", json!({"type": "boolean"}), "Draw again with the same plan and seed from the same period and compare"),
            ], None,
            ("200", "The draw", json!({"type": "object", "properties": {
                "draw": schema_ref("SamplingDraw"),
                "items": {"type": "array", "items": schema_ref("SampledCall")},
                "estimates": {"type": "object", "description": "Hájek estimates per agent, team and center, with Kish effective n and Wilson intervals"},
                "replay": {"type": ["object", "null"], "properties": {
                    "same_population": {"type": "boolean"}, "same_sample": {"type": "boolean"},
                    "population": {"type": "integer"}, "population_sha256": {"type": "string"}}}}})), readers),
    }));
    p.insert("/api/v1/worklist".into(), json!({
        "get": op("Drawn calls waiting for this reviewer", vec![], None,
                  ("200", "The worklist", json!({"type": "object", "properties": {"worklist": {"type": "array", "items": {"type": "object", "properties": {
                      "draw_id": {"type": "integer"}, "plan": {"type": "string"}, "call_id": {"type": "integer"},
                      "agent": {"type": "string"}, "started_at": {"type": "integer"}, "scorecard_id": {"type": "integer"},
                      "version_id": {"type": ["integer", "null"]}, "draft_id": {"type": ["integer", "null"]}}}}}})),
                  "Only QA managers and reviewers"),
    }));
    p
}

pub fn schemas() -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("SamplingPlanDefinition".into(), json!({
        "type": "object", "required": ["plan"], "additionalProperties": false,
        "properties": {
            "plan": {"type": "object", "required": ["target"], "additionalProperties": false, "properties": {
                "target": {"oneOf": [
                    {"type": "object", "required": ["kind", "confidence", "margin", "expected_rate"], "properties": {
                        "kind": {"const": "precision"}, "confidence": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                        "margin": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                        "expected_rate": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}}},
                    {"type": "object", "required": ["kind", "per_agent"], "properties": {
                        "kind": {"const": "quota"}, "per_agent": {"type": "integer", "minimum": 0}}}]},
                "strata": {"type": "object", "properties": {
                    "by_queue": {"type": "boolean"}, "by_call_type": {"type": "boolean"},
                    "duration_edges_s": {"type": "array", "items": {"type": "integer", "minimum": 0}}}},
                "rules": {"type": "array", "items": {"type": "object", "required": ["when", "factor"], "properties": {
                    "when": {"type": "object", "required": ["kind"], "properties": {
                        "kind": {"type": "string", "enum": ["longer_than", "low_survey", "compliance_hit", "agent_first_weeks"]},
                        "seconds": {"type": "integer"}, "weeks": {"type": "integer"}}},
                    "factor": {"type": "number", "minimum": 1, "maximum": 1000}}}}}},
            "compliance_phrases": {"type": "array", "items": {"type": "string", "maxLength": 200}, "maxItems": 50},
        },
    }));
    s.insert("SamplingPlan".into(), json!({
        "type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "scorecard_id": {"type": "integer"},
            "scorecard_name": {"type": "string"}, "definition": schema_ref("SamplingPlanDefinition"),
            "created_by": {"type": "string"}, "created_at": {"type": "integer"}, "updated_at": {"type": "integer"}},
    }));
    s.insert("SamplingDraw".into(), json!({
        "type": "object", "properties": {
            "id": {"type": "integer"}, "plan_id": {"type": "integer"},
            "definition": schema_ref("SamplingPlanDefinition"),
            "seed": {"type": "string"}, "period_from": {"type": "integer"}, "period_to": {"type": "integer"},
            "population": {"type": "integer"}, "population_sha256": {"type": "string"},
            "per_agent": {"type": "array", "items": {"type": "object"}},
            "drawn_by": {"type": "string"}, "drawn_at": {"type": "integer"}},
    }));
    s.insert("SampledCall".into(), json!({
        "type": "object", "properties": {
            "call_id": {"type": "integer"}, "agent": {"type": "string"}, "team": {"type": ["string", "null"]},
            "stratum": {"type": "string"}, "inclusion_probability": {"type": "number"},
            "weight": {"type": "number", "description": "1 ÷ inclusion probability"},
            "reasons": {"type": "array", "items": {"type": "string"}},
            "reviewer": {"type": ["string", "null"]}, "evaluation_id": {"type": ["integer", "null"]},
            "passed": {"type": ["boolean", "null"]}},
    }));
    s
}
