//! Real OpenSSH servers for the hosts tests: each an unprivileged-style `sshd -D` on 127.0.0.1
//! at a free port, with its own host key, authorized keys and `MaxSessions`, and its own state
//! dir, config and tmux server for the remote minder (given by sshd's `SetEnv`), so two hosts
//! are truly two. Reached with `ssh -F <test config>` (known host keys pre-seeded, checked
//! strictly). Every sshd (and what it started) is killed by pid on drop.

use super::Env;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

pub struct Sshd {
    pub name: String,
    pub dir: PathBuf,
    pub port: u16,
    child: Option<Child>,
    /// A passwd file naming another login shell for this user, seen by this sshd alone.
    passwd: Option<PathBuf>,
}

pub struct Hosts {
    pub root: PathBuf,
    pub hosts: Vec<Sshd>,
    /// Environment of the local test (for tmux clean-up).
    vars: Vec<(String, String)>,
}

/// sshd and ssh-keygen present (else the test says so and returns; fails under CI=true).
pub fn available() -> bool {
    if !Path::new(SSHD).exists() || Command::new("ssh-keygen").arg("-?").output().is_err() {
        super::missing_tool("openssh-server (/usr/sbin/sshd) and ssh-keygen are needed");
        return false;
    }
    true
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Hosts {
    /// Start one sshd per name, each with `MaxSessions` `max_sessions`.
    pub fn new(env: &Env, names: &[&str], max_sessions: u32) -> Hosts {
        Hosts::with_login_shell(env, names, max_sessions, None)
    }

    /// Whether sshd can be given another login shell here: it runs in a mount namespace of its
    /// own where a copy of /etc/passwd names that shell (the system's file is untouched), which
    /// needs root.
    pub fn can_change_login_shell() -> bool {
        (unsafe { libc::geteuid() }) == 0
            && Command::new("unshare").args(["-m", "true"]).output().is_ok_and(|o| o.status.success())
    }

    /// As `new`, with `shell` as the user's login shell on every host.
    pub fn with_login_shell(env: &Env, names: &[&str], max_sessions: u32, shell: Option<&str>) -> Hosts {
        // sshd run by root insists on its privilege-separation folder (Debian's service makes it).
        if unsafe { libc::geteuid() } == 0 && !Path::new("/run/sshd").is_dir() {
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        let root = env.path("hosts");
        std::fs::create_dir_all(&root).unwrap();
        let key = root.join("id");
        run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", "minder-test", "-f"]).arg(&key));
        let mut hosts = Hosts { root, hosts: Vec::new(), vars: env.vars() };
        for name in names {
            let dir = hosts.root.join(name);
            for d in ["state", "config/minder", "tmux", "run", "work", "data", "cache"] {
                std::fs::create_dir_all(dir.join(d)).unwrap();
            }
            std::fs::set_permissions(dir.join("run"), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
            run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(dir.join("host_key")));
            std::fs::copy(key.with_extension("pub"), dir.join("authorized_keys")).unwrap();
            let passwd = shell.map(|shell| {
                let me = user();
                let text: String = std::fs::read_to_string("/etc/passwd")
                    .unwrap()
                    .lines()
                    .map(|l| {
                        let mut f: Vec<&str> = l.split(':').collect();
                        if f.first() == Some(&me.as_str()) && f.len() == 7 {
                            f[6] = shell;
                        }
                        f.join(":") + "\n"
                    })
                    .collect();
                let path = dir.join("passwd");
                std::fs::write(&path, text).unwrap();
                path
            });
            let mut sshd = Sshd { name: name.to_string(), dir, port: free_port(), child: None, passwd };
            sshd.write_config(max_sessions);
            sshd.start();
            hosts.hosts.push(sshd);
        }
        hosts.write_client_config();
        hosts
    }

    pub fn host(&mut self, name: &str) -> &mut Sshd {
        self.hosts.iter_mut().find(|h| h.name == name).unwrap()
    }

    pub fn ssh_config(&self) -> PathBuf {
        self.root.join("ssh_config")
    }

    fn write_client_config(&self) {
        let mut cfg = String::new();
        let mut known = String::new();
        for h in &self.hosts {
            cfg += &format!(
                "Host {}\n  HostName 127.0.0.1\n  Port {}\n  User {}\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n\n",
                h.name,
                h.port,
                user(),
                self.root.join("id").display(),
                self.root.join("known_hosts").display()
            );
            let pubkey = std::fs::read_to_string(h.dir.join("host_key.pub")).unwrap();
            let mut words = pubkey.split_whitespace();
            known += &format!("[127.0.0.1]:{} {} {}\n", h.port, words.next().unwrap(), words.next().unwrap());
        }
        std::fs::write(self.ssh_config(), cfg).unwrap();
        std::fs::write(self.root.join("known_hosts"), known).unwrap();
    }

    /// The `[hosts.NAME]` tables for the local config: the remote minder is this test binary
    /// (or `minder` given per host), `timeout` as given.
    pub fn config_toml(&self, timeout: &str, minder_of: impl Fn(&str) -> Option<String>) -> String {
        let bin = env!("CARGO_BIN_EXE_minder");
        let mut t = String::new();
        for h in &self.hosts {
            let minder = minder_of(&h.name).unwrap_or_else(|| bin.to_string());
            t += &format!(
                "[hosts.{}]\nssh = \"{}\"\nssh_args = [\"-F\", \"{}\"]\nminder = \"{minder}\"\ntimeout = \"{timeout}\"\n\n",
                h.name,
                h.name,
                self.ssh_config().display()
            );
        }
        t
    }
}

impl Sshd {
    /// `SHLVL=1`: bash started by sshd reads the user's ~/.bashrc unless it is a nested shell;
    /// the developer's rc files (a `pyenv init` waiting on a lock) are not the test's to run.
    /// The login shell still runs the remote command line, as it would on any host.
    fn write_config(&self, max_sessions: u32) {
        let d = |p: &str| self.dir.join(p).display().to_string();
        let cfg = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nAuthorizedKeysFile {ak}\nPidFile {pid}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nMaxSessions {max_sessions}\nMaxStartups 100\nSetEnv XDG_STATE_HOME={state} XDG_CONFIG_HOME={config} XDG_DATA_HOME={data} XDG_CACHE_HOME={cache} TMUX_TMPDIR={tmux} XDG_RUNTIME_DIR={run} MINDER_TMUX_SOCKET=remote-{name} MINDER_DEMO_DELAY_MS=20 LANG=C.UTF-8 SHLVL=1 {tmuxbin}\n",
            port = self.port,
            hk = d("host_key"),
            ak = d("authorized_keys"),
            pid = d("sshd.pid"),
            state = d("state"),
            config = d("config"),
            data = d("data"),
            cache = d("cache"),
            tmux = d("tmux"),
            run = d("run"),
            name = self.name,
            tmuxbin = std::env::var("MINDER_TMUX").map(|t| format!("MINDER_TMUX={t}")).unwrap_or_default(),
        );
        std::fs::write(self.dir.join("sshd_config"), cfg).unwrap();
    }

    pub fn start(&mut self) {
        let mut cmd = match &self.passwd {
            None => Command::new(SSHD),
            Some(passwd) => {
                // `unshare -m` execs sh in a mount namespace of its own; sh mounts the passwd
                // copy there and execs sshd: one pid, sshd's.
                let mut c = Command::new("unshare");
                c.args(["-m", "sh", "-c", "mount --bind \"$0\" /etc/passwd && exec \"$@\""]).arg(passwd).arg(SSHD);
                c
            }
        };
        let child = cmd
            .args(["-D", "-f"])
            .arg(self.dir.join("sshd_config"))
            .arg("-E")
            .arg(self.dir.join("sshd.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if start.elapsed() > Duration::from_secs(15) {
                panic!(
                    "sshd {} did not listen: {}",
                    self.name,
                    std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kill this sshd and every process it started (its connections' sshd processes and what
    /// they run), by pid.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let mut pids = descendants(child.id());
        pids.push(child.id());
        for pid in pids {
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        let _ = child.wait();
    }

    /// Stop it with SIGSTOP (a host that hangs: connections open, nothing answers).
    pub fn freeze(&self, frozen: bool) {
        let Some(child) = &self.child else { return };
        let mut pids = descendants(child.id());
        pids.push(child.id());
        for pid in pids {
            unsafe { libc::kill(pid as i32, if frozen { libc::SIGSTOP } else { libc::SIGCONT }) };
        }
    }

    /// The remote environment (as sshd's SetEnv gives it), to drive the remote minder directly.
    pub fn vars(&self, local: &[(String, String)]) -> Vec<(String, String)> {
        let d = |p: &str| self.dir.join(p).display().to_string();
        let mut v: Vec<(String, String)> = local
            .iter()
            .filter(|(k, _)| {
                !["XDG_STATE_HOME", "XDG_CONFIG_HOME", "TMUX_TMPDIR", "MINDER_TMUX_SOCKET", "XDG_RUNTIME_DIR"]
                    .contains(&k.as_str())
            })
            .cloned()
            .collect();
        v.push(("XDG_STATE_HOME".into(), d("state")));
        v.push(("XDG_CONFIG_HOME".into(), d("config")));
        v.push(("TMUX_TMPDIR".into(), d("tmux")));
        v.push(("XDG_RUNTIME_DIR".into(), d("run")));
        v.push(("MINDER_TMUX_SOCKET".into(), format!("remote-{}", self.name)));
        v
    }
}

/// Every process below `pid`, from /proc.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        // The command name is in parentheses and may hold spaces: the ppid follows the last `)`.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
            parent_of.push((p, ppid));
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for h in &mut self.hosts {
            h.stop();
            // The remote minder's tmux server (it left sshd's tree when it daemonized).
            let _ = Command::new(super::tmux_bin())
                .env_clear()
                .envs(h.vars(&self.vars))
                .args(["-L", &format!("remote-{}", h.name), "kill-server"])
                .output();
        }
    }
}
