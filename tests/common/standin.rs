//! A stateful stand-in for the platforms `heir revoke` and `heir verify` talk to: objects that
//! `GET` answers, requests that really change them (a `DELETE` removes the session, a `PATCH`
//! flips `accountEnabled`, `revokeSignInSessions` moves the watermark), and knobs for what real
//! tenants do: ignore a revocation (answer success, keep the object alive), refuse or fail a
//! request, throttle it once, or stop answering after N changes (a crash of the far side) — and
//! hold the answer to the N-th change until released, so a test can kill heir while it waits
//! (a crash of heir's side).
//!
//! Never a real tenant: tests only.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// What a change request does to the stand-in's objects.
#[derive(Clone, Debug)]
pub enum Effect {
    /// The object at this path is gone (GET answers 404).
    Remove(String),
    /// Sets a field of an object.
    Set(String, String, Value),
    /// Sets a field to the current time (RFC 3339, whole seconds, as Graph writes it).
    SetNow(String, String),
    /// Empties a list (an object whose body is an array, or the array at a pointer).
    Empty(String, String),
    /// Drops the items whose field has this value from the list at a path (body an array).
    RemoveItem(String, String, Value),
}

/// A change request the stand-in knows: its answer and its effects.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub body: String,
    pub effects: Vec<Effect>,
}

/// One request as the stand-in saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub authorization: Option<String>,
    pub body: String,
}

#[derive(Default)]
pub struct World {
    /// GET target (path, or path + query) → body.
    pub objects: BTreeMap<String, Value>,
    /// "METHOD target" → route.
    pub routes: BTreeMap<String, Route>,
    /// "METHOD target" answered with success but changing nothing.
    pub ignore: BTreeSet<String>,
    /// "METHOD target" → status it always answers.
    pub fail: BTreeMap<String, u16>,
    /// "METHOD target" answered 429 (Retry-After: 0) the first time.
    pub throttle_once: BTreeSet<String>,
    /// GET target → the next page's target, sent as a `Link: <…>; rel="next"` header.
    pub next: BTreeMap<String, String>,
    /// After this many change requests answered, every request gets 503 (Retry-After: 0).
    pub down_after: Option<usize>,
    /// The N-th change request (1-based) is carried out (its effects applied, as a platform that
    /// did the work) but its answer is held until [`Standin::release`]: the request's outcome
    /// is unknown to the client, as when the client dies waiting.
    pub hold_nth: Option<usize>,
    changes: usize,
    /// Set by `answer` when the request it answered is the one to hold.
    holding: bool,
    pub seen: Vec<Seen>,
}

pub struct Standin {
    pub base: String,
    pub world: Arc<Mutex<World>>,
    /// Whether held answers may go (see [`World::hold_nth`]).
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl Standin {
    pub fn start(world: World) -> Standin {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let world = Arc::new(Mutex::new(world));
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let (w, g) = (world.clone(), gate.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (w, g) = (w.clone(), g.clone());
                thread::spawn(move || handle(stream, w, g));
            }
        });
        Standin { base, world, gate }
    }

    /// Lets held answers go (they reach a client only if it still waits).
    pub fn release(&self) {
        let (open, cv) = &*self.gate;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }

    /// Waits until `n` change requests have arrived; false after `limit`.
    pub fn wait_for_changes(&self, n: usize, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.changes().len() >= n {
                return true;
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// How many times each request was received, by "METHOD target".
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for s in self.seen() {
            *m.entry(format!("{} {}", s.method, s.target)).or_insert(0) += 1;
        }
        m
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        f(&mut self.world.lock().unwrap())
    }

    /// The requests that changed something or tried to (everything but GET), as "METHOD target".
    pub fn changes(&self) -> Vec<String> {
        self.with(|w| {
            w.seen
                .iter()
                .filter(|s| s.method != "GET")
                .map(|s| format!("{} {}", s.method, s.target))
                .collect()
        })
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.with(|w| w.seen.clone())
    }
}

