//! A tiny scripted HTTP/1.1 server on a free loopback port, for collector tests: each route
//! (path + query, exactly as requested) answers with a queue of responses — the last one repeats —
//! so a test can script "429, then 200", "500, then 200" or a malformed page.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub target: String,
    pub authorization: Option<String>,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Vec<Reply>>,
    seen: Vec<Seen>,
}

pub struct MockServer {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl MockServer {
    pub fn start() -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let st = st.clone();
                thread::spawn(move || handle(stream, st));
            }
        });
        MockServer { base, state }
    }

    /// Scripts the replies for a request target such as `/api/v1/users?limit=200`.
    pub fn route(&self, target: &str, replies: Vec<Reply>) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(target.to_string(), replies);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// How often a target was requested.
    pub fn hits(&self, target: &str) -> usize {
        self.seen().iter().filter(|s| s.target == target).count()
    }
}

fn handle(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
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
    let reply = {
        let mut st = state.lock().unwrap();
        st.seen.push(Seen {
            target: target.clone(),
            authorization,
        });
        match st.routes.get_mut(&target) {
            Some(q) if q.len() > 1 => q.remove(0),
            Some(q) if q.len() == 1 => q[0].clone(),
            _ => Reply::status(
                404,
                format!("{{\"errorSummary\":\"no route for {target}\"}}"),
            ),
        }
    };
    let mut out = format!(
        "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.flush();
}

/// The collectors' retry policy with test-sized waits: three attempts, 10 ms backoff, so the
/// stand-ins' throttles and 5xx are retried without slowing the suite.
pub fn fast_policy() -> heir::collect::http::Policy {
    heir::collect::http::Policy {
        attempts: 3,
        base_backoff: std::time::Duration::from_millis(10),
        max_backoff: std::time::Duration::from_secs(3),
        timeout: std::time::Duration::from_secs(10),
        concurrency: 4,
    }
}
