//! The dash in a real tmux pane: `minder dash` runs in a session of the test's own server next to
//! the agents' sessions; the test types with send-keys and reads the screen with capture-pane,
//! polling with deadlines.

use crate::common::{self, agent, git, process_ended, tmux_bin, wait_for, within, Env, T};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn minder_bin() -> &'static str {
    env!("CARGO_BIN_EXE_minder")
}

/// A dash running in the tmux session `session`, started by a script that records the dash's
/// pid, its exit code and the terminal's settings after it.
struct Dash<'a> {
    env: &'a Env,
    session: String,
    dir: PathBuf,
}

/// How the dash is started: extra environment (`NAME=value` words) and whether it runs as if
/// outside tmux (no `$TMUX`).
#[derive(Default)]
struct How<'a> {
    vars: &'a [&'a str],
    outside_tmux: bool,
    args: &'a [&'a str],
    /// Do not wait for the first frame (a dash that ends at once).
    no_wait: bool,
}

fn start<'a>(env: &'a Env, width: u16, height: u16, how: How) -> Dash<'a> {
    start_in(env, "dash", width, height, how)
}

fn start_in<'a>(env: &'a Env, session: &str, width: u16, height: u16, how: How<'_>) -> Dash<'a> {
    let dir = env.path(&format!("dash-{session}"));
    std::fs::create_dir_all(&dir).unwrap();
    let unset = if how.outside_tmux { "-u TMUX -u TMUX_PANE" } else { "" };
    let args = if how.args.is_empty() { "dash".to_string() } else { how.args.join(" ") };
    let script = dir.join("run.sh");
    common::write_script(
        &script,
        format!(
            "#!/bin/sh\nenv {unset} {vars} sh -c 'echo $$ > \"{dir}/pid\"; exec \"$0\" {args}' '{bin}'\n\
             echo \"dash-exit=$?\"\nstty -a > '{dir}/stty'\nexec sleep 300\n",
            vars = how.vars.join(" "),
            dir = dir.display(),
            bin = minder_bin(),
        ),
    );
    let (w, h) = (width.to_string(), height.to_string());
    env.tmux_out(&["new-session", "-d", "-s", session, "-x", &w, "-y", &h, script.to_str().unwrap()]);
    let dash = Dash { env, session: session.to_string(), dir };
    if !how.no_wait {
        dash.wait("the first frame", |s| s.contains("minder dash"));
    }
    dash
}

impl Dash<'_> {
    fn target(&self) -> String {
        format!("={}:", self.session)
    }

    fn screen(&self) -> String {
        self.env.tmux_out(&["capture-pane", "-p", "-t", &self.target()])
    }

    /// The screen with its colours and attributes as escape sequences.
    fn screen_styled(&self) -> String {
        self.env.tmux_out(&["capture-pane", "-p", "-e", "-t", &self.target()])
    }

    /// Press keys (tmux key names: `j`, `Enter`, `Escape`, `Home`, …).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t"];
        let target = self.target();
        args.push(&target);
        args.extend(keys);
        self.env.tmux_out(&args);
    }

    /// Type text literally.
    fn type_text(&self, text: &str) {
        self.env.tmux_out(&["send-keys", "-t", &self.target(), "-l", text]);
    }

    /// Poll the screen until `cond` holds; return it, or panic showing it.
    fn wait(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if cond(&s) {
                return s;
            }
            if start.elapsed() > T {
                panic!("timed out waiting for {what}; the dash shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn display(&self, format: &str) -> String {
        self.env.tmux_out(&["display-message", "-p", "-t", &self.target(), format]).trim().to_string()
    }

    fn pid(&self) -> u32 {
        let path = self.dir.join("pid");
        wait_for("the dash's pid", T, || std::fs::read_to_string(&path).is_ok_and(|s| s.ends_with('\n')));
        std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
    }

    /// After the dash ended: its exit code, and the terminal given back (no alternate screen, a
    /// cursor, canonical mode and echo).
    fn assert_exited_and_restored(&self, code: i32) -> String {
        let s = self.wait("the dash to exit", |s| s.contains("dash-exit="));
        assert!(s.contains(&format!("dash-exit={code}")), "{s}");
        assert_eq!(self.display("#{alternate_on} #{cursor_flag}"), "0 1", "{s}");
        let stty = self.dir.join("stty");
        wait_for("stty", T, || std::fs::metadata(&stty).is_ok_and(|m| m.len() > 0));
        let stty = std::fs::read_to_string(stty).unwrap();
        let words: Vec<&str> = stty.split([' ', ';', '\n']).collect();
        for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
            assert!(words.contains(&flag), "terminal not restored ({flag}): {stty}");
        }
        s
    }
}

