//! Which local process is on the other end of a loopback TCP connection, from `/proc`.
//!
//! The guard proxies listen on loopback, where any local process could reach them and borrow
//! their view of the network. Chromium cannot present credentials to a proxy it was given on
//! the command line, so a proxy instead checks who connected: the socket's inode from
//! `/proc/net/tcp`, then whether one of the allowed processes holds it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::procfs::{descendants, is_below};

/// The processes a proxy serves: a root process, and everything it started if so told.
#[derive(Debug, Clone, Default)]
pub struct AllowedPeers {
    /// 0 until known (a proxy started before its browser), which admits nobody.
    root: Arc<AtomicU32>,
    with_descendants: bool,
    /// The process that last matched: usually Chromium's network service, found first.
    last_match: Arc<AtomicU32>,
}

impl AllowedPeers {
    /// This process alone (the reader engine's HTTP client runs in-process).
    pub fn this_process() -> Self {
        let peers = Self::default();
        peers.set_root(std::process::id());
        peers
    }

    /// A browser and every process it starts, once [`AllowedPeers::set_root`] names it.
    pub fn process_tree() -> Self {
        Self {
            with_descendants: true,
            ..Self::default()
        }
    }

    pub fn set_root(&self, pid: u32) {
        self.root.store(pid, Ordering::Relaxed);
    }

    /// Whether the client end of the connection from `client` to `server` belongs to an
    /// allowed process. Blocking: reads `/proc`.
    pub fn admits(&self, client: SocketAddr, server: SocketAddr) -> bool {
        let root = self.root.load(Ordering::Relaxed);
        if root == 0 {
            return false;
        }
        let Some(inode) = socket_inode(client, server) else {
            return false;
        };
        if !self.with_descendants {
            return holds(root, inode);
        }
        let last = self.last_match.load(Ordering::Relaxed);
        if last != 0 && holds(last, inode) && is_below(last, root) {
            return true;
        }
        let mut candidates = vec![root];
        candidates.extend(descendants(root));
        match candidates.into_iter().find(|pid| holds(*pid, inode)) {
            Some(pid) => {
                self.last_match.store(pid, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// The inode of the socket whose local end is `client` and remote end is `server`.
fn socket_inode(client: SocketAddr, server: SocketAddr) -> Option<u64> {
    let table = match client {
        SocketAddr::V4(_) => "/proc/net/tcp",
        SocketAddr::V6(_) => "/proc/net/tcp6",
    };
    let (local, remote) = (proc_address(client), proc_address(server));
    std::fs::read_to_string(table)
        .ok()?
        .lines()
        .skip(1)
        .find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.get(1) == Some(&local.as_str()) && fields.get(2) == Some(&remote.as_str()))
                .then(|| fields.get(9)?.parse().ok())
                .flatten()
        })
}

/// An address as `/proc/net/tcp` writes it: the address in host byte order, in hex, then the
/// port.
fn proc_address(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(v4) => format!("{:08X}:{:04X}", u32::from_le_bytes(v4.ip().octets()), v4.port()),
        SocketAddr::V6(v6) => {
            let words: String = v6
                .ip()
                .octets()
                .chunks(4)
                .map(|word| format!("{:08X}", u32::from_le_bytes([word[0], word[1], word[2], word[3]])))
                .collect();
            format!("{words}:{:04X}", v6.port())
        }
    }
}

fn holds(pid: u32, inode: u64) -> bool {
    let wanted = format!("socket:[{inode}]");
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target.as_os_str() == wanted.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_written_as_proc_net_tcp_writes_them() {
        assert_eq!(proc_address("127.0.0.1:8080".parse().unwrap()), "0100007F:1F90");
        assert_eq!(
            proc_address("[::1]:443".parse().unwrap()),
            "00000000000000000000000001000000:01BB"
        );
    }

    #[test]
    fn a_connection_from_this_process_is_admitted_and_one_from_another_is_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let ours = std::net::TcpStream::connect(server).unwrap();
        let client = ours.local_addr().unwrap();
        assert!(AllowedPeers::this_process().admits(client, server));
        assert!(
            !AllowedPeers::default().admits(client, server),
            "nobody before the root is known"
        );

        // A process that is not ours (nor our child's) connecting.
        let mut other = std::process::Command::new("python3")
            .args([
                "-c",
                &format!("import socket,time; s=socket.create_connection(('127.0.0.1',{})); print(s.getsockname()[1], flush=True); time.sleep(5)", server.port()),
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(other.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let port: u16 = line.trim().parse().unwrap();
        let theirs = SocketAddr::from(([127, 0, 0, 1], port));
        assert!(!AllowedPeers::this_process().admits(theirs, server));
        let tree = AllowedPeers::process_tree();
        tree.set_root(std::process::id());
        assert!(tree.admits(theirs, server), "a child is in this process's tree");
        assert!(tree.admits(client, server));
        tree.set_root(other.id());
        assert!(tree.admits(theirs, server));
        assert!(
            !tree.admits(client, server),
            "its parent is not in the child's tree"
        );
        let _ = other.kill();
        let _ = other.wait();
    }
}
