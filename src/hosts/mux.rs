//! The liveness check of a master connection, asked on its control socket directly: what
//! `ssh -O check` does, without starting an ssh process for it. OpenSSH's multiplexing
//! protocol (its PROTOCOL.mux, version 4): each side sends a hello on connecting, then the
//! client asks `MUX_C_ALIVE_CHECK` and a live master answers `MUX_S_ALIVE` with its pid. Each
//! message is a length (u32, big-endian) then the payload.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

const MUX_MSG_HELLO: u32 = 0x0000_0001;
const MUX_C_ALIVE_CHECK: u32 = 0x1000_0004;
const MUX_S_ALIVE: u32 = 0x8000_0005;
const SSHMUX_VER: u32 = 4;
/// The most a master's hello may be (its extensions): anything longer is not a master.
const MAX_PACKET: usize = 64 << 10;
const REQUEST_ID: u32 = 1;

/// What the socket said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alive {
    /// A master answered, with its pid.
    Yes(u32),
    /// Nothing listens there, or it did not answer in time: a dead or wedged master.
    No,
    /// Something answered, not as this protocol says: ask `ssh -O check` instead.
    Unsure,
}

/// Ask the master on `socket` whether it is alive, within `deadline`.
pub fn check(socket: &Path, deadline: Duration) -> Alive {
    let Ok(mut s) = UnixStream::connect(socket) else { return Alive::No };
    let end = Instant::now() + deadline;
    let mut out = Vec::with_capacity(24);
    for (kind, value) in [(MUX_MSG_HELLO, SSHMUX_VER), (MUX_C_ALIVE_CHECK, REQUEST_ID)] {
        out.extend_from_slice(&8u32.to_be_bytes());
        out.extend_from_slice(&kind.to_be_bytes());
        out.extend_from_slice(&value.to_be_bytes());
    }
    if s.set_write_timeout(Some(deadline.max(Duration::from_millis(1)))).is_err() || s.write_all(&out).is_err() {
        return Alive::No;
    }
    let hello = match read_packet(&mut s, end) {
        Ok(p) => p,
        Err(timed_out) => return if timed_out { Alive::No } else { Alive::Unsure },
    };
    if u32_at(&hello, 0) != Some(MUX_MSG_HELLO) || u32_at(&hello, 4) != Some(SSHMUX_VER) {
        return Alive::Unsure;
    }
    match read_packet(&mut s, end) {
        Ok(p) if u32_at(&p, 0) == Some(MUX_S_ALIVE) && u32_at(&p, 4) == Some(REQUEST_ID) => {
            u32_at(&p, 8).map_or(Alive::Unsure, Alive::Yes)
        }
        Ok(_) => Alive::Unsure,
        Err(timed_out) => {
            if timed_out {
                Alive::No
            } else {
                Alive::Unsure
            }
        }
    }
}

fn u32_at(p: &[u8], at: usize) -> Option<u32> {
    p.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// One packet, before `end`. Err(true): no answer in time (or the socket closed: a master that
/// is going away); Err(false): not a packet of this protocol.
fn read_packet(s: &mut UnixStream, end: Instant) -> Result<Vec<u8>, bool> {
    let mut len = [0u8; 4];
    read_exact_until(s, &mut len, end)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_PACKET {
        return Err(false);
    }
    let mut p = vec![0u8; len];
    read_exact_until(s, &mut p, end)?;
    Ok(p)
}

fn read_exact_until(s: &mut UnixStream, mut buf: &mut [u8], end: Instant) -> Result<(), bool> {
    while !buf.is_empty() {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() || s.set_read_timeout(Some(left)).is_err() {
            return Err(true);
        }
        match s.read(buf) {
            Ok(0) => return Err(true),
            Ok(n) => buf = &mut buf[n..],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(true),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    fn packet(words: &[u32]) -> Vec<u8> {
        let mut p = ((words.len() * 4) as u32).to_be_bytes().to_vec();
        for w in words {
            p.extend_from_slice(&w.to_be_bytes());
        }
        p
    }

    /// A fake master answering `reply` after reading the client's two packets.
    fn serve(reply: Vec<u8>) -> (tempfile::TempDir, std::thread::JoinHandle<Vec<u8>>) {
        let dir = tempfile::tempdir().unwrap();
        let l = UnixListener::bind(dir.path().join("s")).unwrap();
        let h = std::thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            let mut got = vec![0u8; 24];
            c.read_exact(&mut got).unwrap();
            let _ = c.write_all(&reply);
            // Hold the connection until the client is done.
            let _ = c.read(&mut [0u8; 1]);
            got
        });
        (dir, h)
    }

    #[test]
    fn a_master_that_answers_alive_is_alive_and_is_asked_as_ssh_asks() {
        let mut reply = packet(&[MUX_MSG_HELLO, SSHMUX_VER]);
        reply.extend(packet(&[MUX_S_ALIVE, REQUEST_ID, 4242]));
        let (dir, h) = serve(reply);
        assert_eq!(check(&dir.path().join("s"), Duration::from_secs(5)), Alive::Yes(4242));
        let sent = h.join().unwrap();
        assert_eq!(sent, [packet(&[MUX_MSG_HELLO, SSHMUX_VER]), packet(&[MUX_C_ALIVE_CHECK, REQUEST_ID])].concat());
    }

    #[test]
    fn no_socket_or_a_silent_one_is_dead_within_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(check(&dir.path().join("none"), Duration::from_secs(1)), Alive::No);
        // Listening, never answering: a wedged master.
        let _l = UnixListener::bind(dir.path().join("s")).unwrap();
        let start = Instant::now();
        assert_eq!(check(&dir.path().join("s"), Duration::from_millis(300)), Alive::No);
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    }

    #[test]
    fn another_protocol_is_unsure_not_dead() {
        let (dir, _h) = serve(packet(&[MUX_MSG_HELLO, 3]));
        assert_eq!(check(&dir.path().join("s"), Duration::from_secs(5)), Alive::Unsure);
        let (dir, _h) = serve(packet(&[0xdead_beef, 1]));
        assert_eq!(check(&dir.path().join("s"), Duration::from_secs(5)), Alive::Unsure);
    }
}