/// The row of `name` on the screen (its line number), if shown.
fn row_of(screen: &str, name: &str) -> Option<usize> {
    screen.lines().position(|l| l.split_whitespace().nth(1) == Some(name))
}

fn row_text<'s>(screen: &'s str, name: &str) -> &'s str {
    row_of(screen, name).map(|i| screen.lines().nth(i).unwrap()).unwrap_or("")
}

/// The agent the preview shows (its title names the selected agent).
fn previewed(screen: &str) -> Option<String> {
    screen.lines().find_map(|l| {
        let i = l.find(" · screen").or_else(|| l.find(" · log"))?;
        l.contains('─')
            .then(|| l[..i].trim().trim_start_matches(['┌', '│', '─', ' ']).rsplit(' ').next().unwrap().to_string())
    })
}

/// A client attached to `session`, on the test's server, from inside a pane of its own.
fn attach_client(env: &Env, session: &str) {
    let client = format!("env -u TMUX -u TMUX_PANE '{}' -L '{}' attach -t ={session}", tmux_bin(), env.socket);
    env.tmux_out(&["new-session", "-d", "-s", "viewer", "-x", "100", "-y", "30", &client]);
    wait_for("a client", T, || !env.tmux_out(&["list-clients"]).is_empty());
}

fn client_sessions(env: &Env) -> Vec<String> {
    env.tmux_out(&["list-clients", "-F", "#{client_session}"]).lines().map(String::from).collect()
}

fn new(env: &Env, name: &str, command: &[&str]) -> String {
    let mut args = vec!["new", name, "--"];
    args.extend(command);
    env.run(&args).trim().to_string()
}

#[test]
fn rows_in_attention_order_with_state_time_plan_place_and_last_line() {
    let env = Env::new();
    new(&env, "sleeper", &["sh", "-c", "echo sleeping now; exec sleep 60"]);
    new(&env, "done", &["sh", "-c", "echo all finished"]);
    new(&env, "broke", &["sh", "-c", "echo broken pipe dream; exit 3"]);
    new(&env, "planner", &[&agent("finisher.sh")]);
    env.wait_state("done", "review", T);
    env.wait_state("broke", "failed", T);
    // A record that cannot be read is shown as such, first, never skipped.
    let broken = env.state_dir().join("sessions/cmd-broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("session.json"), "{ not json").unwrap();
    let dash = start(&env, 80, 24, How::default());
    let s = dash.wait("every row", |s| {
        row_text(s, "cmd-planner").contains("2/2") && row_text(s, "cmd-sleeper").contains("sleeping now")
    });
    let row = row_text(&s, "cmd-broken");
    assert!(
        row.starts_with("‽ cmd-broken") && row.contains("unreadable") && row.contains("damaged session record"),
        "{s}"
    );
    assert_eq!(row_of(&s, "cmd-broken"), Some(2), "{s}");
    std::fs::remove_dir_all(&broken).unwrap();
    let s = dash.wait("the broken row gone", |s| row_of(s, "cmd-broken").is_none());
    let (done, broke, sleeper) =
        (row_of(&s, "cmd-done").unwrap(), row_of(&s, "cmd-broke").unwrap(), row_of(&s, "cmd-sleeper").unwrap());
    assert!(done < broke && broke < sleeper, "review, then failed, then working:\n{s}");
    assert!(s.lines().next().unwrap().contains("4 agents: 1 review, 1 failed, 2 working"), "{s}");
    assert!(s.lines().nth(1).unwrap().contains("AGENT") && s.contains("LAST OUTPUT"), "{s}");
    let row = row_text(&s, "cmd-broke");
    assert!(row.starts_with("✗ cmd-broke"), "{row}");
    let state = regex::Regex::new(r"failed \d+s \(3\)").unwrap();
    assert!(state.is_match(row), "{row}");
    assert!(row.contains("work") && row.contains("broken pipe dream"), "{row}");
    assert!(
        row_text(&s, "cmd-done").starts_with("✓ cmd-done") && row_text(&s, "cmd-sleeper").starts_with("● cmd-sleeper"),
        "{s}"
    );
    // The first row is selected: the preview shows its log, the agent having ended.
    let s = dash.wait("the preview", |s| previewed(s).as_deref() == Some("cmd-done"));
    assert!(s.contains("cmd-done · log (ended)") && s.contains("all finished"), "{s}");
    assert!(s.lines().last().unwrap().contains("q quit"), "{s}");
    for l in s.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(l) <= 80, "{l}");
    }
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
}

