"""Real OpenSSH servers on 127.0.0.1 for bench/run's host rows: the approach of the test
fixture tests/it/common/sshd.rs, in python. Each host is an `sshd -D` at a free port with its own
host key, authorized key and `MaxSessions`, and its own state dir, config and tmux server for the
remote minder (given by sshd's `SetEnv`), so three hosts are truly three. Reached with
`ssh -F <root>/ssh_config` (host keys pre-seeded, checked strictly). Everything it starts is
ended by pid (`stop`), never by name.
"""

import os
import socket
import subprocess
import time

SSHD = "/usr/sbin/sshd"


def available():
    return os.access(SSHD, os.X_OK) and subprocess.run(
        ["sh", "-c", "command -v ssh && command -v ssh-keygen"], stdout=subprocess.DEVNULL).returncode == 0


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path, comment="minder-bench"):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
                   check=True, stdout=subprocess.DEVNULL)


def descendants(pid):
    """Every process below `pid`, from /proc."""
    parent_of = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            parent_of.append((int(p), int(rest[1])))
        except (OSError, IndexError, ValueError):
            pass
    found, i = [pid], 0
    while i < len(found):
        found.extend(c for c, pp in parent_of if pp == found[i])
        i += 1
    return found[1:]


class Host:
    def __init__(self, root, name, max_sessions):
        self.name = name
        self.dir = os.path.join(root, name)
        self.port = _free_port()
        self.proc = None
        for d in ["state", "config/minder", "tmux", "run", "work", "data", "cache"]:
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        os.chmod(os.path.join(self.dir, "run"), 0o700)
        os.chmod(os.path.join(self.dir, "tmux"), 0o700)
        _keygen(os.path.join(self.dir, "host_key"))
        d = lambda p: os.path.join(self.dir, p)
        setenv = (f"XDG_STATE_HOME={d('state')} XDG_CONFIG_HOME={d('config')} XDG_DATA_HOME={d('data')} "
                  f"XDG_CACHE_HOME={d('cache')} TMUX_TMPDIR={d('tmux')} XDG_RUNTIME_DIR={d('run')} "
                  f"MINDER_TMUX_SOCKET={self.socket()} LANG=C.UTF-8 SHLVL=1")
        with open(d("sshd_config"), "w") as f:
            f.write(f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {d('host_key')}\n"
                    f"AuthorizedKeysFile {os.path.join(root, 'id.pub')}\nPidFile {d('sshd.pid')}\n"
                    "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                    f"PermitRootLogin prohibit-password\nMaxSessions {max_sessions}\nMaxStartups 100\n"
                    f"SetEnv {setenv}\n")

    def socket(self):
        return f"remote-{self.name}"

    def env(self, local):
        """The remote environment as sshd's SetEnv gives it, to drive the remote minder directly."""
        d = lambda p: os.path.join(self.dir, p)
        e = dict(local)
        e.update(XDG_STATE_HOME=d("state"), XDG_CONFIG_HOME=d("config"), XDG_DATA_HOME=d("data"),
                 XDG_CACHE_HOME=d("cache"), TMUX_TMPDIR=d("tmux"), XDG_RUNTIME_DIR=d("run"),
                 MINDER_TMUX_SOCKET=self.socket())
        e.pop("MINDER_STATE_DIR", None)
        return e

    def start(self):
        # sshd run by root insists on its privilege-separation folder (Debian's service makes it).
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)
        self.proc = subprocess.Popen([SSHD, "-D", "-f", os.path.join(self.dir, "sshd_config"),
                                      "-E", os.path.join(self.dir, "sshd.log")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.time() > end or self.proc.poll() is not None:
                    with open(os.path.join(self.dir, "sshd.log"), errors="replace") as f:
                        raise RuntimeError(f"sshd {self.name} did not listen: {f.read()[-500:]}")
                time.sleep(0.02)

    def stop(self):
        """Kill this sshd and everything it started, by pid."""
        if self.proc is None:
            return
        for pid in descendants(self.proc.pid) + [self.proc.pid]:
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        self.proc.wait()
        self.proc = None


class Hosts:
    def __init__(self, root, names, max_sessions=10):
        self.root = root
        os.makedirs(root, exist_ok=True)
        _keygen(os.path.join(root, "id"))
        self.hosts = [Host(root, n, max_sessions) for n in names]
        user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
        cfg, known = [], []
        for h in self.hosts:
            cfg.append(f"Host {h.name}\n  HostName 127.0.0.1\n  Port {h.port}\n  User {user}\n"
                       f"  IdentityFile {os.path.join(root, 'id')}\n  IdentitiesOnly yes\n"
                       f"  UserKnownHostsFile {os.path.join(root, 'known_hosts')}\n  GlobalKnownHostsFile /dev/null\n"
                       "  StrictHostKeyChecking yes\n  LogLevel ERROR\n")
            with open(os.path.join(h.dir, "host_key.pub")) as f:
                kind, key = f.read().split()[:2]
            known.append(f"[127.0.0.1]:{h.port} {kind} {key}\n")
        with open(self.ssh_config(), "w") as f:
            f.write("\n".join(cfg))
        with open(os.path.join(root, "known_hosts"), "w") as f:
            f.write("".join(known))
        for h in self.hosts:
            h.start()

    def ssh_config(self):
        return os.path.join(self.root, "ssh_config")

    def config_toml(self, minder, timeout="10s"):
        """The `[hosts.NAME]` tables for the local config."""
        return "".join(f"[hosts.{h.name}]\nssh = \"{h.name}\"\nssh_args = [\"-F\", \"{self.ssh_config()}\"]\n"
                       f"minder = \"{minder}\"\ntimeout = \"{timeout}\"\n\n" for h in self.hosts)

    def stop(self, tmux_bin, local_env):
        for h in self.hosts:
            h.stop()
            # The remote minder's tmux server (it left sshd's tree when it daemonized).
            subprocess.run([tmux_bin, "-L", h.socket(), "kill-server"], env=h.env(local_env),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
