//! The tmux plugin and the shell integration against a real tmux server: loading the plugin as
//! TPM does, its placeholders, keys, hook and the options it may touch, the status segment it
//! shows, the review popup, the login summary, and completions kept in step with the binary.

use crate::common::{self, tmux_bin, wait_for, Env, T};
use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

const STATUS_RIGHT: &str = "#{minder_status} | %H:%M & 'q' \\1";
const STATUS_RIGHT_LOADED: &str = "#{@minder-status} | %H:%M & 'q' \\1";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plugin() -> PathBuf {
    repo().join("tmux/minder.tmux")
}

fn minder_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_minder"))
}

/// PATH with the minder under test first, as after `cargo install`.
fn path_with_minder() -> String {
    format!("{}:{}", minder_bin().parent().unwrap().display(), std::env::var("PATH").unwrap_or_default())
}

/// A server with one session of the user's and a status-right holding the placeholder.
fn server(env: &Env) {
    env.tmux_out(&["new-session", "-d", "-s", "user", "-x", "100", "-y", "30", "sleep 300"]);
    env.tmux_out(&["set-option", "-g", "status-right", STATUS_RIGHT]);
    env.tmux_out(&["set-option", "-g", "status-left", "[#S] "]);
}

/// Run the plugin file as TPM does: as a program, from inside the server (`$TMUX` set, as in a
/// `run-shell` child), output discarded by the caller.
fn load_with(env: &Env, file: &Path, path: &str) -> Output {
    let tmux = env.tmux_out(&["display-message", "-p", "#{socket_path},#{pid},0"]);
    let out = assert_cmd::Command::new(file)
        .env_clear()
        .envs(env.vars())
        .env("PATH", path)
        .env("TMUX", tmux.trim())
        .current_dir(env.work())
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "plugin failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn load(env: &Env) -> Output {
    load_with(env, &plugin(), &path_with_minder())
}

fn option(env: &Env, name: &str) -> String {
    env.tmux_out(&["show-option", "-gqv", name]).trim_end_matches('\n').to_string()
}

fn display(env: &Env, format: &str) -> String {
    env.tmux_out(&["display-message", "-p", format]).trim_end_matches('\n').to_string()
}

/// Every global option (session, window, server scope) and the global environment, one per line.
fn global_options(env: &Env) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for (scope, args) in [
        ("session", &["show-options", "-g"][..]),
        ("window", &["show-options", "-gw"]),
        ("server", &["show-options", "-s"]),
        ("environment", &["show-environment", "-g"]),
    ] {
        for line in env.tmux_out(args).lines() {
            all.insert(format!("{scope} {line}"));
        }
    }
    all
}

fn hooks(env: &Env) -> BTreeSet<String> {
    env.tmux_out(&["show-hooks", "-g"]).lines().map(String::from).collect()
}

fn keys(env: &Env) -> BTreeSet<String> {
    env.tmux_out(&["list-keys"]).lines().map(String::from).collect()
}

fn diff(before: &BTreeSet<String>, after: &BTreeSet<String>) -> Vec<String> {
    let gone = before.difference(after).map(|l| format!("- {l}"));
    gone.chain(after.difference(before).map(|l| format!("+ {l}"))).collect()
}

/// The `list-keys` line binding `key` after the prefix.
fn prefix_binding<'a>(keys: &'a BTreeSet<String>, key: &str) -> Option<&'a String> {
    keys.iter().find(|l| l.split_whitespace().take(4).eq(["bind-key", "-T", "prefix", key]))
}

fn our_hooks(hooks: &BTreeSet<String>) -> Vec<&String> {
    hooks.iter().filter(|l| l.contains("status-line --push")).collect()
}

