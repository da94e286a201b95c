//! The OpenAPI 3.1 description of `/api/v1`, written by hand. A test checks that it names
//! exactly the API routes of [`crate::routes::ROUTES`].

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"},
           "description": "Call id"})
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description})
}

fn date_query(name: &str, description: &str) -> Value {
    query(
        name,
        json!({"type": "string", "examples": ["2026-11-23"]}),
        description,
    )
}

pub fn document() -> Value {
    let unauthorized =
        error_response("Not signed in: no or invalid session cookie or bearer token");
    let forbidden = error_response("The user's role may not use this route");
    let not_found = error_response("No such call (or one the agent may not see)");
    let bad_request = error_response("Malformed parameters; `detail` says which");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Earshot API",
            "version": "1",
            "description": "Calls, recordings, transcripts and transcript search. Authenticate with \
                an API token (`Authorization: Bearer est_…`) or a session from `POST /api/v1/session`; \
                with a session cookie, state-changing requests must send its CSRF token as \
                `X-CSRF-Token`. Every recording playback, download, call view and search is written \
                to the audit log. Times are Unix epoch milliseconds (UTC); `*_local` fields and date \
                parameters use the contact center's UTC offset."
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/v1/session": {
                "post": {
                    "summary": "Sign in and receive a session cookie",
                    "security": [],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["username", "password"],
                        "properties": {"username": {"type": "string"}, "password": {"type": "string", "format": "password"}}
                    }}}},
                    "responses": {
                        "200": json_response("Signed in; `Set-Cookie` carries the session", json!({
                            "type": "object",
                            "properties": {
                                "user": {"$ref": "#/components/schemas/User"},
                                "csrf_token": {"type": "string"},
                                "expires_at": {"type": "integer", "format": "int64"}
                            }
                        })),
                        "400": bad_request,
                        "401": error_response("Wrong user name or password"),
                        "429": error_response("Too many failed sign-ins for this user name")
                    }
                }
            },
            "/api/v1/me": {
                "get": {
                    "summary": "The signed-in user",
                    "responses": {
                        "200": json_response("The user and how they authenticated", json!({
                            "type": "object",
                            "properties": {
                                "user": {"$ref": "#/components/schemas/User"},
                                "auth": {"enum": ["session", "token"]},
                                "csrf_token": {"type": ["string", "null"]}
                            }
                        })),
                        "401": unauthorized
                    }
                }
            },
            "/api/v1/calls": {
                "get": {
                    "summary": "List calls, newest first (agents: only their own)",
                    "parameters": [
                        query("agent", json!({"type": "string"}), "Agent user name"),
                        query("queue", json!({"type": "string"}), "Queue name"),
                        query("language", json!({"type": "string"}), "Call language, e.g. zh or en"),
                        date_query("from", "Calls started on or after this local date (YYYY-MM-DD[ HH:MM])"),
                        date_query("to", "Calls started up to this local date, inclusive (YYYY-MM-DD[ HH:MM])"),
                        query("limit", json!({"type": "integer", "minimum": 1, "maximum": 500, "default": 50}), "Page size"),
                        query("offset", json!({"type": "integer", "minimum": 0, "default": 0}), "Rows to skip")
                    ],
                    "responses": {
                        "200": json_response("One page of calls", json!({
                            "type": "object",
                            "properties": {
                                "total": {"type": "integer"},
                                "limit": {"type": "integer"},
                                "offset": {"type": "integer"},
                                "calls": {"type": "array", "items": {"$ref": "#/components/schemas/CallSummary"}}
                            }
                        })),
                        "400": bad_request.clone(),
                        "401": unauthorized.clone(),
                        "403": forbidden.clone()
                    }
                }
            },
            "/api/v1/calls/{id}": {
                "get": {
                    "summary": "A call with its recordings (and SHA-256) and transcript",
                    "parameters": [id_param()],
                    "responses": {
                        "200": json_response("The call", json!({
                            "type": "object",
                            "properties": {
                                "call": {"$ref": "#/components/schemas/Call"},
                                "started_at_local": {"type": "string"},
                                "audio_url": {"type": "string"},
                                "recordings": {"type": "array", "items": {"$ref": "#/components/schemas/Recording"}},
                                "transcript": {"oneOf": [{"$ref": "#/components/schemas/Transcript"}, {"type": "null"}]},
                                "segments": {"type": "array", "items": {"$ref": "#/components/schemas/Segment"}}
                            }
                        })),
                        "401": unauthorized.clone(),
                        "403": forbidden.clone(),
                        "404": not_found.clone()
                    }
                }
            },
            "/api/v1/calls/{id}/audio": {
                "get": {
                    "summary": "The recording (WAV), with HTTP range support",
                    "description": "Send `Range: bytes=a-b` for part of it. The first request of a \
                        playback (starting at byte 0) is audited as `recording.play`; with \
                        `download=1` as `recording.download`.",
                    "parameters": [
                        id_param(),
                        query("download", json!({"type": "string", "enum": ["1"]}), "Send as an attachment"),
                        {"name": "Range", "in": "header", "required": false, "schema": {"type": "string"},
                         "description": "One byte range, e.g. bytes=0-1023"}
                    ],
                    "responses": {
                        "200": {"description": "The whole recording",
                                "content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}},
                        "206": {"description": "The requested range; see Content-Range",
                                "content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}},
                        "401": unauthorized.clone(),
                        "403": forbidden.clone(),
                        "404": not_found,
                        "416": error_response("The range starts past the end; Content-Range gives the size")
                    }
                }
            },
            "/api/v1/search": {
                "get": {
                    "summary": "Search transcripts",
                    "description": "Words, \"phrases\", OR, NOT/-, ( ), agent:, queue:, \
                        speaker:caller|agent, lang:, call:, date:/after:/before:YYYY-MM-DD (local dates). \
                        Each hit links to the second it was said. Audited as `transcript.search`.",
                    "parameters": [
                        {"name": "q", "in": "query", "required": true, "schema": {"type": "string", "maxLength": 500}},
                        query("limit", json!({"type": "integer", "minimum": 1, "maximum": 200, "default": 20}), "Hits per page"),
                        query("offset", json!({"type": "integer", "minimum": 0, "default": 0}), "Hits to skip")
                    ],
                    "responses": {
                        "200": json_response("One page of hits", json!({
                            "type": "object",
                            "properties": {
                                "query": {"type": "string"},
                                "total": {"type": "integer"},
                                "limit": {"type": "integer"},
                                "offset": {"type": "integer"},
                                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}
                            }
                        })),
                        "400": error_response("The query is malformed; `detail` has the parser's message"),
                        "401": unauthorized.clone(),
                        "403": forbidden
                    }
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": json_response("OpenAPI 3.1", json!({"type": "object"}))}
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "API token `est_…`"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {
                        "status": {"type": "integer"},
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "detail": {"type": ["string", "null"]}
                    }}}
                },
                "User": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "username": {"type": "string"},
                        "display_name": {"type": "string"},
                        "role": {"enum": ["admin", "qa_manager", "reviewer", "supervisor", "agent", "auditor"]},
                        "locale": {"type": "string"}
                    }
                },
                "Call": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "external_id": {"type": ["string", "null"]},
                        "source": {"enum": ["import", "sip", "pcap", "siprec"]},
                        "direction": {"enum": ["inbound", "outbound", "internal"]},
                        "caller": {"type": ["string", "null"]},
                        "callee": {"type": ["string", "null"]},
                        "agent": {"type": ["string", "null"]},
                        "queue": {"type": ["string", "null"]},
                        "language": {"type": ["string", "null"]},
                        "disposition": {"enum": ["answered", "abandoned", "no_answer", "failed"]},
                        "started_at": {"type": "integer"},
                        "answered_at": {"type": ["integer", "null"]},
                        "ended_at": {"type": ["integer", "null"]},
                        "created_at": {"type": "integer"}
                    }
                },
                "CallSummary": {
                    "allOf": [{"$ref": "#/components/schemas/Call"}, {
                        "type": "object",
                        "properties": {
                            "duration_ms": {"type": ["integer", "null"]},
                            "status": {"enum": ["transcribing", "transcribed", "failed", "no_recording"]},
                            "started_at_local": {"type": "string"}
                        }
                    }]
                },
                "Recording": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "call_id": {"type": "integer"},
                        "object_key": {"type": "string"},
                        "format": {"type": "string"},
                        "channels": {"type": "integer"},
                        "sample_rate": {"type": "integer"},
                        "duration_ms": {"type": "integer"},
                        "size_bytes": {"type": "integer"},
                        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "created_at": {"type": "integer"}
                    }
                },
                "Transcript": {
                    "type": "object",
                    "properties": {
                        "call_id": {"type": "integer"},
                        "model": {"type": "string"},
                        "language": {"type": ["string", "null"]},
                        "segment_count": {"type": "integer"},
                        "audio_ms": {"type": "integer"},
                        "processing_ms": {"type": "integer"},
                        "created_at": {"type": "integer"}
                    }
                },
                "Segment": {
                    "type": "object",
                    "properties": {
                        "channel": {"type": "integer", "description": "0 = caller, 1 = agent"},
                        "speaker": {"enum": ["caller", "agent"]},
                        "start_ms": {"type": "integer"},
                        "end_ms": {"type": "integer"},
                        "text": {"type": "string"}
                    }
                },
                "Hit": {
                    "type": "object",
                    "properties": {
                        "call_id": {"type": "integer"},
                        "channel": {"type": "integer"},
                        "speaker": {"enum": ["caller", "agent"]},
                        "start_ms": {"type": "integer"},
                        "end_ms": {"type": "integer"},
                        "text": {"type": "string"},
                        "snippet_html": {"type": "string", "description": "Escaped HTML with <mark> around matches"},
                        "score": {"type": "number"},
                        "agent": {"type": ["string", "null"]},
                        "queue": {"type": ["string", "null"]},
                        "started_at_ms": {"type": "integer"},
                        "started_at_local": {"type": "string"},
                        "url": {"type": "string", "description": "The call page, positioned at the hit"}
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{Access, ROUTES};

    #[test]
    fn document_names_exactly_the_api_routes() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        let api_routes: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.path.starts_with("/api/"))
            .collect();
        for r in &api_routes {
            let op = &paths
                .get(r.path)
                .unwrap_or_else(|| panic!("{} missing from the OpenAPI document", r.path))
                [r.method.as_str().to_lowercase()];
            assert!(op.is_object(), "{} {} not described", r.method, r.path);
            // Public routes say so; protected ones inherit the global security.
            assert_eq!(
                op.get("security").is_some_and(|s| s == &json!([])),
                r.access == Access::Public,
                "{} {}",
                r.method,
                r.path
            );
        }
        for (path, ops) in paths {
            for method in ops.as_object().unwrap().keys() {
                assert!(
                    api_routes
                        .iter()
                        .any(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(method)),
                    "the document describes {method} {path}, which the router lacks"
                );
            }
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap();
            assert!(doc["components"]["schemas"][name].is_object(), "{name}");
        }
    }
}
