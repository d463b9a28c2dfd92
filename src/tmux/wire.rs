//! tmux's client protocol, spoken from this process: what the `tmux` binary does for one
//! command (connect to the server's socket, say who it is, send the command's words, copy what
//! the server writes back, exit with its status), without starting a process for it. A process
//! start is most of a short tmux call's cost (on the bench machine, 0.8 ms of CPU before tmux's
//! own start-up).
//!
//! The protocol is tmux's own (`tmux-protocol.h`, messages framed as OpenBSD's imsg). Its
//! version, 8, has not changed since tmux 2.4; what later releases added is kept compatible
//! with older clients by tmux itself, which is what this client is. Whenever the command
//! cannot be handed over (no server to connect to, another protocol version, a command too long
//! for one message), nothing has run, and the caller runs the binary instead: it starts a
//! server where one is needed and words every refusal as users know it.

use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

const PROTOCOL_VERSION: u32 = 8;
/// An imsg header: type, length (the header's included), flags, peer id (the protocol
/// version), pid; all in the machine's byte order.
const HEADER: usize = 16;
/// The largest message, header included (imsg's `MAX_IMSGSIZE`).
const MAX_MESSAGE: usize = 16384;

// Message types, from tmux-protocol.h.
const MSG_VERSION: u32 = 12;
const MSG_IDENTIFY_FLAGS: u32 = 100;
const MSG_IDENTIFY_TERM: u32 = 101;
const MSG_IDENTIFY_TTYNAME: u32 = 102;
const MSG_IDENTIFY_STDIN: u32 = 104;
const MSG_IDENTIFY_ENVIRON: u32 = 105;
const MSG_IDENTIFY_DONE: u32 = 106;
const MSG_IDENTIFY_CLIENTPID: u32 = 107;
const MSG_IDENTIFY_CWD: u32 = 108;
const MSG_IDENTIFY_FEATURES: u32 = 109;
const MSG_IDENTIFY_STDOUT: u32 = 110;
const MSG_IDENTIFY_LONGFLAGS: u32 = 111;
const MSG_COMMAND: u32 = 200;
const MSG_DETACH: u32 = 201;
const MSG_DETACHKILL: u32 = 202;
const MSG_EXIT: u32 = 203;
const MSG_EXITED: u32 = 204;
const MSG_EXITING: u32 = 205;
const MSG_READY: u32 = 207;
const MSG_SHUTDOWN: u32 = 210;
const MSG_READ_OPEN: u32 = 300;
const MSG_READ_DONE: u32 = 302;
const MSG_WRITE_OPEN: u32 = 303;
const MSG_WRITE: u32 = 304;
const MSG_WRITE_READY: u32 = 305;
const MSG_WRITE_CLOSE: u32 = 306;

// Client flags (tmux.h) that a client of a command sets.
const CLIENT_UTF8: u64 = 0x10000;
const CLIENT_DEFAULTSOCKET: u64 = 0x8000000;

/// The most a command's answer may hold. tmux's answers to minder are lines of formats and a
/// pane's screen; a server that writes more is not one to believe, and is not held in memory.
const MAX_ANSWER: usize = 64 << 20;

/// Why a command was not handed to the server. Nothing of it ran.
#[derive(Debug)]
pub enum NotRun {
    /// The socket could not be connected to (no server, a stale socket, no permission), or the
    /// server closed it before the command was sent.
    Connect(io::Error),
    /// The server speaks another version of the protocol.
    Version(u32),
    /// The command's words do not fit in one message (the binary says "command too long").
    TooLong,
}

impl std::fmt::Display for NotRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotRun::Connect(e) => write!(f, "cannot talk to the server: {e}"),
            NotRun::Version(v) => write!(f, "the server speaks protocol {v}, not {PROTOCOL_VERSION}"),
            NotRun::TooLong => write!(f, "the command is too long for one message"),
        }
    }
}

/// How a command handed to the server ended without an answer.
#[derive(Debug)]
pub enum Failed {
    /// The server refused the client before it read the command.
    NotRun(NotRun),
    /// No answer by the deadline: a stopped or wedged server.
    TimedOut,
    /// The connection ended or broke before the command's end (the binary's "server exited
    /// unexpectedly"), or the server sent what this client cannot take.
    Lost(String),
}

