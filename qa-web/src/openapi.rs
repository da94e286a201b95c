//! The OpenAPI 3.1 description of `/api/v1`, written by hand. A test checks that it names
//! exactly the API routes of [`crate::routes::ROUTES`].

use serde_json::{json, Value};

mod acceptance;
mod calibration;
mod qa;
mod sampling;
mod survey_metrics;
mod surveys;

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

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn name_param(what: &str) -> Value {
    json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"},
           "description": what})
}

/// The routing configuration, whole and by item, and the live view and statistics.
fn routing_paths() -> serde_json::Map<String, Value> {
    let unauthorized = || error_response("Not signed in");
    let forbidden = || error_response("Only administrators may use this route");
    let invalid = || {
        json_response(
            "The configuration is not valid; nothing was changed. `problems` lists every reason",
            schema_ref("InvalidRouting"),
        )
    };
    let bad_request = || error_response("Malformed JSON, a wrong type or an unknown field");
    let mut paths = serde_json::Map::new();
    paths.insert(
        "/api/v1/routing".into(),
        json!({
            "get": {
                "summary": "The whole routing configuration (agents, queues, IVR menus, trunks)",
                "description": "Agents' credentials are never shown: `has_credential` says whether one is set.",
                "responses": {
                    "200": json_response("The configuration", schema_ref("RoutingConfig")),
                    "401": unauthorized(),
                    "403": forbidden()
                }
            },
            "put": {
                "summary": "Replace the whole routing configuration",
                "description": "The store ends up holding exactly this configuration: items it lacks \
                    are deleted. Agents without `password` or `sip_ha1` keep their stored credential. \
                    Validated whole; audited as `routing.apply`. With `dry_run=true` nothing is \
                    written and the answer says what would change.",
                "parameters": [query("dry_run", json!({"type": "boolean", "default": false}),
                                     "Only report what would change")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": schema_ref("RoutingConfig")}}},
                "responses": {
                    "200": json_response("What changed (or would change)", json!({
                        "type": "object",
                        "properties": {
                            "dry_run": {"type": "boolean"},
                            "changed": {"type": "boolean"},
                            "summary": schema_ref("ApplySummary")
                        }
                    })),
                    "400": bad_request(),
                    "401": unauthorized(),
                    "403": forbidden(),
                    "422": invalid()
                }
            }
        }),
    );
    for (segment, schema, what) in [
        ("agents", "Agent", "Agent user name (extension)"),
        ("queues", "Queue", "Queue name"),
        ("menus", "Menu", "IVR menu name"),
        ("trunks", "Trunk", "Trunk name"),
    ] {
        paths.insert(
            format!("/api/v1/routing/{segment}/{{name}}"),
            json!({
                "get": {
                    "summary": format!("One {schema}"),
                    "parameters": [name_param(what)],
                    "responses": {
                        "200": json_response("The item", schema_ref(schema)),
                        "401": unauthorized(),
                        "403": forbidden(),
                        "404": error_response("No such item")
                    }
                },
                "put": {
                    "summary": format!("Create or replace one {schema}"),
                    "description": "The name may be left out of the body; if given it must be the \
                        one in the path. Validated against the whole configuration; audited.",
                    "parameters": [name_param(what)],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": schema_ref(schema)}}},
                    "responses": {
                        "200": json_response("Replaced (or unchanged)", schema_ref("ItemChange")),
                        "201": json_response("Created", schema_ref("ItemChange")),
                        "400": bad_request(),
                        "401": unauthorized(),
                        "403": forbidden(),
                        "422": invalid()
                    }
                },
                "delete": {
                    "summary": format!("Delete one {schema}"),
                    "description": "Refused (422) while other items refer to it. Deleting an agent \
                        takes it out of every queue. Audited.",
                    "parameters": [name_param(what)],
                    "responses": {
                        "204": {"description": "Deleted"},
                        "401": unauthorized(),
                        "403": forbidden(),
                        "404": error_response("No such item"),
                        "422": invalid()
                    }
                }
            }),
        );
    }
    paths.insert(
        "/api/v1/queues/stats".into(),
        json!({
            "get": {
                "summary": "Queue statistics over a window (default: today, local time)",
                "description": "Counts queue events with since ≤ time < until. Service level = \
                    connects within the queue's target ÷ (answered + abandoned + closed); abandon \
                    rate = abandoned ÷ offered; ASA = mean wait of answered calls.",
                "parameters": [
                    query("since", json!({"type": "integer", "format": "int64"}), "Start, epoch ms (default: today's local midnight)"),
                    query("until", json!({"type": "integer", "format": "int64"}), "End, exclusive, epoch ms (default: the next local midnight)")
                ],
                "responses": {
                    "200": json_response("Figures per queue", json!({
                        "type": "object",
                        "properties": {
                            "since_ms": {"type": "integer"},
                            "until_ms": {"type": "integer"},
                            "utc_offset_minutes": {"type": "integer"},
                            "queues": {"type": "array", "items": schema_ref("QueueStats")}
                        }
                    })),
                    "400": error_response("since is not before until, or not a number"),
                    "401": error_response("Not signed in"),
                    "403": error_response("Only administrators, QA managers and supervisors")
                }
            }
        }),
    );
    paths.insert(
        "/api/v1/live".into(),
        json!({
            "get": {
                "summary": "Queues and agents now, as the recorders report them",
                "responses": {
                    "200": json_response("The live view", schema_ref("LiveView")),
                    "401": error_response("Not signed in"),
                    "403": error_response("Only administrators, QA managers and supervisors")
                }
            }
        }),
    );
    paths
}

/// Schemas of the routing configuration, its changes and the live view.
fn routing_schemas() -> serde_json::Map<String, Value> {
    let ms = json!({"type": "integer", "minimum": 0, "description": "milliseconds"});
    let opt_ms = json!({"type": ["integer", "null"], "minimum": 0, "description": "milliseconds"});
    let opt_str = json!({"type": ["string", "null"]});
    let skills = json!({"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 10},
                        "description": "skill name → level 1..10"});
    let changes = json!({
        "type": "object",
        "properties": {
            "created": {"type": "array", "items": {"type": "string"}},
            "updated": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "fields": {"type": "array", "items": {"type": "string"}}}}},
            "deleted": {"type": "array", "items": {"type": "string"}}
        }
    });
    let schemas = json!({
        "RoutingConfig": {
            "type": "object",
            "properties": {
                "agents": {"type": "array", "items": schema_ref("Agent")},
                "queues": {"type": "array", "items": schema_ref("Queue")},
                "menus": {"type": "array", "items": schema_ref("Menu")},
                "trunks": {"type": "array", "items": schema_ref("Trunk")}
            },
            "additionalProperties": false
        },
        "Agent": {
            "type": "object",
            "required": ["username", "display_name"],
            "additionalProperties": false,
            "properties": {
                "username": {"type": "string", "description": "SIP user name and extension"},
                "display_name": {"type": "string"},
                "password": {"type": "string", "writeOnly": true, "format": "password",
                             "description": "Hashed at once with the SIP realm; never stored or shown"},
                "sip_ha1": {"type": "string", "writeOnly": true, "pattern": "^[0-9a-f]{32}$",
                            "description": "md5(username:realm:password), instead of password"},
                "has_credential": {"type": "boolean", "readOnly": true},
                "user": opt_str.clone(),
                "enabled": {"type": "boolean", "default": true},
                "skills": skills.clone()
            }
        },
        "Queue": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "strategy": {"enum": ["ring-all", "longest-idle", "round-robin", "fewest-calls", "skills-based"]},
                "ring_timeout_ms": ms.clone(),
                "wrap_up_ms": ms.clone(),
                "max_wait_ms": opt_ms,
                "overflow": opt_str.clone(),
                "tier_wait_ms": ms.clone(),
                "auto_break_after": {"type": ["integer", "null"], "minimum": 1},
                "service_level_ms": ms,
                "moh_prompt": opt_str.clone(),
                "closing_prompt": opt_str.clone(),
                "required_skills": skills,
                "members": {"type": "array", "items": {"type": "object", "properties": {
                    "agent": {"type": "string"}, "tier": {"type": "integer", "minimum": 1}}}}
            }
        },
        "Menu": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "prompt": {"type": "string"},
                "invalid_prompt": opt_str,
                "timeout_ms": {"type": "integer", "minimum": 1},
                "max_repeats": {"type": "integer", "minimum": 0},
                "entries": {
                    "type": "object",
                    "description": "keypad key (0-9, *, #) → action",
                    "additionalProperties": {"type": "object", "properties": {
                        "action": {"enum": ["queue", "menu", "survey", "repeat", "hangup"]},
                        "target": {"type": "string", "description": "for queue, menu and survey (survey: opt in to the post-call survey, then go to this menu)"}}}
                }
            }
        },
        "Trunk": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "source": {"type": "string", "examples": ["192.0.2.0/24"]},
                "entry_menu": {"type": "string"},
                "language": {"enum": ["zh-TW", "en"]},
                "max_calls": {"type": ["integer", "null"], "minimum": 1}
            }
        },
        "ItemChange": {
            "type": "object",
            "properties": {
                "change": {"enum": ["created", "updated", "unchanged"]},
                "item": {"type": "object"}
            }
        },
        "ApplySummary": {
            "type": "object",
            "properties": {"agents": changes.clone(), "queues": changes.clone(),
                           "menus": changes.clone(), "trunks": changes}
        },
        "InvalidRouting": {
            "type": "object",
            "properties": {"error": {"type": "object", "properties": {
                "status": {"const": 422},
                "code": {"const": "invalid_routing"},
                "message": {"type": "string"},
                "detail": {"type": "string"},
                "problems": {"type": "array", "items": {"type": "object", "properties": {
                    "kind": {"enum": ["agent", "queue", "menu", "trunk"]},
                    "item": {"type": "string"},
                    "field": {"type": "string"},
                    "message": {"type": "string"}
                }}}
            }}}
        },
        "QueueStats": {
            "type": "object",
            "properties": {
                "queue": {"type": "string"},
                "offered": {"type": "integer"},
                "answered": {"type": "integer"},
                "answered_within_sl": {"type": "integer"},
                "abandoned": {"type": "integer"},
                "closed": {"type": "integer"},
                "overflowed": {"type": "integer"},
                "service_level_ms": {"type": ["integer", "null"]},
                "service_level": {"type": ["number", "null"], "description": "0..1"},
                "abandon_rate": {"type": ["number", "null"], "description": "0..1"},
                "asa_ms": {"type": ["number", "null"]},
                "avg_talk_ms": {"type": ["number", "null"]}
            }
        },
        "LiveView": {
            "type": "object",
            "properties": {
                "now_ms": {"type": "integer", "description": "the server's clock"},
                "queues": {"type": "array", "items": {"type": "object", "properties": {
                    "queue": {"type": "string"},
                    "strategy": {"type": "string"},
                    "service_level_ms": {"type": "integer"},
                    "members": {"type": "integer"},
                    "waiting": {"type": "integer"},
                    "longest_wait_ms": {"type": "integer"},
                    "updated_ms": {"type": ["integer", "null"]},
                    "recorder": {"type": ["string", "null"]},
                    "agents_by_state": {"type": "object", "additionalProperties": {"type": "integer"},
                        "description": "state (available, ringing, on-call, wrap-up, break, logged-out) → members"}
                }}},
                "agents": {"type": "array", "items": {"type": "object", "properties": {
                    "agent": {"type": "string"},
                    "display_name": {"type": ["string", "null"]},
                    "state": {"type": "string"},
                    "since_ms": {"type": "integer"},
                    "current_call": {"type": ["string", "null"]},
                    "recorder": {"type": "string"},
                    "updated_ms": {"type": "integer"}
                }}}
            }
        }
    });
    match schemas {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

pub fn document() -> Value {
    let mut doc = base_document();
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(routing_paths());
        paths.extend(qa::paths());
        paths.extend(calibration::paths());
        paths.extend(sampling::paths());
        paths.extend(acceptance::paths());
        paths.extend(surveys::paths());
        paths.extend(survey_metrics::paths());
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.extend(routing_schemas());
        schemas.extend(qa::schemas());
        schemas.extend(calibration::schemas());
        schemas.extend(sampling::schemas());
        schemas.extend(acceptance::schemas());
        schemas.extend(surveys::schemas());
        schemas.extend(survey_metrics::schemas());
    }
    doc
}

fn base_document() -> Value {
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
            "description": "Calls, recordings, transcripts, transcript search, the contact center's \
                routing configuration and its live view. Authenticate with \
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