#[test]
fn live_updates_show_without_a_key() {
    let env = Env::new();
    let ticker = env.path("tick");
    new(
        &env,
        "ticker",
        &[
            "sh",
            "-c",
            &format!("while :; do read n < '{}' 2>/dev/null && echo \"tick $n\"; sleep 0.2; done", ticker.display()),
        ],
    );
    std::fs::write(&ticker, "one\n").unwrap();
    new(&env, "later", &["sh", "-c", "sleep 2; echo finished later"]);
    let dash = start(&env, 100, 30, How::default());
    dash.wait("the ticker's line", |s| row_text(s, "cmd-ticker").contains("tick one"));
    // A new last line.
    std::fs::write(&ticker, "two\n").unwrap();
    let started = Instant::now();
    dash.wait("the new last line", |s| row_text(s, "cmd-ticker").contains("tick two"));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // A state change: `later` exits 0 and moves up to review.
    let s = dash.wait("review", |s| row_text(s, "cmd-later").contains("review"));
    assert!(row_of(&s, "cmd-later") < row_of(&s, "cmd-ticker"), "{s}");
    // A new agent.
    new(&env, "newcomer", &["sh", "-c", "echo hello from the newcomer; exec sleep 60"]);
    let started = Instant::now();
    dash.wait("the new agent", |s| row_text(s, "cmd-newcomer").contains("hello from the newcomer"));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // Its tmux session killed from outside: lost, still without a key.
    env.tmux_out(&["kill-session", "-t", "=cmd-newcomer:"]);
    dash.wait("lost", |s| row_text(s, "cmd-newcomer").contains("lost"));
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
}

#[test]
fn selection_keys_and_the_filter() {
    let env = Env::new();
    for name in ["alpha", "bravo", "charlie"] {
        new(&env, name, &["sh", "-c", &format!("echo I am {name}; exec sleep 60")]);
        // A pause on purpose: three distinct start times, so "the longest working first" has
        // one answer.
        std::thread::sleep(Duration::from_millis(30));
    }
    let dash = start(&env, 100, 30, How::default());
    // Working agents: the longest working first.
    let s = dash.wait("the screen of alpha", |s| {
        previewed(s).as_deref() == Some("cmd-alpha") && s.contains("cmd-alpha · screen") && s.contains("I am alpha\n")
    });
    assert!(
        row_of(&s, "cmd-alpha") < row_of(&s, "cmd-bravo") && row_of(&s, "cmd-bravo") < row_of(&s, "cmd-charlie"),
        "{s}"
    );
    fn shows(name: &'static str) -> impl Fn(&str) -> bool {
        move |s: &str| previewed(s).as_deref() == Some(name) && s.contains(&format!("I am {}", &name[4..]))
    }
    dash.keys(&["j"]);
    dash.wait("bravo", shows("cmd-bravo"));
    dash.keys(&["Down"]);
    dash.wait("charlie", shows("cmd-charlie"));
    dash.keys(&["j"]);
    dash.wait("still charlie at the end", shows("cmd-charlie"));
    dash.keys(&["k"]);
    dash.wait("bravo again", shows("cmd-bravo"));
    dash.keys(&["Up"]);
    dash.wait("alpha again", shows("cmd-alpha"));
    dash.keys(&["End"]);
    dash.wait("the last one", shows("cmd-charlie"));
    dash.keys(&["Home"]);
    dash.wait("the first one", shows("cmd-alpha"));
    // The filter: rows narrow as it is typed; Enter keeps it; Esc clears it.
    dash.keys(&["/"]);
    dash.type_text("brav");
    let s = dash.wait("the filtered list", |s| row_of(s, "cmd-alpha").is_none() && row_of(s, "cmd-bravo").is_some());
    assert!(s.contains("filter: brav"), "{s}");
    dash.keys(&["Enter"]);
    let s = dash.wait("the filtered selection", shows("cmd-bravo"));
    assert!(row_of(&s, "cmd-charlie").is_none() && s.lines().next().unwrap().contains("filter: brav"), "{s}");
    dash.keys(&["/"]);
    dash.type_text("zzz");
    dash.wait("no match", |s| s.contains("no agent matches `bravzzz`"));
    dash.keys(&["Escape"]);
    let s = dash.wait("every row again", |s| row_of(s, "cmd-alpha").is_some() && row_of(s, "cmd-charlie").is_some());
    assert!(!s.contains("filter:"), "{s}");
    // Esc quits when no filter is set.
    dash.keys(&["Escape"]);
    dash.assert_exited_and_restored(0);
}