/// What the server answered: the exit status and the bytes written to stdout and stderr, as
/// the binary would have exited and written them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// A client connected to a server that knows who it is, ready for its one command.
pub struct Client {
    socket: UnixStream,
}

impl Client {
    /// Connect to the server at `socket` and identify as the binary would with this process's
    /// environment, working directory and `$TERM`, and no terminal. `default_socket`: the
    /// socket was chosen by name (`-L`, or tmux's default), not by path. Writing waits at most
    /// `limit` for a server that reads nothing (a stopped one takes a few kilobytes first).
    pub fn connect(socket: &Path, default_socket: bool, limit: Duration) -> Result<Client, NotRun> {
        let mut stream = UnixStream::connect(socket).map_err(NotRun::Connect)?;
        stream.set_write_timeout(Some(limit)).map_err(NotRun::Connect)?;
        let identify = identify_messages(default_socket, &Identity::of_this_process());
        stream.write_all(&identify).map_err(NotRun::Connect)?;
        Ok(Client { socket: stream })
    }

    /// Send the command (the binary's argv after its options: commands separated by `;`), then
    /// read the server's answer until `deadline`.
    pub fn run(mut self, words: &[String], deadline: Instant) -> Result<Answer, Failed> {
        self.send(words).map_err(Failed::NotRun)?;
        self.answer(deadline)
    }

    /// Hand the server the command.
    pub fn send(&mut self, words: &[String]) -> Result<(), NotRun> {
        let message = command_message(words).ok_or(NotRun::TooLong)?;
        // A write that fails leaves the message incomplete, and a server runs only whole ones.
        self.socket.write_all(&message).map_err(NotRun::Connect)
    }

    /// Read the server's messages until the command's end or `deadline`, answering what a
    /// client must (a stream opened for writing, a read it cannot serve).
    pub fn answer(mut self, deadline: Instant) -> Result<Answer, Failed> {
        let mut answer = Answer::default();
        // The streams the server opened to write to, and whether each is stdout.
        let mut streams: Vec<(u32, bool)> = Vec::new();
        let mut buf: Vec<u8> = Vec::with_capacity(4096);
        let mut chunk = [0u8; 16384];
        loop {
            while let Some(message) = Message::take(&mut buf) {
                let message = message.map_err(Failed::Lost)?;
                match message.kind {
                    MSG_VERSION => return Err(Failed::NotRun(NotRun::Version(message.peer & 0xff))),
                    MSG_WRITE_OPEN => {
                        let (stream, fd) = (message.int(0)?, message.int(4)? as i32);
                        // Only the client's own stdout and stderr: a path (`save-buffer FILE`
                        // run as a client) would be written by this process, and minder never
                        // asks for that.
                        let to_path = message.data.len() > 12;
                        let error = if !to_path && (fd == 1 || fd == 2) {
                            streams.push((stream, fd == 1));
                            0
                        } else {
                            libc::EBADF
                        };
                        self.reply(MSG_WRITE_READY, &[stream, error as u32])?;
                    }
                    MSG_WRITE => {
                        let stream = message.int(0)?;
                        let Some(&(_, stdout)) = streams.iter().find(|(s, _)| *s == stream) else {
                            return Err(Failed::Lost(format!("tmux wrote to stream {stream}, never opened")));
                        };
                        let data = &message.data[4..];
                        if answer.stdout.len() + answer.stderr.len() + data.len() > MAX_ANSWER {
                            return Err(Failed::Lost(format!("tmux wrote more than {} MiB", MAX_ANSWER >> 20)));
                        }
                        if stdout {
                            answer.stdout.extend_from_slice(data);
                        } else {
                            answer.stderr.extend_from_slice(data);
                        }
                    }
                    MSG_READ_OPEN => {
                        // Nothing is read from this client (`source-file -`, `load-buffer -`):
                        // the command sees a read error, as with a closed stdin.
                        let stream = message.int(0)?;
                        self.reply(MSG_READ_DONE, &[stream, libc::EBADF as u32])?;
                    }
                    MSG_EXIT | MSG_SHUTDOWN => {
                        if message.data.len() >= 4 {
                            answer.status = message.int(0)? as i32;
                        }
                        if message.data.len() > 4 {
                            let text = &message.data[4..];
                            let text = text.split(|b| *b == 0).next().unwrap_or_default();
                            answer.stderr.extend_from_slice(text);
                            answer.stderr.push(b'\n');
                        }
                        return Ok(answer);
                    }
                    // All of a stream's data comes before its close.
                    MSG_WRITE_CLOSE => {}
                    MSG_DETACH | MSG_DETACHKILL => self.reply(MSG_EXITING, &[])?,
                    MSG_EXITED => return Ok(answer),
                    MSG_READY => {
                        return Err(Failed::Lost("tmux took this client for one to attach".into()));
                    }
                    // Flags, and what later tmux sends only to clients that ask for it.
                    _ => {}
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Failed::TimedOut);
            }
            self.socket.set_read_timeout(Some(left)).map_err(|e| Failed::Lost(e.to_string()))?;
            match self.socket.read(&mut chunk) {
                Ok(0) => return Err(Failed::Lost("server exited unexpectedly".into())),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    return Err(Failed::TimedOut)
                }
                Err(e) => return Err(Failed::Lost(format!("lost the server: {e}"))),
            }
        }
    }

    /// Answer the server. A server that has closed its side may still have sent the rest of
    /// the answer (its writes, the exit): a failed reply is left for the reads to settle.
    fn reply(&mut self, kind: u32, ints: &[u32]) -> Result<(), Failed> {
        let data: Vec<u8> = ints.iter().flat_map(|i| i.to_ne_bytes()).collect();
        if let Err(e) = self.socket.write_all(&frame(kind, &data)) {
            tracing::debug!(%e, "tmux closed its side before the client's reply");
        }
        Ok(())
    }
}