#[test]
fn loads_as_tpm_does_and_changes_only_what_it_owns() {
    let env = Env::new();
    server(&env);
    let (options0, hooks0, keys0) = (global_options(&env), hooks(&env), keys(&env));

    load(&env);
    assert_eq!(option(&env, "status-right"), STATUS_RIGHT_LOADED);
    assert_eq!(option(&env, "status-left"), "[#S] ", "no placeholder there: left alone");
    assert_eq!(option(&env, "@minder-bin"), minder_bin().display().to_string());
    assert!(option(&env, "@minder-plugin").starts_with(&plugin().canonicalize().unwrap().display().to_string()));

    // Options: only the placeholder's and minder's own. (The load ends by pushing the segment
    // in the background: wait for it, or a later snapshot would see it arrive.)
    wait_for("the background push", T, || {
        global_options(&env).iter().any(|l| l.starts_with("session @minder-status "))
    });
    let options1 = global_options(&env);
    let foreign: Vec<String> = diff(&options0, &options1)
        .into_iter()
        .filter(|l| !l[2..].starts_with("session status-right ") && !l[2..].starts_with("session @minder-"))
        .collect();
    assert!(foreign.is_empty(), "the plugin changed options it does not own: {foreign:#?}");

    // Hooks: one slot of client-attached, nothing else.
    let hooks1 = hooks(&env);
    let ours = our_hooks(&hooks1);
    assert_eq!(ours.len(), 1, "{hooks1:#?}");
    assert!(ours[0].starts_with("client-attached["), "{}", ours[0]);
    let other = |h: &BTreeSet<String>| -> BTreeSet<String> {
        h.iter().filter(|l| !l.starts_with("client-attached")).cloned().collect()
    };
    assert_eq!(other(&hooks0), other(&hooks1));

    // Keys: R and A after the prefix, nothing else.
    let keys1 = keys(&env);
    let added = diff(&keys0, &keys1);
    assert_eq!(added.len(), 2, "{added:#?}");
    let review = prefix_binding(&keys1, "R").expect("R bound after the prefix");
    assert!(review.contains("display-popup -E") && review.contains("review-popup.sh"), "{review}");
    let pick = prefix_binding(&keys1, "A").expect("A bound after the prefix");
    assert!(pick.contains("display-popup -E") && pick.contains("dash"), "{pick}");

    // Loading twice is harmless: same options, hooks and keys.
    load(&env);
    // Its background push sets the same segment: let it end, as a forked copy of the plugin
    // script or as `minder status-line --push`.
    wait_for("the background push", T, || {
        !env.processes().iter().any(|(_, argv)| argv.iter().any(|a| a.ends_with("minder.tmux") || a == "--push"))
    });
    assert_eq!(diff(&options1, &global_options(&env)), Vec::<String>::new());
    assert_eq!(hooks(&env), hooks1);
    assert_eq!(keys(&env), keys1);

    // Loading as a manual `run-shell` line in tmux.conf does the same.
    env.tmux_out(&["set-option", "-g", "status-right", STATUS_RIGHT]);
    env.tmux_out(&["run-shell", plugin().to_str().unwrap()]);
    assert_eq!(option(&env, "status-right"), STATUS_RIGHT_LOADED);
    assert_eq!(hooks(&env), hooks1);
    assert_eq!(keys(&env), keys1);
}

