//! `TCP_NODELAY` on the Bolt driver's connections.
//!
//! neo4rs 0.8 opens its sockets itself and leaves Nagle's algorithm on. A batch of 5,000 rows is
//! a message of a megabyte or more, written through an 8 KiB buffer: with Nagle on, the last
//! piece of the message waits in the kernel until the server acknowledges what came before, and
//! the server delays that acknowledgement (40 ms on Linux) because it has nothing to say until
//! the message is whole. Measured against ArcadeDB, the server waited 40–44 ms for the end of a
//! batch about once in every two batches, about a third of a second per push of the benchmark
//! graph (`docs/performance.md`). The driver offers no socket options, so heir finds the
//! driver's sockets among its own descriptors (those connected to the server's address) and
//! sets the option on them; the setting only changes when bytes leave, never what is sent.

use std::net::{SocketAddr, ToSocketAddrs};

/// The server's socket addresses, resolved once.
pub struct Nodelay {
    peers: Vec<SocketAddr>,
    /// Descriptors already set.
    done: Vec<i32>,
}

impl Nodelay {
    /// For the server at `host:port`; nothing to do if it does not resolve.
    pub fn new(address: &str) -> Nodelay {
        Nodelay {
            peers: address
                .to_socket_addrs()
                .map(|a| a.collect())
                .unwrap_or_default(),
            done: Vec::new(),
        }
    }

    /// Sets `TCP_NODELAY` on every open socket of this process connected to the server that it
    /// has not set yet: the driver opens connections when it needs them, so this runs again
    /// once a transaction holds its connection. Returns how many it set now.
    #[cfg(unix)]
    pub fn apply(&mut self) -> usize {
        use std::os::fd::BorrowedFd;
        if self.peers.is_empty() {
            return 0;
        }
        let mut set = 0;
        for fd in open_descriptors() {
            if self.done.contains(&fd) {
                continue;
            }
            // SAFETY: `fd` was listed as open by the kernel just now and heir closes no
            // descriptor of the driver's while a push runs; on a descriptor closed meanwhile the
            // calls below fail (EBADF) or, reused, act on another socket to the same server.
            let fd_ref = unsafe { BorrowedFd::borrow_raw(fd) };
            let socket = socket2::SockRef::from(&fd_ref);
            let to_server = socket
                .peer_addr()
                .ok()
                .and_then(|a| a.as_socket())
                .is_some_and(|a| self.peers.contains(&a));
            if to_server && socket.set_tcp_nodelay(true).is_ok() {
                self.done.push(fd);
                set += 1;
            }
        }
        set
    }

    #[cfg(not(unix))]
    pub fn apply(&mut self) -> usize {
        0
    }
}

/// This process's open descriptors, from the kernel's listing (`/proc/self/fd` on Linux,
/// `/dev/fd` elsewhere).
#[cfg(unix)]
fn open_descriptors() -> Vec<i32> {
    ["/proc/self/fd", "/dev/fd"]
        .iter()
        .find_map(|dir| std::fs::read_dir(dir).ok())
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn sets_nodelay_on_sockets_to_the_server_only() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let to_server = std::net::TcpStream::connect(server.local_addr().unwrap()).unwrap();
        let to_other = std::net::TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert!(!to_server.nodelay().unwrap());
        let mut n = Nodelay::new(&server.local_addr().unwrap().to_string());
        assert!(n.apply() >= 1);
        assert!(to_server.nodelay().unwrap());
        assert!(!to_other.nodelay().unwrap());
        // Known descriptors are not set twice.
        assert_eq!(n.apply(), 0);
        assert_eq!(Nodelay::new("no-such-host.invalid:7687").apply(), 0);
    }
}