#[test]
fn review_and_diff_overlays() {
    let env = Env::new();
    let repo = common::repo(&env);
    std::fs::write(repo.join("notes.txt"), "first line\n").unwrap();
    git(&repo, &["add", "notes.txt"]);
    git(&repo, &["commit", "-q", "-m", "notes"]);
    let script = "mkdir -p \"$MINDER_DIR\"; printf 'status: the notes are longer\\n' > \"$MINDER_DIR/STATUS.md\"; \
                  printf 'Low risk: one line added.\\n' > \"$MINDER_DIR/RISKS.md\"; echo 'second line from the agent' >> notes.txt; echo edited";
    env.run(&["new", "editor", "-C", repo.to_str().unwrap(), "--", "sh", "-c", script]);
    env.wait_state("editor", "review", T);
    let dash = start(&env, 80, 24, How::default());
    dash.wait("the row", |s| {
        row_text(s, "cmd-editor").contains("review") && row_text(s, "cmd-editor").contains("repo")
    });
    dash.keys(&["r"]);
    let s = dash.wait("the review", |s| s.contains("review cmd-editor") && s.contains("Low risk: one line added."));
    assert!(s.contains("status: the notes are longer") && s.contains("notes.txt"), "{s}");
    dash.keys(&["G"]);
    dash.wait("the end of the review", |s| s.contains("minder approve cmd-editor"));
    dash.keys(&["g"]);
    dash.wait("the top of the review", |s| s.contains("cmd-editor  review"));
    dash.keys(&["q"]);
    dash.wait("the review closed", |s| !s.contains("Low risk") && s.contains("LAST OUTPUT"));
    dash.keys(&["d"]);
    let s = dash.wait("the diff", |s| s.contains("diff cmd-editor") && s.contains("+second line from the agent"));
    assert!(s.contains(" first line"), "{s}");
    dash.keys(&["Escape"]);
    dash.wait("the diff closed", |s| !s.contains("+second line") && s.contains("LAST OUTPUT"));
    // Not a repository: the error shows in the status line.
    new(&env, "plain", &["sh", "-c", "echo plain"]);
    env.wait_state("plain", "review", T);
    dash.wait("the plain row", |s| row_of(s, "cmd-plain").is_some());
    dash.keys(&["/"]);
    dash.type_text("plain");
    dash.keys(&["Enter"]);
    dash.wait("plain selected", |s| previewed(s).as_deref() == Some("cmd-plain"));
    dash.keys(&["d"]);
    dash.wait("the error", |s| s.contains("error: session `cmd-plain` is not in a git repository"));
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
}