/// One message read back from the server.
struct Message {
    kind: u32,
    peer: u32,
    data: Vec<u8>,
}

impl Message {
    /// The first whole message in `buf`, taken out of it; None until one has arrived whole. An
    /// error for a length no server sends.
    fn take(buf: &mut Vec<u8>) -> Option<Result<Message, String>> {
        if buf.len() < HEADER {
            return None;
        }
        let word = |at: usize| u32::from_ne_bytes(buf[at..at + 4].try_into().expect("4 bytes"));
        let len = u16::from_ne_bytes([buf[4], buf[5]]) as usize;
        if !(HEADER..=MAX_MESSAGE).contains(&len) {
            return Some(Err(format!("tmux sent a message of {len} bytes")));
        }
        if buf.len() < len {
            return None;
        }
        let message = Message { kind: word(0), peer: word(8), data: buf[HEADER..len].to_vec() };
        buf.drain(..len);
        Some(Ok(message))
    }

    /// The 32-bit number at `at` in the message's data.
    fn int(&self, at: usize) -> Result<u32, Failed> {
        self.data
            .get(at..at + 4)
            .map(|b| u32::from_ne_bytes(b.try_into().expect("4 bytes")))
            .ok_or_else(|| Failed::Lost(format!("tmux sent a short message (type {})", self.kind)))
    }
}

/// One message: the header, then `data`.
fn frame(kind: u32, data: &[u8]) -> Vec<u8> {
    let len = (HEADER + data.len()) as u16;
    let mut out = Vec::with_capacity(HEADER + data.len());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&0u16.to_ne_bytes());
    out.extend_from_slice(&PROTOCOL_VERSION.to_ne_bytes());
    out.extend_from_slice(&u32::MAX.to_ne_bytes());
    out.extend_from_slice(data);
    out
}

/// What a client tells the server about itself.
struct Identity {
    utf8: bool,
    term: Vec<u8>,
    cwd: Vec<u8>,
    pid: u32,
    environ: Vec<Vec<u8>>,
}