impl World {
    pub fn object(&mut self, target: &str, body: Value) -> &mut Self {
        self.objects.insert(target.to_string(), body);
        self
    }

    pub fn route(&mut self, key: &str, status: u16, body: &str, effects: Vec<Effect>) -> &mut Self {
        self.routes.insert(
            key.to_string(),
            Route {
                status,
                body: body.to_string(),
                effects,
            },
        );
        self
    }

    fn apply(&mut self, e: &Effect) {
        match e {
            Effect::Remove(p) => {
                self.objects.remove(p);
            }
            Effect::Set(p, ptr, v) => {
                if let Some(slot) = self.objects.get_mut(p).and_then(|o| o.pointer_mut(ptr)) {
                    *slot = v.clone();
                }
            }
            Effect::SetNow(p, ptr) => {
                let now = heir::model::Timestamp::now().as_millis() / 1000 * 1000;
                let t = heir::model::Timestamp::from_millis(now).to_string();
                if let Some(slot) = self.objects.get_mut(p).and_then(|o| o.pointer_mut(ptr)) {
                    *slot = Value::String(t);
                }
            }
            Effect::RemoveItem(p, field, v) => {
                if let Some(Value::Array(a)) = self.objects.get_mut(p) {
                    a.retain(|i| i.get(field) != Some(v));
                }
            }
            Effect::Empty(p, ptr) => {
                if let Some(slot) = self.objects.get_mut(p).and_then(|o| o.pointer_mut(ptr)) {
                    *slot = Value::Array(Vec::new());
                }
            }
        }
    }

