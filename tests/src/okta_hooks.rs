//! Okta's side of event hooks, for the receiver's tests, example and benchmark: an org on
//! 127.0.0.1 ([`FakeOrg`]) with a System Log (`GET /api/v1/logs`, ascending, `since`, `after`,
//! `filter` on event types, `limit`, `Link: rel="next"`) and the Event Hooks API (create, list,
//! get, replace, verify by calling the hook's URI with a challenge, activate), which delivers
//! each event it logs to its active hooks the way Okta does (a `POST` of
//! `{"data": {"events": […]}}` with the hook's headers, a 3 s timeout and one retry); and a raw
//! HTTP/1.1 [`send`] for requests Okta would never make (no secret, slow or oversized bodies).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post as post_route};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A realistic System Log event: every documented part, with `uuid`, type and time given.
pub fn event(uuid: &str, event_type: &str, published: &str) -> Value {
    json!({
        "uuid": uuid,
        "published": published,
        "eventType": event_type,
        "version": "0",
        "severity": "INFO",
        "legacyEventType": "core.user_auth.login_success",
        "displayMessage": "User login to Okta",
        "actor": {"id": "00u1", "type": "User", "alternateId": "ada@example.com", "displayName": "Ada", "detailEntry": null},
        "client": {
            "userAgent": {"rawUserAgent": "Mozilla/5.0", "os": "Mac OS X", "browser": "SAFARI"},
            "zone": "null",
            "device": "Computer",
            "id": null,
            "ipAddress": "203.0.113.7",
            "geographicalContext": {"city": "Paris", "state": "Ile-de-France", "country": "France", "postalCode": "75001",
                                    "geolocation": {"lat": 48.8566, "lon": 2.3522}}
        },
        "outcome": {"result": "SUCCESS", "reason": null},
        "target": [{"id": "0oa1", "type": "AppInstance", "alternateId": "Portal", "displayName": "Portal", "detailEntry": {"signOnModeType": "SAML_2_0"}}],
        "transaction": {"type": "WEB", "id": "Xk1", "detail": {}},
        "debugContext": {"debugData": {"requestUri": "/api/v1/authn", "threatSuspected": "false"}},
        "authenticationContext": {"authenticationProvider": null, "credentialProvider": null, "credentialType": null,
                                  "issuer": null, "interface": null, "authenticationStep": 0, "externalSessionId": "102abc"},
        "securityContext": {"asNumber": 64496, "asOrg": "Example", "isp": "Example ISP", "domain": "example.net", "isProxy": false},
        "request": {"ipChain": [{"ip": "203.0.113.7", "version": "V4", "source": null,
                                 "geographicalContext": {"city": "Paris", "country": "France"}}]}
    })
}