#[test]
fn approve_and_reject_go_through_the_commands() {
    let env = Env::new();
    let inbox = env.path("inbox");
    new(&env, "finished", &["sh", "-c", "echo finished work"]);
    new(&env, "listener", &[&agent("reader.sh"), inbox.to_str().unwrap()]);
    env.wait_state("finished", "review", T);
    let dash = start(&env, 100, 30, How::default());
    dash.wait("the finished one first", |s| {
        previewed(s).as_deref() == Some("cmd-finished") && row_of(s, "cmd-listener").is_some()
    });
    // Approve without a note: Enter skips it.
    dash.keys(&["a"]);
    dash.wait("the approve prompt", |s| s.contains("approve cmd-finished: note (optional"));
    dash.keys(&["Enter"]);
    env.wait_state("finished", "approved", T);
    dash.wait("the command's own note", |s| s.contains("approved `cmd-finished`"));
    dash.wait("the new state", |s| row_text(s, "cmd-finished").contains("approved"));
    // Reject needs a note.
    dash.keys(&["/"]);
    dash.type_text("listener");
    dash.keys(&["Enter"]);
    dash.wait("the listener selected", |s| previewed(s).as_deref() == Some("cmd-listener") && s.contains("ready>"));
    dash.keys(&["x"]);
    dash.wait("the reject prompt", |s| s.contains("reject cmd-listener: note for the agent (required)"));
    dash.keys(&["Enter"]);
    dash.wait("the refusal", |s| s.contains("a rejection needs a note"));
    assert_eq!(env.state("listener"), "working");
    dash.type_text("please add a test");
    dash.keys(&["Enter"]);
    wait_for("the note typed into the agent", T, || {
        std::fs::read_to_string(&inbox).unwrap_or_default().contains("[please add a test]")
    });
    dash.wait("the result", |s| s.contains("rejected `cmd-listener`; the note went to the agent"));
    let events = env.show("listener")["events"].clone();
    assert!(
        events.as_array().unwrap().iter().any(|e| e["state"] == "rejected" && e["note"] == "please add a test"),
        "{events}"
    );
    // Esc cancels a prompt.
    dash.keys(&["a"]);
    dash.wait("the prompt", |s| s.contains("approve cmd-listener"));
    dash.keys(&["Escape"]);
    dash.wait("cancelled", |s| s.contains("cancelled"));
    assert_ne!(env.state("listener"), "approved");
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
}

#[test]
fn send_text_and_stop_after_confirming() {
    let env = Env::new();
    let inbox = env.path("inbox");
    new(&env, "listener", &[&agent("reader.sh"), inbox.to_str().unwrap()]);
    let dash = start(&env, 80, 24, How::default());
    dash.wait("its screen", |s| s.contains("cmd-listener · screen") && s.contains("ready>"));
    dash.keys(&["s"]);
    dash.wait("the send prompt", |s| s.contains("send to cmd-listener:"));
    dash.type_text("hello; $(rm -rf /) `x` 'q'");
    dash.keys(&["Enter"]);
    wait_for("the text typed into the agent", T, || {
        std::fs::read_to_string(&inbox).unwrap_or_default().contains("[hello; $(rm -rf /) `x` 'q']")
    });
    dash.wait("the agent's answer on its screen", |s| s.contains("got 26 chars"));
    dash.wait("the status", |s| s.contains("sent to cmd-listener"));
    // K asks first; anything but y keeps it running.
    dash.keys(&["K"]);
    dash.wait("the question", |s| s.contains("stop cmd-listener? y stops it"));
    dash.keys(&["n"]);
    dash.wait("not stopped", |s| s.contains("not stopped: cmd-listener"));
    assert_eq!(env.state("listener"), "working");
    dash.keys(&["K"]);
    dash.wait("the question", |s| s.contains("stop cmd-listener? y stops it"));
    dash.keys(&["y"]);
    env.wait_state("listener", "stopped", T);
    let s = dash
        .wait("stopped", |s| row_text(s, "cmd-listener").contains("stopped") && s.contains("stopped `cmd-listener`"));
    assert!(row_text(&s, "cmd-listener").starts_with("■"), "{s}");
    // An ended agent takes no text and cannot be attached to: said in the status line.
    dash.keys(&["s"]);
    dash.wait("the refusal", |s| s.contains("cmd-listener has ended: nothing to send to"));
    dash.keys(&["Enter"]);
    dash.wait("the attach refusal", |s| s.contains("cmd-listener has ended: nothing to attach to"));
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
}