impl Identity {
    fn of_this_process() -> Identity {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        // As the binary decides it: inside tmux, or a locale that names UTF-8 (LC_ALL, else
        // LC_CTYPE, else LANG). Without it tmux replaces what is not ASCII in its output.
        let locale = var("LC_ALL").or_else(|| var("LC_CTYPE")).or_else(|| var("LANG")).unwrap_or_default();
        let locale = locale.to_string_lossy().to_ascii_uppercase();
        let utf8 = var("TMUX").is_some() || locale.contains("UTF-8") || locale.contains("UTF8");
        let cwd = std::env::current_dir()
            .ok()
            .or_else(|| var("HOME").map(Into::into))
            .map(|p| p.as_os_str().as_bytes().to_vec())
            .unwrap_or_else(|| b"/".to_vec());
        let environ = std::env::vars_os()
            .map(|(k, v)| {
                let mut kv = k.as_bytes().to_vec();
                kv.push(b'=');
                kv.extend_from_slice(v.as_bytes());
                kv
            })
            .collect();
        Identity {
            utf8,
            term: std::env::var_os("TERM").map(|t| t.as_bytes().to_vec()).unwrap_or_default(),
            cwd,
            pid: std::process::id(),
            environ,
        }
    }
}

/// The messages a client of one command sends first, in the binary's order. No terminal: the
/// tty name is empty and stdin and stdout are not passed, which the server takes as the binary
/// with stdin from /dev/null (it closes a descriptor that is not a terminal).
fn identify_messages(default_socket: bool, who: &Identity) -> Vec<u8> {
    let mut flags = 0u64;
    if who.utf8 {
        flags |= CLIENT_UTF8;
    }
    if default_socket {
        flags |= CLIENT_DEFAULTSOCKET;
    }
    let nul = |s: &[u8]| [s, b"\0"].concat();
    let mut out = Vec::with_capacity(4096);
    out.extend(frame(MSG_IDENTIFY_FLAGS, &(flags as u32).to_ne_bytes()));
    out.extend(frame(MSG_IDENTIFY_LONGFLAGS, &flags.to_ne_bytes()));
    out.extend(frame(MSG_IDENTIFY_TERM, &nul(&who.term)));
    out.extend(frame(MSG_IDENTIFY_FEATURES, &0i32.to_ne_bytes()));
    out.extend(frame(MSG_IDENTIFY_TTYNAME, b"\0"));
    out.extend(frame(MSG_IDENTIFY_CWD, &nul(&who.cwd)));
    out.extend(frame(MSG_IDENTIFY_STDIN, &[]));
    out.extend(frame(MSG_IDENTIFY_STDOUT, &[]));
    out.extend(frame(MSG_IDENTIFY_CLIENTPID, &who.pid.to_ne_bytes()));
    for kv in &who.environ {
        // The binary leaves out a variable too long for one message, and so does this.
        if HEADER + kv.len() < MAX_MESSAGE {
            out.extend(frame(MSG_IDENTIFY_ENVIRON, &nul(kv)));
        }
    }
    out.extend(frame(MSG_IDENTIFY_DONE, &[]));
    out
}