/// An event hook delivery of `events`, as Okta posts it.
pub fn delivery(events: &[Value]) -> Value {
    json!({
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": "https://example.okta.com/api/v1/eventHooks/who8tuna",
        "eventId": format!("delivery-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)),
        "eventTime": "2026-12-01T10:00:00.000Z",
        "contentType": "application/json",
        "data": {"events": events}
    })
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// `at` as the System Log writes times (RFC 3339, UTC, milliseconds).
pub fn iso(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// One raw HTTP/1.1 request: `head` (request line and headers, without the blank line) then
/// `body` in `chunks` pieces `pause` apart; the status of the answer, or `None` when the
/// connection failed or the server closed it without answering. Waits `timeout` at most.
pub async fn send(
    addr: &str,
    head: &str,
    body: &[u8],
    chunks: usize,
    pause: Duration,
    timeout: Duration,
) -> Option<u16> {
    let run = async {
        let mut sock = TcpStream::connect(addr).await.ok()?;
        sock.write_all(format!("{head}\r\n\r\n").as_bytes())
            .await
            .ok()?;
        let size = body.len().div_ceil(chunks.max(1)).max(1);
        for (i, piece) in body.chunks(size).enumerate() {
            if i > 0 {
                tokio::time::sleep(pause).await;
            }
            if sock.write_all(piece).await.is_err() {
                break;
            }
        }
        let mut buf = vec![0u8; 1024];
        let mut got = Vec::new();
        while !got.windows(2).any(|w| w == b"\r\n") {
            let n = sock.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            got.extend_from_slice(&buf[..n]);
        }
        let line = String::from_utf8_lossy(&got);
        line.split(' ').nth(1)?.parse().ok()
    };
    tokio::time::timeout(timeout, run).await.ok().flatten()
}

/// One whole exchange with `Connection: close`: the status and body of the answer (read to the
/// end; the body is taken as is, so answers are expected without chunked encoding), or `None`
/// without an answer within `timeout`.
pub async fn exchange(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
    timeout: Duration,
) -> Option<(u16, Vec<u8>)> {
    let run = async {
        let mut sock = TcpStream::connect(addr).await.ok()?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        sock.write_all(head.as_bytes()).await.ok()?;
        sock.write_all(body).await.ok()?;
        let mut got = Vec::new();
        sock.read_to_end(&mut got).await.ok()?;
        let split = got.windows(4).position(|w| w == b"\r\n\r\n")?;
        let line = String::from_utf8_lossy(&got[..split]);
        let status = line.split(' ').nth(1)?.parse().ok()?;
        Some((status, got[split + 4..].to_vec()))
    };
    tokio::time::timeout(timeout, run).await.ok().flatten()
}

/// `http://host:port/path` as `(host:port, /path)`.
pub fn split_uri(uri: &str) -> (String, String) {
    let rest = uri.strip_prefix("http://").unwrap_or(uri);
    match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}

/// A `POST` of `body` to `path` with `headers` (each `Name: value`), in one piece.
pub async fn post(addr: &str, path: &str, headers: &[&str], body: &[u8]) -> Option<u16> {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close",
        body.len()
    );
    for h in headers {
        head.push_str("\r\n");
        head.push_str(h);
    }
    send(
        addr,
        &head,
        body,
        1,
        Duration::ZERO,
        Duration::from_secs(10),
    )
    .await
}

/// One registered hook.
#[derive(Clone, Debug)]
struct Hook {
    body: Value,
}

/// What the org's Event Hooks API was asked, by operation.
#[derive(Debug, Default)]
pub struct Calls {
    pub list: AtomicUsize,
    pub create: AtomicUsize,
    pub replace: AtomicUsize,
    pub verify: AtomicUsize,
    pub activate: AtomicUsize,
    /// Delivery attempts (`POST`s to hooks), and those answered with a `2xx`.
    pub attempts: AtomicUsize,
    pub acknowledged: AtomicUsize,
}

struct Org {
    base: String,
    log: Mutex<Vec<Value>>,
    hooks: Mutex<BTreeMap<String, Hook>>,
    calls: Calls,
    next_hook: AtomicU64,
}

/// An Okta org on 127.0.0.1: its System Log and Event Hooks API, delivering what it logs.
#[derive(Clone)]
pub struct FakeOrg(Arc<Org>);

impl FakeOrg {
    /// Starts the org on a free port.
    pub async fn start() -> FakeOrg {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let org = FakeOrg(Arc::new(Org {
            base: format!("http://{addr}"),
            log: Mutex::new(Vec::new()),
            hooks: Mutex::new(BTreeMap::new()),
            calls: Calls::default(),
            next_hook: AtomicU64::new(1),
        }));
        let app = Router::new()
            .route("/api/v1/logs", get(logs))
            .route("/api/v1/eventHooks", get(list_hooks).post(create_hook))
            .route("/api/v1/eventHooks/{id}", get(get_hook).put(replace_hook))
            .route(
                "/api/v1/eventHooks/{id}/lifecycle/verify",
                post_route(verify_hook),
            )
            .route(
                "/api/v1/eventHooks/{id}/lifecycle/activate",
                post_route(activate_hook),
            )
            .with_state(org.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        org
    }

    /// The org's URL.
    pub fn url(&self) -> &str {
        &self.0.base
    }

    /// What was asked of it.
    pub fn calls(&self) -> &Calls {
        &self.0.calls
    }

    /// The hooks as stored (the secret included, as Okta stores it).
    pub fn hooks(&self) -> Vec<Value> {
        self.0
            .hooks
            .lock()
            .unwrap()
            .values()
            .map(|h| h.body.clone())
            .collect()
    }

    /// Writes `events` to the System Log without delivering them.
    pub fn log_only(&self, events: &[Value]) {
        self.0.log.lock().unwrap().extend(events.iter().cloned());
    }

    /// Every event logged.
    pub fn logged(&self) -> Vec<Value> {
        self.0.log.lock().unwrap().clone()
    }

    /// Writes `events` to the System Log, then delivers them in one delivery to each active,
    /// verified hook subscribed to their types, as Okta does: once, and once more when the
    /// first attempt fails or times out. The statuses of the attempts, per hook.
    pub async fn emit(&self, events: &[Value]) -> Vec<Vec<Option<u16>>> {
        self.log_only(events);
        self.deliver(events).await
    }

    /// Delivers `events` (without logging them) to each active, verified hook subscribed to
    /// their types, with Okta's one retry.
    pub async fn deliver(&self, events: &[Value]) -> Vec<Vec<Option<u16>>> {
        let hooks: Vec<Hook> = self.0.hooks.lock().unwrap().values().cloned().collect();
        let mut out = Vec::new();
        for hook in hooks {
            let b = &hook.body;
            if b["status"] != "ACTIVE" || b["verificationStatus"] != "VERIFIED" {
                continue;
            }
            let types: Vec<&str> = b["events"]["items"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mine: Vec<Value> = events
                .iter()
                .filter(|e| types.contains(&e["eventType"].as_str().unwrap_or("")))
                .cloned()
                .collect();
            if mine.is_empty() {
                continue;
            }
            let body = delivery(&mine);
            let mut statuses = Vec::new();
            for _ in 0..2 {
                let status = call(&hook.body, "POST", &[], Some(&body))
                    .await
                    .map(|(s, _)| s);
                self.0.calls.attempts.fetch_add(1, Ordering::SeqCst);
                statuses.push(status);
                if status.is_some_and(|s| (200..300).contains(&s)) {
                    self.0.calls.acknowledged.fetch_add(1, Ordering::SeqCst);
                    break;
                }
            }
            out.push(statuses);
        }
        out
    }
}

/// One call to a hook's URI with its headers (and `extra`), as Okta makes it: the status and
/// body, or `None` without an answer in 3 s.
async fn call(
    hook: &Value,
    method: &str,
    extra: &[(String, String)],
    body: Option<&Value>,
) -> Option<(u16, Vec<u8>)> {
    let config = &hook["channel"]["config"];
    let (addr, path) = split_uri(config["uri"].as_str().unwrap_or(""));
    let mut headers: Vec<(String, String)> = extra.to_vec();
    if let Some(hs) = config["headers"].as_array() {
        for h in hs {
            headers.push((
                h["key"].as_str().unwrap_or("").to_string(),
                h["value"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    let auth = &config["authScheme"];
    headers.push((
        auth["key"].as_str().unwrap_or("").to_string(),
        auth["value"].as_str().unwrap_or("").to_string(),
    ));
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    exchange(
        &addr,
        method,
        &path,
        &headers,
        body.as_bytes(),
        Duration::from_secs(3),
    )
    .await
}

#[derive(serde::Deserialize)]
struct LogQuery {
    since: Option<String>,
    after: Option<usize>,
    filter: Option<String>,
    limit: Option<usize>,
}

/// The event types an `eventType eq "a" or eventType eq "b"` filter names.
fn filter_types(filter: &str) -> Vec<String> {
    filter
        .split(" or ")
        .filter_map(|p| p.trim().strip_prefix("eventType eq \""))
        .filter_map(|p| p.strip_suffix('"'))
        .map(str::to_string)
        .collect()
}

async fn logs(State(org): State<FakeOrg>, Query(q): Query<LogQuery>) -> Response {
    let log = org.0.log.lock().unwrap().clone();
    let types = q.filter.as_deref().map(filter_types);
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    // Positions in the log (the `after` token); ascending by position, which is the order of
    // logging.
    let start = match q.after {
        Some(a) => a,
        None => match &q.since {
            Some(since) => log
                .iter()
                .position(|e| e["published"].as_str().unwrap_or("") >= since.as_str())
                .unwrap_or(log.len()),
            None => 0,
        },
    };
    let mut items = Vec::new();
    let mut end = start;
    for (i, e) in log.iter().enumerate().skip(start) {
        if items.len() == limit {
            break;
        }
        end = i + 1;
        if let Some(t) = &types {
            if !t.iter().any(|t| e["eventType"] == t.as_str()) {
                continue;
            }
        }
        items.push(e.clone());
    }
    let mut next = format!("{}/api/v1/logs?after={end}&sortOrder=ASCENDING", org.0.base);
    if let Some(f) = &q.filter {
        next.push_str("&filter=");
        next.push_str(&url_encode(f));
    }
    let mut r = Json(Value::Array(items)).into_response();
    r.headers_mut()
        .insert("link", format!("<{next}>; rel=\"next\"").parse().unwrap());
    r
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The hook as Okta answers it: without the secret's value.
fn public(body: &Value) -> Value {
    let mut b = body.clone();
    if let Some(a) = b["channel"]["config"]["authScheme"].as_object_mut() {
        a.remove("value");
    }
    b
}

async fn list_hooks(State(org): State<FakeOrg>) -> Json<Value> {
    org.0.calls.list.fetch_add(1, Ordering::SeqCst);
    let hooks = org.0.hooks.lock().unwrap();
    Json(Value::Array(
        hooks.values().map(|h| public(&h.body)).collect(),
    ))
}

async fn create_hook(State(org): State<FakeOrg>, Json(mut body): Json<Value>) -> Json<Value> {
    org.0.calls.create.fetch_add(1, Ordering::SeqCst);
    let id = format!("who{}", org.0.next_hook.fetch_add(1, Ordering::SeqCst));
    body["id"] = json!(id);
    body["status"] = json!("ACTIVE");
    body["verificationStatus"] = json!("UNVERIFIED");
    org.0
        .hooks
        .lock()
        .unwrap()
        .insert(id.clone(), Hook { body: body.clone() });
    Json(public(&body))
}

async fn get_hook(State(org): State<FakeOrg>, Path(id): Path<String>) -> Response {
    match org.0.hooks.lock().unwrap().get(&id) {
        Some(h) => Json(public(&h.body)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn replace_hook(
    State(org): State<FakeOrg>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    org.0.calls.replace.fetch_add(1, Ordering::SeqCst);
    let mut hooks = org.0.hooks.lock().unwrap();
    let Some(h) = hooks.get_mut(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // A new channel must be verified again.
    if h.body["channel"] != body["channel"] {
        h.body["verificationStatus"] = json!("UNVERIFIED");
    }
    for k in ["name", "channel", "events"] {
        h.body[k] = body[k].clone();
    }
    Json(public(&h.body)).into_response()
}

async fn verify_hook(State(org): State<FakeOrg>, Path(id): Path<String>) -> Response {
    org.0.calls.verify.fetch_add(1, Ordering::SeqCst);
    let Some(hook) = org.0.hooks.lock().unwrap().get(&id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let challenge = format!("challenge-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let extra = [(
        "X-Okta-Verification-Challenge".to_string(),
        challenge.clone(),
    )];
    let ok = match call(&hook.body, "GET", &extra, None).await {
        Some((200, body)) => serde_json::from_slice::<Value>(&body)
            .is_ok_and(|v| v["verification"] == challenge.as_str()),
        _ => false,
    };
    if !ok {
        let err = json!({"errorCode": "E0000001", "errorSummary": "Api validation failed: Verification failed", "errorCauses": []});
        return (StatusCode::BAD_REQUEST, Json(err)).into_response();
    }
    let mut hooks = org.0.hooks.lock().unwrap();
    let h = hooks.get_mut(&id).unwrap();
    h.body["verificationStatus"] = json!("VERIFIED");
    Json(public(&h.body)).into_response()
}

async fn activate_hook(State(org): State<FakeOrg>, Path(id): Path<String>) -> Response {
    org.0.calls.activate.fetch_add(1, Ordering::SeqCst);
    let mut hooks = org.0.hooks.lock().unwrap();
    let Some(h) = hooks.get_mut(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    h.body["status"] = json!("ACTIVE");
    Json(public(&h.body)).into_response()
}