#[test]
fn enter_inside_tmux_switches_the_client() {
    let env = Env::new();
    new(&env, "target", &["sh", "-c", "echo the target agent; exec sleep 60"]);
    let dash = start(&env, 100, 30, How::default());
    attach_client(&env, "dash");
    dash.wait("the target", |s| previewed(s).as_deref() == Some("cmd-target"));
    dash.keys(&["Enter"]);
    wait_for("the client on the agent", T, || client_sessions(&env) == ["cmd-target"]);
    // The dash keeps running in its window, for when the person comes back.
    let s = dash.wait("the dash again", |s| s.contains("switched to cmd-target"));
    assert!(!s.contains("dash-exit="), "{s}");
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
}

#[test]
fn enter_in_a_popup_switches_the_client_and_closes_the_popup() {
    let env = Env::new();
    new(&env, "target", &["sh", "-c", "echo the target agent; exec sleep 60"]);
    env.tmux_out(&["new-session", "-d", "-s", "home", "-x", "100", "-y", "30", "sleep 300"]);
    attach_client(&env, "home");
    let client = env.tmux_out(&["list-clients", "-F", "#{client_name}"]).trim().to_string();
    let popup = format!("'{}' dash", minder_bin());
    // display-popup returns when the popup closes: run it on the side.
    let mut shown = std::process::Command::new(tmux_bin())
        .env_clear()
        .envs(env.vars())
        .args(["-L", &env.socket, "display-popup", "-c", &client, "-w", "80", "-h", "24", "-E", &popup])
        .spawn()
        .unwrap();
    let viewer = || env.capture("viewer");
    wait_for("the dash in the popup", T, || viewer().contains("minder dash") && viewer().contains("cmd-target"));
    // Keys typed on the client go to the popup.
    env.tmux_out(&["send-keys", "-t", "=viewer:", "Enter"]);
    wait_for("the client on the agent", T, || client_sessions(&env) == ["cmd-target"]);
    wait_for("the popup closed", T, || !viewer().contains("minder dash") && viewer().contains("the target agent"));
    wait_for("display-popup to return", T, || shown.try_wait().unwrap().is_some());
}

#[test]
fn enter_outside_tmux_ends_the_dash_and_attaches() {
    let env = Env::new();
    new(&env, "target", &["sh", "-c", "echo the target agent; exec sleep 60"]);
    let dash = start(&env, 100, 30, How { outside_tmux: true, ..How::default() });
    dash.wait("the target", |s| previewed(s).as_deref() == Some("cmd-target"));
    dash.keys(&["Enter"]);
    wait_for("a client on the agent", T, || client_sessions(&env) == ["cmd-target"]);
    // The dash's pane now holds that client: the agent's screen and tmux's status line.
    dash.wait("the attached client", |s| s.contains("the target agent") && !s.contains("minder dash"));
}

#[test]
fn agent_text_is_escaped_and_no_color_is_respected() {
    let env = Env::new();
    let evil_dir = env.work().join("evil\x1b[31mdir");
    std::fs::create_dir_all(&evil_dir).unwrap();
    let script = "mkdir -p \"$MINDER_DIR\"; printf 'title \\033]2;PWNED\\007 clear \\033[2J bell \\007 end\\n' > \"$MINDER_DIR/STATUS.md\"; \
                  printf 'done \\033]0;PWNED2\\007\\n'";
    env.run(&["new", "evil", "-C", evil_dir.to_str().unwrap(), "--", "sh", "-c", script]);
    env.wait_state("evil", "review", T);
    let dash = start(&env, 100, 30, How::default());
    let s = dash.wait("the row", |s| row_text(s, "cmd-evil").contains("review"));
    assert!(row_text(&s, "cmd-evil").contains("evil\\e[31mdir"), "{s}");
    // Colour by default (tmux shows it as 256-colour codes)…
    assert!(dash.screen_styled().contains("38;5;"), "{}", dash.screen_styled());
    dash.keys(&["r"]);
    let s = dash.wait("the review", |s| s.contains("review cmd-evil") && s.contains("end"));
    assert!(s.contains("title \\e]2;PWNED\\a clear \\e[2J bell \\a end"), "{s}");
    assert!(!dash.display("#{pane_title}").contains("PWNED"), "{}", dash.display("#{pane_title}"));
    dash.keys(&["q"]);
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);

    // …and none with NO_COLOR, the state still readable by icon and word.
    let plain = start_in(&env, "plain", 100, 30, How { vars: &["NO_COLOR=1"], ..How::default() });
    let s = plain.wait("the row", |s| row_text(s, "cmd-evil").contains("review"));
    assert!(row_text(&s, "cmd-evil").starts_with("✓ cmd-evil"), "{s}");
    let styled = plain.screen_styled();
    assert!(
        !styled.contains("38;5;") && !regex::Regex::new(r"\x1b\[[0-9;]*3[0-7]m").unwrap().is_match(&styled),
        "{styled}"
    );
    plain.keys(&["q"]);
    plain.assert_exited_and_restored(0);
}