    fn answer(&mut self, method: &str, target: &str) -> (u16, Vec<(String, String)>, String) {
        let key = format!("{method} {target}");
        let retry = vec![("retry-after".to_string(), "0".to_string())];
        if self.down_after.is_some_and(|n| self.changes >= n) {
            return (503, retry, r#"{"errorSummary":"down"}"#.into());
        }
        if self.throttle_once.remove(&key) {
            return (429, retry, r#"{"errorSummary":"slow down"}"#.into());
        }
        if let Some(&s) = self.fail.get(&key) {
            let headers = if s >= 500 { retry } else { Vec::new() };
            return (
                s,
                headers,
                r#"{"errorSummary":"refused by the stand-in"}"#.into(),
            );
        }
        if method == "GET" {
            let path = target.split('?').next().unwrap_or(target);
            let link = self
                .next
                .get(target)
                .map(|n| vec![("link".to_string(), format!("<{n}>; rel=\"next\""))])
                .unwrap_or_default();
            return match self.objects.get(target).or_else(|| self.objects.get(path)) {
                Some(v) => (200, link, v.to_string()),
                None => (404, Vec::new(), r#"{"errorSummary":"Not found"}"#.into()),
            };
        }
        let Some(route) = self.routes.get(&key).cloned() else {
            return (
                404,
                Vec::new(),
                format!(r#"{{"errorSummary":"no route for {key}"}}"#),
            );
        };
        self.changes += 1;
        self.holding = self.hold_nth == Some(self.changes);
        if !self.ignore.contains(&key) {
            for e in &route.effects {
                self.apply(e);
            }
        }
        (route.status, Vec::new(), route.body)
    }
}

fn handle(mut stream: TcpStream, world: Arc<Mutex<World>>, gate: Arc<(Mutex<bool>, Condvar)>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut authorization = None;
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "authorization" {
                authorization = Some(v.trim().to_string());
            }
            if k == "content-length" {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    let (status, headers, reply, hold) = {
        let mut w = world.lock().unwrap();
        w.seen.push(Seen {
            method: method.clone(),
            target: target.clone(),
            authorization,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let (status, headers, reply) = w.answer(&method, &target);
        (status, headers, reply, std::mem::take(&mut w.holding))
    };
    if hold {
        // Outside the world's lock: the rest of the stand-in keeps answering.
        let (open, cv) = &*gate;
        let _open = cv.wait_while(open.lock().unwrap(), |o| !*o).unwrap();
    }
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\ncontent-type: application/json\r\nconnection: close\r\n",
        reply.len()
    );
    for (k, v) in &headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply);
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.flush();
}

// ------------------------------------------------------------------------------------------------
// The canary the revoke and verify tests (and docs/drills.md) use

/// A canary: an Okta test user's session that minted a refresh token (covered by the session's
/// revocation), an access token (ttl_only: manual) and a Slack web session (its own step, after
/// the Okta one).
pub const DRILL_GRAPH: &str = r#"{
  "version": 1,
  "sources": [{"name": "okta", "collected_at": "2026-10-02T12:20:00Z", "complete": true}],
  "nodes": [
    {"id": "okta:user:00uCANARY01", "kind": "user", "platform": "okta", "name": "canary@contoso.example", "criticality": 3},
    {"id": "okta:session:102CanarySession", "kind": "session", "platform": "okta", "name": "canary Okta session",
     "revocation": "central", "issued_at": "2026-10-02T08:00:00Z", "expires_at": "2026-10-02T20:00:00Z"},
    {"id": "okta:token:oar-canary-rt", "kind": "token", "platform": "okta", "token_type": "refresh",
     "issued_at": "2026-10-02T08:05:00Z", "expires_at": "2026-12-31T08:05:00Z", "props": {"client_id": "0oaCANARY01"}},
    {"id": "okta:token:at-canary", "kind": "token", "platform": "okta", "token_type": "access",
     "issued_at": "2026-10-02T12:10:00Z", "expires_at": "2026-10-02T13:10:00Z", "props": {"client_id": "0oaCANARY01"}},
    {"id": "slack:session:canary-web", "kind": "session", "platform": "slack", "name": "canary Slack web session",
     "issued_at": "2026-10-02T08:10:00Z", "expires_at": "2026-10-09T08:10:00Z"},
    {"id": "slack:user:U0CANARY01", "kind": "user", "platform": "slack", "name": "canary", "criticality": 2},
    {"id": "okta:resource:canary-app", "kind": "resource", "platform": "okta", "name": "canary app", "criticality": 4}
  ],
  "edges": [
    {"from": "okta:session:102CanarySession", "to": "okta:user:00uCANARY01", "kind": "authenticates_as"},
    {"from": "okta:session:102CanarySession", "to": "okta:token:oar-canary-rt", "kind": "issued", "at": "2026-10-02T08:05:00Z"},
    {"from": "okta:token:oar-canary-rt", "to": "okta:token:at-canary", "kind": "issued", "at": "2026-10-02T12:10:00Z"},
    {"from": "okta:session:102CanarySession", "to": "slack:session:canary-web", "kind": "issued", "at": "2026-10-02T08:10:00Z"},
    {"from": "slack:session:canary-web", "to": "slack:user:U0CANARY01", "kind": "authenticates_as"},
    {"from": "okta:token:oar-canary-rt", "to": "okta:resource:canary-app", "kind": "can_access"},
    {"from": "okta:token:at-canary", "to": "okta:resource:canary-app", "kind": "can_access"}
  ]
}"#;

pub const DRILL_FROM: &str = "okta:session:102CanarySession";
pub const AT: &str = "2026-10-02T12:30:00Z";

/// Planted credentials: tests assert none of them appears in any output or journal.
pub const OKTA_TOKEN: &str = "00PLANTEDoktaTOKENvalue4c1d2e3f";
pub const SLACK_TOKEN: &str = "xoxp-PLANTED-slack-token-7a8b9c";
pub const ENTRA_TOKEN: &str = "eyPLANTED.entra.token.5e6f7a8b";

pub const DRILL_SUSPEND: &str = "POST /api/v1/users/00uCANARY01/lifecycle/suspend";
pub const DRILL_CLEAR: &str = "DELETE /api/v1/users/00uCANARY01/sessions?oauthTokens=true";
pub const DRILL_SLACK_RESET: &str = "POST /api/admin.users.session.reset";
const DRILL_SLACK_LIST: &str = "/api/admin.users.session.list?user_id=U0CANARY01";

/// The canary's tenant: one server answering the Okta and Slack paths.
pub fn drill_world() -> World {
    let mut w = World::default();
    w.object(
        "/api/v1/users/00uCANARY01",
        serde_json::json!({"id": "00uCANARY01", "status": "ACTIVE"}),
    )
    .object(
        "/api/v1/sessions/102CanarySession",
        serde_json::json!({"id": "102CanarySession", "status": "ACTIVE"}),
    )
    .object(
        DRILL_SLACK_LIST,
        serde_json::json!({"ok": true, "active_sessions": [{"session_id": 9001}]}),
    )
    .route(
        DRILL_SUSPEND,
        200,
        "{}",
        vec![Effect::Set(
            "/api/v1/users/00uCANARY01".into(),
            "/status".into(),
            Value::String("SUSPENDED".into()),
        )],
    )
    .route(
        DRILL_CLEAR,
        204,
        "",
        vec![Effect::Remove("/api/v1/sessions/102CanarySession".into())],
    )
    .route(
        DRILL_SLACK_RESET,
        200,
        r#"{"ok":true}"#,
        vec![Effect::Empty(
            DRILL_SLACK_LIST.into(),
            "/active_sessions".into(),
        )],
    );
    w
}

pub const ENTRA_USER: &str = "/users/5d1e7c3a-2b4f-4e8a-9c6d-0f1e2d3c4b5a";

/// The Entra tenant of `tests/fixtures/uneven/entra.json`'s user.
pub fn entra_world() -> World {
    let mut w = World::default();
    w.object(
        ENTRA_USER,
        serde_json::json!({
            "id": "5d1e7c3a-2b4f-4e8a-9c6d-0f1e2d3c4b5a",
            "accountEnabled": true,
            "signInSessionsValidFromDateTime": "2026-09-01T00:00:00Z"
        }),
    )
    .route(
        &format!("PATCH {ENTRA_USER}"),
        204,
        "",
        vec![Effect::Set(
            ENTRA_USER.into(),
            "/accountEnabled".into(),
            Value::Bool(false),
        )],
    )
    .route(
        &format!("POST {ENTRA_USER}/revokeSignInSessions"),
        200,
        r#"{"@odata.context":"$metadata#Edm.Boolean","value":true}"#,
        vec![Effect::SetNow(
            ENTRA_USER.into(),
            "/signInSessionsValidFromDateTime".into(),
        )],
    );
    w
}

/// A scratch folder for one test: plan, journal and data directory.
pub struct Scratch {
    pub dir: std::path::PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("heir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Runs heir with the planted credentials and this folder as the data directory.
    pub fn heir(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_heir"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("HEIR_DATA_DIR", self.dir.join("data"))
            .env("OKTA_API_TOKEN", OKTA_TOKEN)
            .env("SLACK_TOKEN", SLACK_TOKEN)
            .env("ENTRA_ACCESS_TOKEN", ENTRA_TOKEN)
            .env_remove("ENTRA_TENANT_ID")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("heir runs")
    }

    /// `heir plan --format json` of a graph into `plan.json`; returns its path.
    pub fn plan(&self, graph: &str, from: &str) -> String {
        let out = self.heir(&[
            "plan", graph, "--from", from, "--at", AT, "--format", "json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p = self.path("plan.json");
        std::fs::write(&p, &out.stdout).unwrap();
        p
    }

    /// The drill graph written here, planned.
    pub fn drill_plan(&self) -> String {
        let g = self.path("drill.json");
        std::fs::write(&g, DRILL_GRAPH).unwrap();
        self.plan(&g, DRILL_FROM)
    }

    pub fn journal(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path("journal.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Fails naming the planted secret if any appears in `text`.
pub fn assert_no_secret(what: &str, text: &str) {
    for s in [OKTA_TOKEN, SLACK_TOKEN, ENTRA_TOKEN] {
        assert!(!text.contains(s), "{what} contains a planted credential");
    }
}

/// Compares with `tests/golden/NAME`, or rewrites it under `UPDATE_GOLDEN=1`.
pub fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(expected, actual, "{name} differs from the golden output");
}