#[test]
fn loads_from_tmux_conf_before_any_session_exists() {
    let env = Env::new();
    let conf = env.path("tmux.conf");
    let line = format!("set -g status-right '#{{minder_status}} | %H:%M'\nrun-shell '{}'\n", plugin().display());
    std::fs::write(&conf, line).unwrap();
    let out = std::process::Command::new(tmux_bin())
        .env_clear()
        .envs(env.vars())
        .env("PATH", path_with_minder())
        .args(["-L", &env.socket, "-f", conf.to_str().unwrap(), "new-session", "-d", "-s", "user", "sleep 300"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(option(&env, "status-right"), "#{@minder-status} | %H:%M");
    assert_eq!(option(&env, "@minder-bin"), minder_bin().display().to_string());
    assert!(prefix_binding(&keys(&env), "R").is_some());
    assert_eq!(our_hooks(&hooks(&env)).len(), 1);
}

#[test]
fn keys_follow_the_options() {
    let env = Env::new();
    server(&env);
    env.tmux_out(&["set-option", "-g", "@minder-review-key", "M-r"]);
    env.tmux_out(&["set-option", "-g", "@minder-pick-key", "a"]);
    let before = keys(&env);
    load(&env);
    let after = keys(&env);
    assert_eq!(diff(&before, &after).len(), 2, "{:#?}", diff(&before, &after));
    assert!(prefix_binding(&after, "M-r").is_some_and(|l| l.contains("display-popup")), "{after:#?}");
    assert!(prefix_binding(&after, "a").is_some_and(|l| l.contains("dash")), "{after:#?}");
    assert!(prefix_binding(&after, "R").is_none() && prefix_binding(&after, "A").is_none());
}

#[test]
fn status_segment_shows_agents_without_a_process_per_refresh() {
    let env = Env::new();
    server(&env);
    load(&env);
    // No agents: the placeholder shows nothing, and the picker guard is empty.
    let right = display(&env, "#{T:status-right}");
    assert!(right.starts_with(" | "), "{right:?}");
    assert_eq!(display(&env, "#{S:#{?@minder,1,}}"), "");

    env.minder().args(["new", "-a", "demo", "x"]).env("MINDER_DEMO_DELAY_MS", "10").assert().success();
    wait_for("the waiting icon in @minder-status", T, || display(&env, "#{@minder-status}").contains("? x"));
    let right = display(&env, "#{T:status-right}");
    assert!(right.starts_with("#[fg=black,bg=yellow,bold] ? x #[default] | "), "{right:?}");
    assert_eq!(display(&env, "#{S:#{?@minder,1,}}"), "1");
}

/// A client attached from a pane of the same server (a real tty, no `$TMUX`).
fn attach_client(env: &Env) {
    let client = format!("env -u TMUX -u TMUX_PANE '{}' -L '{}' attach -t =user", tmux_bin(), env.socket);
    env.tmux_out(&["new-session", "-d", "-s", "viewer", "-x", "100", "-y", "30", &client]);
    wait_for("a client", T, || !env.tmux_out(&["list-clients"]).is_empty());
}

#[test]
fn hook_and_load_push_through_an_awkward_binary_path() {
    let env = Env::new();
    server(&env);
    let dir = env.path("bin dir #1 'q' $HOME ;");
    std::fs::create_dir_all(&dir).unwrap();
    symlink(minder_bin(), dir.join("minder")).unwrap();
    env.tmux_out(&["set-option", "-g", "@minder-bin", dir.join("minder").to_str().unwrap()]);
    env.tmux_out(&["set-option", "-g", "@minder-status", "stale"]);
    load(&env);
    wait_for("the push at load", T, || option(&env, "@minder-status").is_empty());

    env.tmux_out(&["set-option", "-g", "@minder-status", "stale"]);
    attach_client(&env);
    wait_for("the push on client-attached", T, || option(&env, "@minder-status").is_empty());
}

#[test]
fn picker_key_opens_the_dash_in_a_popup() {
    let env = Env::new();
    server(&env);
    load(&env);
    attach_client(&env);
    // No agents yet: the dash says how to start one.
    env.tmux_out(&["send-keys", "-t", "=viewer:", "C-b", "A"]);
    wait_for("the empty dash", T, || env.capture("viewer").contains("no agents yet"));
    env.tmux_out(&["send-keys", "-t", "=viewer:", "q"]);
    wait_for("the popup closed", T, || !env.capture("viewer").contains("minder dash"));

    env.run(&["new", "pickme", "--", "sleep", "30"]);
    env.tmux_out(&["send-keys", "-t", "=viewer:", "C-b", "A"]);
    wait_for("the dash listing the agent", T, || {
        let s = env.capture("viewer");
        s.contains("minder dash · 1 agent") && s.contains("cmd-pickme")
    });
    // The user's own session is not an agent: not listed.
    assert!(!env.capture("viewer").contains(" user "), "{}", env.capture("viewer"));
    env.tmux_out(&["send-keys", "-t", "=viewer:", "q"]);
    wait_for("the popup closed", T, || !env.capture("viewer").contains("minder dash"));
}

#[test]
fn review_popup_says_when_nothing_needs_review_and_closes_on_a_key() {
    let env = Env::new();
    server(&env);
    load(&env);
    attach_client(&env);
    env.tmux_out(&["send-keys", "-t", "=viewer:", "C-b", "R"]);
    wait_for("the popup", T, || env.capture("viewer").contains("no session needs review"));
    env.tmux_out(&["send-keys", "-t", "=viewer:", "x"]);
    wait_for("the popup to close", T, || !env.capture("viewer").contains("no session needs review"));
}

#[test]
fn review_popup_approves_the_session_that_needs_review() {
    let env = Env::new();
    server(&env);
    load(&env);
    env.config(
        "[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run the following command\"]\nworking = [\"esc to interrupt\"]\n",
    );
    env.run(&["new", "finished", "--", "sh", "-c", "echo all done"]);
    env.wait_state("finished", "review", T);
    env.run(&["new", "asks", "-a", "scripted", "--", &common::agent("approver.sh"), "30"]);
    env.wait_state("asks", "waiting", T);
    env.run(&["new", "busy", "--", "sleep", "30"]);
    attach_client(&env);
    env.tmux_out(&["send-keys", "-t", "=viewer:", "C-b", "R"]);
    // The agent held up until someone answers comes before the one that finished.
    wait_for("the menu", T, || env.capture("viewer").contains("a approve"));
    assert!(env.capture("viewer").contains("minder review scripted-asks"), "{}", env.capture("viewer"));
    // `a` on a question is refused: the person answers it (`y`), which is not an approval.
    env.tmux_out(&["send-keys", "-t", "=viewer:", "a"]);
    wait_for("the note prompt", T, || env.capture("viewer").contains("Note (optional"));
    env.tmux_out(&["send-keys", "-t", "=viewer:", "Enter"]);
    wait_for("the refusal", T, || env.capture("viewer").contains("asking a question"));
    assert_eq!(env.state("asks"), "waiting");
    env.tmux_out(&["send-keys", "-t", "=viewer:", "y"]);
    wait_for("answered", T, || env.capture("viewer").contains("Answered scripted-asks: yes"));
    env.wait_state("asks", "working", T);
    assert!(env.show("asks")["decision"].is_null(), "an answer decides nothing");
    // On to the next one that needs the person.
    env.tmux_out(&["send-keys", "-t", "=viewer:", "j"]);
    wait_for("the next session", T, || env.capture("viewer").contains("minder review cmd-finished"));

    // `t` on a session whose tmux session is gone shows its log instead of failing to attach.
    env.tmux_out(&["kill-session", "-t", "=cmd-finished"]);
    env.tmux_out(&["send-keys", "-t", "=viewer:", "t"]);
    wait_for("its log", T, || {
        let s = env.capture("viewer");
        s.contains("all done") && s.contains("its tmux session is gone")
    });
    env.tmux_out(&["send-keys", "-t", "=viewer:", "q"]);
    wait_for("back to the report", T, || env.capture("viewer").contains("a approve"));

    // A reject needs a note: Enter alone cancels.
    env.tmux_out(&["send-keys", "-t", "=viewer:", "r"]);
    wait_for("the reject prompt", T, || env.capture("viewer").contains("Note for the agent"));
    env.tmux_out(&["send-keys", "-t", "=viewer:", "Enter"]);
    wait_for("the cancel", T, || env.capture("viewer").contains("Not rejected."));
    assert_eq!(env.state("finished"), "review");
    env.tmux_out(&["send-keys", "-t", "=viewer:", "a"]);
    wait_for("the note prompt", T, || env.capture("viewer").contains("Note (optional"));
    env.tmux_out(&["send-keys", "-t", "=viewer:", "looks good", "Enter"]);
    env.wait_state("finished", "approved", T);
    wait_for("nothing left", T, || env.capture("viewer").contains("No other session needs you"));
    env.tmux_out(&["send-keys", "-t", "=viewer:", "x"]);
    wait_for("the popup to close", T, || !env.capture("viewer").contains("No other session needs you"));
    assert_eq!(env.state("busy"), "working");
}

/// `t` on a failed agent whose pane is dead but still in tmux takes the person there, to see
/// how it ended, rather than saying its session is gone.
#[test]
fn review_popup_t_goes_to_a_failed_agents_dead_pane() {
    let env = Env::new();
    server(&env);
    load(&env);
    env.run(&["new", "broken", "--", "sh", "-c", "echo it broke here; exit 3"]);
    env.wait_state("broken", "failed", T);
    attach_client(&env);
    env.tmux_out(&["send-keys", "-t", "=viewer:", "C-b", "R"]);
    wait_for("the menu", T, || env.capture("viewer").contains("minder review cmd-broken"));
    env.tmux_out(&["send-keys", "-t", "=viewer:", "t"]);
    wait_for("the client on the failed agent", T, || {
        env.tmux_out(&["list-clients", "-F", "#{session_name}"]).trim() == "cmd-broken"
    });
}

/// Stopping the agent session a client is on moves the client to another session rather than
/// out of tmux (`detach-on-destroy off`, on minder's sessions only).
#[test]
fn a_client_on_a_stopped_agent_moves_to_another_session() {
    let env = Env::new();
    server(&env);
    env.run(&["new", "busy", "--", "sleep", "30"]);
    attach_client(&env);
    let client = env.tmux_out(&["list-clients", "-F", "#{client_name}"]).trim().to_string();
    env.tmux_out(&["switch-client", "-c", &client, "-t", "=cmd-busy"]);
    wait_for("the client on the agent", T, || {
        env.tmux_out(&["list-clients", "-F", "#{session_name}"]).trim() == "cmd-busy"
    });
    env.run(&["stop", "busy"]);
    wait_for("the client on another session", T, || {
        let on = env.tmux_out(&["list-clients", "-F", "#{session_name}"]);
        !on.trim().is_empty() && on.trim() != "cmd-busy"
    });
    // The user's own session has no value of its own: it follows the global default.
    assert_eq!(
        env.tmux_out(&["show-options", "-t", "=user:", "-v", "detach-on-destroy"]).trim(),
        "",
        "the user's own sessions keep their setting"
    );
    assert_eq!(env.tmux_out(&["show-options", "-g", "-v", "detach-on-destroy"]).trim(), "on");
}

#[test]
fn without_a_binary_it_hints_and_changes_nothing() {
    let env = Env::new();
    server(&env);
    // A copy of the plugin with no build next to it, and a PATH with no minder.
    let copy = env.path("elsewhere/minder/tmux");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(plugin(), copy.join("minder.tmux")).unwrap();
    std::fs::copy(repo().join("tmux/quote.sh"), copy.join("quote.sh")).unwrap();
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["bash", "dirname", "tmux"] {
        symlink(which(tool), bin.join(tool)).unwrap();
    }
    let (options, hooks0, keys0) = (global_options(&env), hooks(&env), keys(&env));
    let out = load_with(&env, &copy.join("minder.tmux"), bin.to_str().unwrap());
    assert!(String::from_utf8_lossy(&out.stdout).contains("minder: binary not found"), "{out:?}");
    assert_eq!(diff(&options, &global_options(&env)), Vec::<String>::new());
    assert_eq!(hooks(&env), hooks0);
    assert_eq!(keys(&env), keys0);

    // A build next to the plugin is found: release first, then debug.
    let target = env.path("elsewhere/minder/target");
    for profile in ["debug", "release"] {
        std::fs::create_dir_all(target.join(profile)).unwrap();
        symlink(minder_bin(), target.join(profile).join("minder")).unwrap();
        env.tmux_out(&["set-option", "-gu", "@minder-bin"]);
        load_with(&env, &copy.join("minder.tmux"), bin.to_str().unwrap());
        let found = PathBuf::from(option(&env, "@minder-bin"));
        assert_eq!(found.canonicalize().unwrap(), target.join(profile).join("minder").canonicalize().unwrap());
    }
    assert_eq!(option(&env, "status-right"), STATUS_RIGHT_LOADED);
}

fn which(tool: &str) -> PathBuf {
    let name = if tool == "tmux" { tmux_bin() } else { tool.to_string() };
    if name.contains('/') {
        return PathBuf::from(name);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(&name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not on PATH"))
}

/// Source a login snippet the way a user's rc file does; returns stdout and the time taken.
fn login(env: &Env, shell: &[&str], snippet: &str, tmux: Option<&str>) -> (String, Duration) {
    let mut cmd = std::process::Command::new(shell[0]);
    cmd.args(&shell[1..])
        .arg(format!("source '{}'", repo().join("shell").join(snippet).display()))
        .env_clear()
        .envs(env.vars())
        .env("PATH", path_with_minder())
        .current_dir(env.work())
        .stdin(std::process::Stdio::null());
    if let Some(t) = tmux {
        cmd.env("TMUX", t);
    }
    let start = Instant::now();
    let out = cmd.output().unwrap();
    let took = start.elapsed();
    assert!(out.status.success(), "{shell:?} {snippet}: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), took)
}

#[test]
fn login_snippet_prints_the_summary_outside_tmux_only() {
    let bash: &[&str] = &["bash", "--norc", "-i", "-c"];
    let env = Env::new();
    assert_eq!(login(&env, bash, "minder.bash", None).0, "", "no agents: nothing");
    env.run(&["new", "billing", "--", "sleep", "30"]);
    let (line, took) = login(&env, bash, "minder.bash", None);
    assert_eq!(line, "minder: 1 working — minder attach\n");
    assert_eq!(login(&env, bash, "minder.bash", Some("/tmp/tmux-1/default,1,0")).0, "", "inside tmux: nothing");

    // What the snippet adds to starting a shell (reported, not asserted: machines differ).
    let empty = env.path("empty.sh");
    std::fs::write(&empty, "").unwrap();
    let mut cmd = std::process::Command::new("bash");
    cmd.args(bash[1..].iter()).arg(format!("source '{}'", empty.display())).env_clear().envs(env.vars());
    let start = Instant::now();
    cmd.output().unwrap();
    eprintln!("bash login: {took:?} with the minder snippet, {:?} without", start.elapsed());

    for (shell, snippet) in [(&["zsh", "-i", "-c"][..], "minder.zsh"), (&["fish", "-i", "-c"][..], "minder.fish")] {
        if std::process::Command::new(shell[0]).arg("--version").output().is_err() {
            common::missing_tool(&format!("{} is not installed: {snippet} was not run", shell[0]));
            continue;
        }
        let (line, took) = login(&env, shell, snippet, None);
        assert_eq!(line, "minder: 1 working — minder attach\n", "{snippet}");
        assert_eq!(login(&env, shell, snippet, Some("/tmp/tmux-1/default,1,0")).0, "", "{snippet} inside tmux");
        eprintln!("{} login: {took:?} with the minder snippet", shell[0]);
    }
}

#[test]
fn shipped_completions_and_man_page_match_the_binary() {
    let env = Env::new();
    for (args, file) in [
        (&["completions", "bash"][..], "completions/minder.bash"),
        (&["completions", "zsh"], "completions/_minder"),
        (&["completions", "fish"], "completions/minder.fish"),
        (&["man"], "man/minder.1"),
    ] {
        let generated = env.run(args);
        let shipped = std::fs::read_to_string(repo().join("shell").join(file)).unwrap_or_default();
        assert!(
            shipped == generated,
            "shell/{file} is out of date with `minder {}`: run shell/regen-completions.sh",
            args.join(" ")
        );
    }
}

#[test]
fn the_man_page_renders_every_command_without_warnings() {
    let page = repo().join("shell/man/minder.1");
    // groff itself is what checks the roff; without it there is nothing to render with.
    if std::process::Command::new("groff").arg("--version").output().is_err() {
        common::missing_tool("groff is not installed: the man page was not rendered");
        return;
    }
    // -k: UTF-8 input (as man feeds it), -ww: every warning, -z: no output but the warnings.
    let check = std::process::Command::new("groff").args(["-k", "-man", "-ww", "-z"]).arg(&page).output().unwrap();
    assert!(check.status.success() && check.stderr.is_empty(), "groff: {}", String::from_utf8_lossy(&check.stderr));
    let text =
        std::process::Command::new("groff").args(["-k", "-man", "-Tutf8", "-P-cbou"]).arg(&page).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    // Every command a person types has its section, with its options; internal ones have none.
    for sub in [
        "new",
        "ls",
        "show",
        "attach",
        "logs",
        "send",
        "stop",
        "rm",
        "review",
        "explain",
        "answer",
        "approve",
        "reject",
        "gc",
        "restore",
        "doctor",
        "wait",
        "dash",
        "completions",
        "man",
    ] {
        assert!(text.contains(&format!("minder {sub}\n")), "no section for `minder {sub}`:\n{text}");
    }
    assert!(text.contains("--until") && text.contains("--keep-logs"), "{text}");
    assert!(!text.contains("_sink") && !text.contains("_names"), "internal commands are not documented");
}

/// Two sessions in a fresh state dir: `cmd-fix-login` and `cmd-docs`.
fn two_sessions() -> Env {
    let env = Env::new();
    env.run(&["new", "fix-login", "--", "sleep", "60"]);
    env.run(&["new", "docs", "--", "sleep", "60"]);
    env
}

/// What bash's completion offers for each line (the last word is the one being completed),
/// through the function the shipped script registers for `minder`, with `minder` on PATH.
fn bash_completions(env: &Env, lines: &[&[&str]]) -> Vec<String> {
    let script = r#"
source "$1"; shift
spec=$(complete -p minder) || exit 1
fn=$(sed -E 's/.* -F ([^ ]+) .*/\1/' <<<"$spec")
for line in "$@"; do
    eval "COMP_WORDS=($line)"
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    "$fn" minder "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    echo "${COMPREPLY[*]}"
done
"#;
    let quoted: Vec<String> =
        lines.iter().map(|words| words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" ")).collect();
    let out = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script, "bash"])
        .arg(repo().join("shell/completions/minder.bash"))
        .args(&quoted)
        .env_clear()
        .envs(env.vars())
        .env("PATH", path_with_minder())
        .current_dir(env.work())
        .output()
        .unwrap();
    assert!(out.status.success(), "bash: {}", String::from_utf8_lossy(&out.stderr));
    let got: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(got.len(), lines.len(), "{got:?}");
    got
}

#[test]
fn bash_completes_session_names_where_a_command_takes_one() {
    let env = two_sessions();
    std::fs::write(env.work().join("notes.txt"), "").unwrap();
    let both = "cmd-docs cmd-fix-login";
    let cases: &[(&[&str], &str)] = &[
        (&["minder", "show", ""], both),
        (&["minder", "show", "cmd-f"], "cmd-fix-login"),
        // By its task, as every command accepts it.
        (&["minder", "show", "fix"], "fix-login"),
        (&["minder", "-L", "other", "attach", ""], both),
        (&["minder", "--color", "never", "stop", "d"], "docs"),
        (&["minder", "logs", "-n", "5", ""], both),
        (&["minder", "rm", "--force", ""], both),
        (&["minder", "review", "c"], both),
        (&["minder", "approve", "--note", "ok", ""], both),
        (&["minder", "reject", "cmd-d"], "cmd-docs"),
        (&["minder", "wait", "cmd-docs", ""], both),
        (&["minder", "wait", "--until", "review", "--timeout", "5m", ""], both),
        (&["minder", "wait", "--until", "=", "review", ""], both),
        (&["minder", "restore", "cmd-docs", "c"], both),
        (&["minder", "send", "cmd-"], both),
        // The rest is clap's completion, as before.
        (&["minder", "show", "--j"], "--json"),
        (&["minder", "sh"], "show"),
        (&["minder", "stat"], "status-line"),
    ];
    let lines: Vec<&[&str]> = cases.iter().map(|(l, _)| *l).collect();
    for ((line, want), got) in cases.iter().zip(bash_completions(&env, &lines)) {
        assert_eq!(got, *want, "{line:?}");
    }
    // Not a NAME: an option's value, a command's TEXT, a new session's name, a second NAME.
    let not_names: &[&[&str]] = &[
        &["minder", "approve", "--note", ""],
        &["minder", "send", "cmd-docs", ""],
        &["minder", "new", ""],
        &["minder", "show", "cmd-docs", ""],
        &["minder", "ls", ""],
        &["minder", "wait", "--until", ""],
    ];
    for (line, got) in not_names.iter().zip(bash_completions(&env, not_names)) {
        assert!(!got.contains("cmd-"), "{line:?} offered session names: {got}");
    }
}

#[test]
fn zsh_completes_session_names_through_its_completion_system() {
    if std::process::Command::new("zsh").arg("--version").output().is_err() {
        common::missing_tool("zsh is not installed: its completion was not run");
        return;
    }
    let env = two_sessions();
    let fpath = env.path("zsh-functions");
    std::fs::create_dir_all(&fpath).unwrap();
    std::fs::copy(repo().join("shell/completions/_minder"), fpath.join("_minder")).unwrap();
    // A real interactive zsh in a pseudo-terminal (zpty) with compinit: type, press TAB, read
    // the line back once it shows what is wanted (or give up after 15 s).
    let script = r#"
zmodload zsh/zpty
setopt extended_glob
zpty z zsh -f -i
zpty -w z "PS1='' PROMPT_EOL_MARK=''; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; print READY"
zpty -r -m z line '*READY*'; zpty -r -m z line '*READY*'
shift
for case in "$@"; do
    typed=${case%%=>*} want=${case#*=>}
    zpty -w -n z "$typed"$'\t'
    out="" start=$SECONDS
    while (( SECONDS - start < 15 )); do
        zpty -r -t z chunk && out+=$chunk || sleep 0.05
        [[ ${out//$'\e'\[[0-9;?]#[a-zA-Z]/} == *"$want"* ]] && break
    done
    [[ ${out//$'\e'\[[0-9;?]#[a-zA-Z]/} == *"$want"* ]] && print -r "ok: $typed" || print -r "FAILED: [$typed] wanted [$want], screen: ${(q+)out}"
    zpty -w -n z $'\C-u'; sleep 0.2; while zpty -r -t z chunk; do :; done
done
zpty -d z
"#;
    let cases = [
        "minder show cmd-f=>minder show cmd-fix-login ",
        "minder show fix=>minder show fix-login ",
        "minder wait --until review cmd-docs cmd-f=>cmd-docs cmd-fix-login ",
        "minder approve --note ok cmd-d=>approve --note ok cmd-docs ",
        // Not a NAME: the option's value is left to clap's completion (nothing for TEXT).
        "minder show --js=>minder show --json ",
    ];
    let out = std::process::Command::new("zsh")
        .args(["-f", "-c", script, "zsh"])
        .arg(&fpath)
        .args(cases)
        .env_clear()
        .envs(env.vars())
        .env("PATH", path_with_minder())
        .current_dir(env.work())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.lines().count() == cases.len() && !said.contains("FAILED"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fish_completes_session_names() {
    if std::process::Command::new("fish").arg("--version").output().is_err() {
        common::missing_tool("fish is not installed: its completion was not run");
        return;
    }
    let env = two_sessions();
    let complete = |line: &str| -> Vec<String> {
        let out = std::process::Command::new("fish")
            .args(["--no-config", "-c", "source $argv[1]; complete -C $argv[2]"])
            .arg(repo().join("shell/completions/minder.fish"))
            .arg(line)
            .env_clear()
            .envs(env.vars())
            .env("PATH", path_with_minder())
            .current_dir(env.work())
            .output()
            .unwrap();
        assert!(out.status.success(), "fish: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split('\t').next().unwrap().to_string()).collect()
    };
    assert_eq!(complete("minder show "), ["cmd-docs", "cmd-fix-login"]);
    assert_eq!(complete("minder logs -n 5 cmd-f"), ["cmd-fix-login"]);
    assert_eq!(complete("minder wait cmd-docs "), ["cmd-docs", "cmd-fix-login"]);
    assert_eq!(complete("minder stop fix"), ["fix-login"]);
    assert!(!complete("minder approve --note ").iter().any(|c| c.starts_with("cmd-")));
    assert!(!complete("minder send cmd-docs ").iter().any(|c| c.starts_with("cmd-")));
}

#[test]
fn the_top_level_entry_file_is_what_tpm_runs() {
    // TPM runs every *.tmux file at the top of the plugin's repository.
    let top = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("minder.tmux");
    let text = std::fs::read_to_string(&top).unwrap();
    assert!(text.contains("tmux/minder.tmux"));
    use std::os::unix::fs::PermissionsExt;
    assert!(std::fs::metadata(&top).unwrap().permissions().mode() & 0o111 != 0);
}