#[test]
fn the_terminal_is_restored_after_a_signal_and_a_panic() {
    let env = Env::new();
    new(&env, "one", &["sh", "-c", "echo one; exec sleep 60"]);
    let dash = start(&env, 80, 24, How::default());
    dash.wait("the row", |s| row_of(s, "cmd-one").is_some());
    assert_eq!(dash.display("#{alternate_on} #{cursor_flag}"), "1 0");
    // SAFETY: a signal to the dash this test started.
    unsafe { libc::kill(dash.pid() as i32, libc::SIGTERM) };
    dash.assert_exited_and_restored(0);

    let panicky =
        start_in(&env, "panicky", 80, 24, How { vars: &["MINDER_DASH_TEST_PANIC=1"], no_wait: true, ..How::default() });
    let s = panicky.assert_exited_and_restored(101);
    assert!(s.contains("MINDER_DASH_TEST_PANIC is set"), "the panic message on the real terminal:\n{s}");
}

#[test]
fn bare_minder_is_the_dash_on_a_terminal_and_the_help_elsewhere() {
    let env = Env::new();
    let out = env.minder().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: minder [OPTIONS] [COMMAND]"), "{out:?}");
    let out = env.minder().arg("dash").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the dash needs a terminal"), "{out:?}");

    new(&env, "one", &["sh", "-c", "echo one; exec sleep 60"]);
    let dash = start(&env, 80, 24, How { args: &[], ..How::default() });
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
    let bare = start_in(&env, "bare", 80, 24, How { args: &["-q"], ..How::default() });
    let s = bare.wait("the row", |s| row_of(s, "cmd-one").is_some());
    assert!(s.contains("minder dash · 1 agent: 1 working"), "{s}");
    bare.keys(&["q"]);
    bare.assert_exited_and_restored(0);
}

#[test]
fn resizes_from_a_popup_to_full_screen() {
    let env = Env::new();
    new(&env, "wide", &["sh", "-c", "echo a line on the screen; exec sleep 60"]);
    let dash = start(&env, 80, 24, How::default());
    // 80x24: the preview below the table.
    let s = dash.wait("the preview below", |s| s.contains("cmd-wide · screen") && s.contains("a line on the screen"));
    let title = s.lines().position(|l| l.contains("cmd-wide · screen")).unwrap();
    assert!(title > row_of(&s, "cmd-wide").unwrap(), "{s}");
    assert_eq!(s.lines().count(), 24);
    env.tmux_out(&["resize-window", "-t", "=dash:", "-x", "200", "-y", "50"]);
    // 200x50: beside it, on the table's own lines.
    let s = dash.wait("the preview beside", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("AGENT") && l.contains("cmd-wide · screen"))
    });
    assert!(row_text(&s, "cmd-wide").contains("a line on the screen"), "{s}");
    assert_eq!(s.lines().count(), 50);
    env.tmux_out(&["resize-window", "-t", "=dash:", "-x", "60", "-y", "12"]);
    dash.wait("small again", |s| {
        s.lines().count() == 12 && s.lines().all(|l| l.chars().count() <= 60) && s.contains("cmd-wide · screen")
    });
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
}