/// The command message: the number of words, then each word and a NUL. None when it does not
/// fit in one message.
fn command_message(words: &[String]) -> Option<Vec<u8>> {
    let mut data = (words.len() as i32).to_ne_bytes().to_vec();
    for word in words {
        data.extend_from_slice(word.as_bytes());
        data.push(0);
    }
    (HEADER + data.len() <= MAX_MESSAGE).then(|| frame(MSG_COMMAND, &data))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pretend server on one end of a socket pair: it reads the client's messages on a
    /// thread and answers with `script`, one step per message it expects.
    fn serve(script: impl FnOnce(&mut UnixStream, &mut Vec<u8>) + Send + 'static) -> Client {
        let (client, mut server) = UnixStream::pair().unwrap();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            script(&mut server, &mut buf);
        });
        Client { socket: client }
    }

    /// Read from `s` until a message of `kind` arrives; every message read on the way, in order.
    fn read_until(s: &mut UnixStream, buf: &mut Vec<u8>, kind: u32) -> Vec<Message> {
        let mut seen = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            while let Some(m) = Message::take(buf) {
                let m = m.unwrap();
                let done = m.kind == kind;
                seen.push(m);
                if done {
                    return seen;
                }
            }
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0, "the client closed before sending message {kind}");
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn ints(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|i| i.to_ne_bytes()).collect()
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[test]
    fn a_frame_is_laid_out_as_imsg_lays_it_out() {
        let f = frame(MSG_COMMAND, b"abc");
        assert_eq!(f.len(), 19);
        assert_eq!(&f[0..4], &200u32.to_ne_bytes());
        assert_eq!(&f[4..6], &19u16.to_ne_bytes());
        assert_eq!(&f[6..8], &[0, 0]);
        assert_eq!(&f[8..12], &8u32.to_ne_bytes(), "the peer id carries the protocol version");
        assert_eq!(&f[12..16], &[0xff; 4]);
        assert_eq!(&f[16..], b"abc");
    }

    #[test]
    fn the_command_is_its_word_count_and_each_word_ended_by_a_nul() {
        let words: Vec<String> = ["new-session", "-d", ";", "a b"].map(String::from).into();
        let m = command_message(&words).unwrap();
        assert_eq!(&m[HEADER..HEADER + 4], &4i32.to_ne_bytes());
        assert_eq!(&m[HEADER + 4..], b"new-session\0-d\0;\0a b\0");
        let long = vec!["x".repeat(MAX_MESSAGE)];
        assert!(command_message(&long).is_none(), "too long for one message");
    }

    #[test]
    fn identify_says_what_the_binary_says_and_ends_with_done() {
        let who = Identity {
            utf8: true,
            term: b"xterm".to_vec(),
            cwd: b"/w".to_vec(),
            pid: 42,
            environ: vec![b"A=1".to_vec(), vec![b'B'; MAX_MESSAGE], b"C=3".to_vec()],
        };
        let mut bytes = identify_messages(true, &who);
        let mut kinds = Vec::new();
        let mut env = Vec::new();
        while let Some(m) = Message::take(&mut bytes) {
            let m = m.unwrap();
            match m.kind {
                MSG_IDENTIFY_LONGFLAGS => {
                    assert_eq!(m.data, (CLIENT_UTF8 | CLIENT_DEFAULTSOCKET).to_ne_bytes())
                }
                MSG_IDENTIFY_TERM => assert_eq!(m.data, b"xterm\0"),
                MSG_IDENTIFY_TTYNAME => assert_eq!(m.data, b"\0"),
                MSG_IDENTIFY_CWD => assert_eq!(m.data, b"/w\0"),
                MSG_IDENTIFY_CLIENTPID => assert_eq!(m.data, 42u32.to_ne_bytes()),
                MSG_IDENTIFY_ENVIRON => env.push(m.data.clone()),
                _ => {}
            }
            kinds.push(m.kind);
        }
        assert!(bytes.is_empty());
        assert_eq!(env, vec![b"A=1\0".to_vec(), b"C=3\0".to_vec()], "a variable too long is left out");
        assert_eq!(kinds.first(), Some(&MSG_IDENTIFY_FLAGS));
        assert_eq!(kinds.last(), Some(&MSG_IDENTIFY_DONE));
        for needed in [MSG_IDENTIFY_FEATURES, MSG_IDENTIFY_STDIN, MSG_IDENTIFY_STDOUT] {
            assert!(kinds.contains(&needed), "{needed} is sent");
        }
    }

    #[test]
    fn output_is_taken_from_the_streams_the_server_opens_with_the_exit_status() {
        let client = serve(|s, buf| {
            read_until(s, buf, MSG_COMMAND);
            s.write_all(&frame(MSG_WRITE_OPEN, &ints(&[1, 1, 0]))).unwrap();
            let ready = read_until(s, buf, MSG_WRITE_READY);
            assert_eq!(ready.last().unwrap().data, ints(&[1, 0]), "stdout is opened without an error");
            // Data split across writes, and a message cut in the middle of its header.
            let mut w = frame(MSG_WRITE, &[ints(&[1]), b"hello\n".to_vec()].concat());
            w.extend(frame(MSG_WRITE_OPEN, &ints(&[2, 2, 0])));
            s.write_all(&w[..7]).unwrap();
            std::thread::sleep(Duration::from_millis(20));
            s.write_all(&w[7..]).unwrap();
            read_until(s, buf, MSG_WRITE_READY);
            let mut rest = frame(MSG_WRITE, &[ints(&[2]), b"oops\n".to_vec()].concat());
            rest.extend(frame(MSG_WRITE_CLOSE, &ints(&[1])));
            rest.extend(frame(MSG_EXIT, &ints(&[1])));
            s.write_all(&rest).unwrap();
        });
        let answer = client.run(&["display-message".into()], soon()).unwrap();
        assert_eq!(answer, Answer { status: 1, stdout: b"hello\n".to_vec(), stderr: b"oops\n".to_vec() });
    }

    #[test]
    fn a_file_the_server_would_have_this_client_write_is_refused() {
        let client = serve(|s, buf| {
            read_until(s, buf, MSG_COMMAND);
            let open = [ints(&[3, u32::MAX, 0]), b"/tmp/x\0".to_vec()].concat();
            s.write_all(&frame(MSG_WRITE_OPEN, &open)).unwrap();
            let ready = read_until(s, buf, MSG_WRITE_READY);
            assert_eq!(ready.last().unwrap().data, ints(&[3, libc::EBADF as u32]));
            s.write_all(&frame(MSG_READ_OPEN, &ints(&[4, 0]))).unwrap();
            let done = read_until(s, buf, MSG_READ_DONE);
            assert_eq!(done.last().unwrap().data, ints(&[4, libc::EBADF as u32]));
            s.write_all(&frame(MSG_EXIT, &[ints(&[0]), b"bye\0".to_vec()].concat())).unwrap();
        });
        let answer = client.run(&["save-buffer".into()], soon()).unwrap();
        assert_eq!(answer, Answer { status: 0, stdout: vec![], stderr: b"bye\n".to_vec() });
    }

    #[test]
    fn an_answer_past_its_bound_is_dropped_not_held() {
        let client = serve(|s, buf| {
            read_until(s, buf, MSG_COMMAND);
            s.write_all(&frame(MSG_WRITE_OPEN, &ints(&[1, 1, 0]))).unwrap();
            read_until(s, buf, MSG_WRITE_READY);
            let chunk = frame(MSG_WRITE, &[ints(&[1]), vec![b'x'; 16000]].concat());
            // Until the client hangs up.
            while s.write_all(&chunk).is_ok() {}
        });
        match client.run(&["capture-pane".into()], soon()) {
            Err(Failed::Lost(why)) => assert_eq!(why, "tmux wrote more than 64 MiB"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn another_protocol_version_means_nothing_ran() {
        let client = serve(|s, buf| {
            read_until(s, buf, MSG_COMMAND);
            let mut f = frame(MSG_VERSION, &[]);
            f[8..12].copy_from_slice(&7u32.to_ne_bytes());
            s.write_all(&f).unwrap();
        });
        assert!(matches!(client.run(&["ls".into()], soon()), Err(Failed::NotRun(NotRun::Version(7)))));
    }

    #[test]
    fn a_silent_server_is_given_up_at_the_deadline_and_a_closed_one_at_once() {
        let (client, _server) = UnixStream::pair().unwrap();
        let started = Instant::now();
        let out = Client { socket: client }.run(&["ls".into()], Instant::now() + Duration::from_millis(150));
        assert!(matches!(out, Err(Failed::TimedOut)), "{out:?}");
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(150) && waited < Duration::from_secs(3), "{waited:?}");

        let client = serve(|s, buf| {
            read_until(s, buf, MSG_COMMAND);
        });
        match client.run(&["ls".into()], soon()) {
            Err(Failed::Lost(why)) => assert_eq!(why, "server exited unexpectedly"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nonsense_from_the_server_is_an_error_not_a_hang_or_a_panic() {
        for bad in [frame(MSG_WRITE, &ints(&[9])), frame(MSG_WRITE_OPEN, &[1]), {
            let mut f = frame(MSG_EXIT, &[]);
            f[4..6].copy_from_slice(&3u16.to_ne_bytes());
            f
        }] {
            let client = serve(move |s, buf| {
                read_until(s, buf, MSG_COMMAND);
                s.write_all(&bad).unwrap();
                std::thread::sleep(Duration::from_millis(200));
            });
            let out = client.run(&["ls".into()], soon());
            assert!(matches!(out, Err(Failed::Lost(_))), "{out:?}");
        }
    }
}
