//! A Bolt handshake and `HELLO` before a push, so that a dead address or a wrong password is
//! reported at once. neo4rs retries failed connections, refused credentials included, with an
//! exponential backoff for up to a minute: a responder waited 30–40 s to learn the password was
//! wrong. Plain Bolt only (`bolt://`, `neo4j://`, or no scheme); TLS schemes are left to neo4rs.
//!
//! Only the credentials' check is done here; the push itself still goes through neo4rs.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long each step (connecting, each read) may take.
const STEP: Duration = Duration::from_secs(10);

/// Why the preflight failed.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// No connection, or no Bolt on the other end.
    Unreachable(String),
    /// The server answered `HELLO` with a failure: `code: message`.
    Credentials(String),
}

/// Where a plain-Bolt URI points: `host:port`, or `None` for TLS schemes (not checked here).
pub fn plain_address(uri: &str) -> Option<String> {
    match uri.split_once("://") {
        Some(("bolt" | "neo4j", _)) | None => server_address(uri),
        Some(_) => None,
    }
}

/// Where a Bolt URI of any scheme points: `host:port` (7687 if the URI names no port).
pub fn server_address(uri: &str) -> Option<String> {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    // Credentials in the URI (`user@host`) are not ours to read here.
    let host_port = authority.rsplit('@').next().unwrap_or("");
    if host_port.is_empty() {
        return None;
    }
    let has_port = match host_port.strip_prefix('[') {
        // [v6]:port
        Some(v6) => v6.split_once(']').is_some_and(|(_, p)| p.starts_with(':')),
        None => host_port.contains(':'),
    };
    Some(if has_port {
        host_port.to_string()
    } else {
        format!("{host_port}:7687")
    })
}

/// Connects to `address`, agrees a Bolt version and sends `HELLO` with basic credentials.
/// Never writes the password anywhere but the socket.
pub async fn check(address: &str, user: &str, password: &str) -> Result<(), Refused> {
    let unreachable = |what: &str, e: &dyn std::fmt::Display| {
        Refused::Unreachable(format!("{what} {address}: {e}"))
    };
    let mut stream = tokio::time::timeout(STEP, TcpStream::connect(address))
        .await
        .map_err(|_| unreachable("no answer within 10 s from", &"timed out"))?
        .map_err(|e| unreachable("cannot connect to", &e))?;
    // Magic, then four proposals, highest first: 5.0 and 4.4–4.2 all take credentials in HELLO.
    let mut handshake = vec![0x60, 0x60, 0xB0, 0x17];
    for version in [[0, 0, 0, 5], [0, 0, 4, 4], [0, 0, 3, 4], [0, 0, 2, 4]] {
        handshake.extend_from_slice(&version);
    }
    stream
        .write_all(&handshake)
        .await
        .map_err(|e| unreachable("cannot write to", &e))?;
    let mut agreed = [0u8; 4];
    read_exact(&mut stream, &mut agreed)
        .await
        .map_err(|e| unreachable("no Bolt handshake from", &e))?;
    // The server's choice is one of ours, or zeros for none.
    if agreed[..2] != [0, 0] || !(4..=5).contains(&agreed[3]) {
        return Err(Refused::Unreachable(format!(
            "{address} does not speak Bolt 4.2–5.0 (handshake answer {agreed:02x?})"
        )));
    }
    let mut hello = vec![0xB1, 0x01];
    pack_map(
        &mut hello,
        &[
            ("user_agent", concat!("heir/", env!("CARGO_PKG_VERSION"))),
            ("scheme", "basic"),
            ("principal", user),
            ("credentials", password),
        ],
    );
    stream
        .write_all(&chunked(&hello))
        .await
        .map_err(|e| unreachable("cannot write to", &e))?;
    let reply = read_message(&mut stream)
        .await
        .map_err(|e| unreachable("no answer to HELLO from", &e))?;
    let outcome = match reply.get(..2) {
        Some([0xB1, 0x70]) => Ok(()),
        Some([0xB1, 0x7F]) => {
            let fields = unpack_string_map(&reply[2..]);
            let get = |k: &str| {
                fields
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("")
            };
            let (code, message) = (get("code"), get("message"));
            Err(if code.contains("Security") || code.is_empty() {
                Refused::Credentials(format!("{code}: {message}"))
            } else {
                Refused::Unreachable(format!("{address} refused the session: {code}: {message}"))
            })
        }
        _ => Err(Refused::Unreachable(format!(
            "{address} answered HELLO with something other than Bolt"
        ))),
    };
    // GOODBYE, best effort: the server closes the connection either way.
    let _ = stream.write_all(&chunked(&[0xB0, 0x02])).await;
    outcome
}