#[test]
fn it_asks_tmux_little() {
    let env = Env::new();
    let log = env.path("tmux-calls");
    let wrapper = env.path("tmux-wrapper");
    common::write_script(
        &wrapper,
        format!("#!/bin/sh\necho \"$*\" >> '{}'\nexec {} \"$@\"\n", log.display(), tmux_bin()),
    );
    for i in 0..5 {
        new(&env, &format!("quiet{i}"), &["sh", "-c", "echo quiet; exec sleep 60"]);
    }
    let tmux_var = format!("MINDER_TMUX={}", wrapper.display());
    let dash = start(&env, 100, 30, How { vars: &[&tmux_var], ..How::default() });
    dash.wait("every row", |s| {
        (0..5).all(|i| row_text(s, &format!("cmd-quiet{i}")).contains("quiet")) && s.contains("· screen")
    });
    let before = std::fs::read_to_string(&log).unwrap_or_default().lines().count();
    // A pause on purpose: nothing should happen in it, and nothing is there to wait for.
    std::thread::sleep(Duration::from_secs(3));
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    let during: Vec<&str> = calls.lines().skip(before).collect();
    // Quiet agents: no screen changed, no sink died: nothing to ask.
    assert!(during.is_empty(), "tmux calls while nothing changed: {during:#?}");
    // Moving the selection reads the new screen: one call each, never one per agent.
    dash.keys(&["j"]);
    dash.wait("the next screen", |s| previewed(s).as_deref() == Some("cmd-quiet1") && s.contains("· screen"));
    // A pause on purpose, to see that no second call follows the one just waited for.
    std::thread::sleep(Duration::from_millis(700));
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    let after: Vec<&str> = calls.lines().skip(before).collect();
    assert_eq!(after.len(), 1, "{after:#?}");
    assert!(after[0].contains("capture-pane"), "{after:#?}");
    dash.keys(&["q"]);
    dash.assert_exited_and_restored(0);
}

/// A dash whose terminal goes away without a hangup reaching it (its pty closed while it is not
/// the terminal's controlling process) ends instead of spinning on reads that fail forever.
#[test]
fn a_dash_whose_terminal_vanishes_ends() {
    let env = Env::new();
    let script = r#"
import os, subprocess, sys, time
master, slave = os.openpty()
p = subprocess.Popen([sys.argv[1], "dash"], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
os.close(slave)
time.sleep(1.5)
os.close(master)
print(p.pid, flush=True)
"#;
    let out = std::process::Command::new("python3")
        .env_clear()
        .envs(env.vars())
        .args(["-c", script, minder_bin()])
        .output()
        .unwrap();
    let pid: i32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or_else(|_| panic!("{out:?}"));
    let ended = within(Duration::from_secs(10), || process_ended(pid));
    if !ended {
        // SAFETY: the dash this test started, by its pid.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(ended, "the dash kept running after its terminal went away");
}

/// The dash in a pane whose tmux server is killed (-9): its terminal hangs up under it and every
/// read returns 0. It ends on its own; and a SIGTERM ends even a dash that did not.
#[test]
fn a_dash_ends_when_its_tmux_server_is_killed() {
    let env = Env::new();
    new(&env, "one", &["sh", "-c", "echo one; exec sleep 60"]);
    let dash = start(&env, 80, 24, How::default());
    dash.wait("the row", |s| row_of(s, "cmd-one").is_some());
    let pid = dash.pid() as i32;
    let server = env.server_pid().expect("the test's tmux server") as i32;
    // SAFETY: SIGKILL to the tmux server this test started, by its pid.
    unsafe { libc::kill(server, libc::SIGKILL) };
    let ended_alone = within(Duration::from_secs(10), || process_ended(pid));
    let mut ended_on_term = true;
    if !ended_alone {
        // SAFETY: signals to the dash this test started, by its pid.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        ended_on_term = within(Duration::from_secs(5), || process_ended(pid));
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(ended_alone, "the dash kept running after its tmux server was killed (SIGTERM ended it: {ended_on_term})");
}