async fn read_exact(stream: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<()> {
    match tokio::time::timeout(STEP, stream.read_exact(buf)).await {
        Ok(r) => r.map(|_| ()),
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "timed out after 10 s",
        )),
    }
}

/// One message: chunks of `length (u16) + bytes` up to an empty chunk. At most 1 MiB.
async fn read_message(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut message = Vec::new();
    loop {
        let mut len = [0u8; 2];
        read_exact(stream, &mut len).await?;
        let len = u16::from_be_bytes(len) as usize;
        if len == 0 {
            if message.is_empty() {
                continue; // a NOOP chunk
            }
            return Ok(message);
        }
        if message.len() + len > 1 << 20 {
            return Err(std::io::Error::other("reply too large"));
        }
        let at = message.len();
        message.resize(at + len, 0);
        read_exact(stream, &mut message[at..]).await?;
    }
}

fn chunked(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 4);
    for chunk in message.chunks(u16::MAX as usize) {
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&[0, 0]);
    out
}

fn pack_string(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    match n {
        0..=15 => out.push(0x80 | n as u8),
        16..=0xFF => out.extend_from_slice(&[0xD0, n as u8]),
        0x100..=0xFFFF => {
            out.push(0xD1);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(0xD2);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(s.as_bytes());
}

/// A map of at most 15 string entries (all `HELLO` needs).
fn pack_map(out: &mut Vec<u8>, entries: &[(&str, &str)]) {
    out.push(0xA0 | entries.len() as u8);
    for (k, v) in entries {
        pack_string(out, k);
        pack_string(out, v);
    }
}

/// The string entries of a PackStream map (a FAILURE's `code` and `message`); decoding stops at
/// the first value that is not a string, keeping what it has.
fn unpack_string_map(b: &[u8]) -> Vec<(String, String)> {
    fn string(b: &[u8], at: &mut usize) -> Option<String> {
        let marker = *b.get(*at)?;
        let (len, head) = match marker {
            0x80..=0x8F => ((marker & 0x0F) as usize, 1),
            0xD0 => (*b.get(*at + 1)? as usize, 2),
            0xD1 => (
                u16::from_be_bytes([*b.get(*at + 1)?, *b.get(*at + 2)?]) as usize,
                3,
            ),
            0xD2 => (
                u32::from_be_bytes([
                    *b.get(*at + 1)?,
                    *b.get(*at + 2)?,
                    *b.get(*at + 3)?,
                    *b.get(*at + 4)?,
                ]) as usize,
                5,
            ),
            _ => return None,
        };
        let start = *at + head;
        let s = std::str::from_utf8(b.get(start..start.checked_add(len)?)?).ok()?;
        *at = start + len;
        Some(s.to_string())
    }
    let mut out = Vec::new();
    let Some(&marker) = b.first() else {
        return out;
    };
    let (entries, mut at) = match marker {
        0xA0..=0xAF => ((marker & 0x0F) as usize, 1),
        0xD8 => match b.get(1) {
            Some(&n) => (n as usize, 2),
            None => return out,
        },
        _ => return out,
    };
    for _ in 0..entries {
        let (Some(k), Some(v)) = (string(b, &mut at), string(b, &mut at)) else {
            break;
        };
        out.push((k, v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[test]
    fn addresses_of_plain_bolt_uris() {
        assert_eq!(
            plain_address("bolt://127.0.0.1:7687").as_deref(),
            Some("127.0.0.1:7687")
        );
        assert_eq!(
            plain_address("neo4j://db.example").as_deref(),
            Some("db.example:7687")
        );
        assert_eq!(
            plain_address("localhost:9999").as_deref(),
            Some("localhost:9999")
        );
        assert_eq!(
            plain_address("bolt://[::1]:7000/x?y").as_deref(),
            Some("[::1]:7000")
        );
        assert_eq!(plain_address("bolt://[::1]").as_deref(), Some("[::1]:7687"));
        assert_eq!(plain_address("bolt://u@h:1").as_deref(), Some("h:1"));
        assert_eq!(plain_address("neo4j+s://db.example"), None);
        assert_eq!(plain_address("bolt+ssc://db.example"), None);
        assert_eq!(plain_address("bolt://"), None);
    }

    #[test]
    fn failure_maps_decode() {
        let mut b = Vec::new();
        pack_map(
            &mut b,
            &[
                ("code", "Neo.ClientError.Security.Unauthorized"),
                ("message", &"x".repeat(300)),
            ],
        );
        let m = unpack_string_map(&b);
        assert_eq!(m[0].1, "Neo.ClientError.Security.Unauthorized");
        assert_eq!(m[1].1.len(), 300);
        // Truncated or non-string input yields what was whole, never a panic.
        for cut in 0..b.len() {
            let _ = unpack_string_map(&b[..cut]);
        }
        assert!(unpack_string_map(&[0xA1, 0x01, 0x02]).is_empty());
    }

    /// A fake Bolt server: agrees 4.4, reads HELLO, answers `reply`. Returns the HELLO bytes.
    async fn fake_server(reply: Vec<u8>) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut handshake = [0u8; 20];
            s.read_exact(&mut handshake).await.unwrap();
            assert_eq!(&handshake[..4], &[0x60, 0x60, 0xB0, 0x17]);
            s.write_all(&[0, 0, 4, 4]).await.unwrap();
            let hello = read_message(&mut s).await.unwrap();
            s.write_all(&chunked(&reply)).await.unwrap();
            hello
        });
        (address, task)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn wrong_credentials_are_reported_at_once() {
        let mut failure = vec![0xB1, 0x7F];
        pack_map(
            &mut failure,
            &[
                ("code", "Neo.ClientError.Security.Unauthorized"),
                (
                    "message",
                    "The client is unauthorized due to authentication failure.",
                ),
            ],
        );
        let (address, server) = fake_server(failure).await;
        let started = std::time::Instant::now();
        let r = check(&address, "neo4j", "s3cret-pw").await;
        assert!(started.elapsed() < Duration::from_secs(5));
        match r {
            Err(Refused::Credentials(detail)) => {
                assert_eq!(
                    detail,
                    "Neo.ClientError.Security.Unauthorized: The client is unauthorized due to \
                     authentication failure."
                );
                assert!(!detail.contains("s3cret-pw"));
            }
            other => panic!("expected a credentials refusal, got {other:?}"),
        }
        // HELLO carried the user and the password, as a basic-auth map.
        let hello = server.await.unwrap();
        assert_eq!(&hello[..2], &[0xB1, 0x01]);
        let fields = unpack_string_map(&hello[2..]);
        assert!(fields.contains(&("scheme".into(), "basic".into())));
        assert!(fields.contains(&("principal".into(), "neo4j".into())));
        assert!(fields.contains(&("credentials".into(), "s3cret-pw".into())));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn accepted_credentials_pass() {
        let mut success = vec![0xB1, 0x70];
        pack_map(&mut success, &[("server", "Neo4j/5.0.0")]);
        let (address, _server) = fake_server(success).await;
        assert_eq!(check(&address, "neo4j", "pw").await, Ok(()));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_closed_port_is_unreachable_at_once() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        drop(listener);
        let started = std::time::Instant::now();
        let r = check(&address, "neo4j", "pw").await;
        assert!(matches!(r, Err(Refused::Unreachable(_))), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_server_without_bolt_is_unreachable() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 20];
            let _ = s.read_exact(&mut buf).await;
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        });
        let r = check(&address, "neo4j", "pw").await;
        assert!(matches!(r, Err(Refused::Unreachable(_))), "{r:?}");
    }
}
