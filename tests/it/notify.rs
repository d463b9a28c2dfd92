//! `[notify]`: the command runs once per transition listed in `on`, without a shell, with the
//! MINDER_* variables, never blocking the sink, killed at its deadline; the desktop escape
//! reaches an attached client's terminal. Against real tmux.

use crate::common::{self, agent, wait_for, Env, T};
use std::time::{Duration, Instant};

const SCRIPTED: &str = "[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run the following command\"]\nworking = [\"esc to interrupt\"]\n";

fn notify_log(env: &Env, name: &str) -> String {
    std::fs::read_to_string(env.state_dir().join("sessions").join(name).join("notify.log")).unwrap_or_default()
}

#[test]
fn the_command_runs_once_per_listed_transition_with_the_variables() {
    let env = Env::new();
    let out = env.path("told.txt");
    let line = "printf '%s|%s|%s|%s|%s\\n' \"$MINDER_SESSION\" \"$MINDER_STATE\" \"$MINDER_DETAIL\" \"$MINDER_PREVIOUS_STATE\" \"$MINDER_MESSAGE\" >> \"$0\"";
    env.config(&format!(
        "[notify]\non = [\"waiting\", \"review\"]\ncommand = [\"sh\", \"-c\", {line:?}, {:?}]\n{SCRIPTED}",
        out.display().to_string()
    ));
    env.run(&["new", "ap", "-a", "scripted", "--", agent("approver.sh").as_str(), "1"]);
    env.wait_state("ap", "waiting", T);
    wait_for("the waiting told", T, || std::fs::read_to_string(&out).unwrap_or_default().lines().count() == 1);
    env.run(&["send", "ap", "y"]);
    env.wait_state("ap", "review", T);
    wait_for("the review told", T, || std::fs::read_to_string(&out).unwrap_or_default().lines().count() >= 2);
    // A pause on purpose: a second teller (the sink, the hook, the supervisor, a command) has
    // its chance to tell again.
    std::thread::sleep(Duration::from_millis(1500));
    env.run(&["ls"]);
    let told = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        told.lines().collect::<Vec<_>>(),
        [
            "scripted-ap|waiting|approval|working|scripted-ap waits for your approval",
            "scripted-ap|review||working|scripted-ap is done: review it",
        ],
        "once per transition into a listed state, not for `working`"
    );
    let log = notify_log(&env, "scripted-ap");
    assert_eq!(log.lines().filter(|l| l.ends_with("ok")).count(), 2, "{log}");
}

#[test]
fn a_command_that_hangs_fails_or_is_missing_is_logged_and_blocks_nothing() {
    let env = Env::new();
    let cases = [
        ("hangs", "[\"sleep\", \"30\"]", "killed: still running after 0.3s"),
        ("fails", "[\"sh\", \"-c\", \"echo oops >&2; exit 4\"]", "failed (exit status: 4): oops"),
        ("missing", "[\"/no/such/notifier\"]", "cannot run `/no/such/notifier`"),
    ];
    for (task, command, logged) in cases {
        env.config(&format!(
            "[notify]\non = [\"failed\", \"waiting\"]\ncommand = {command}\ndeadline = \"300ms\"\n{SCRIPTED}"
        ));
        // Fails, then (a second run) asks for approval: a hanging notifier must not delay it.
        env.run(&["new", task, "-a", "scripted", "--", "sh", "-c", "echo working; exit 3"]);
        let name = format!("scripted-{task}");
        env.wait_state(task, "failed", T);
        wait_for(&format!("{task}: logged"), T, || notify_log(&env, &name).contains(logged));
        assert_eq!(notify_log(&env, &name).lines().count(), 1, "{}", notify_log(&env, &name));
    }
    // The sink is not held up by a notifier that hangs: the next state shows at once.
    env.config(&format!(
        "[notify]\non = [\"working\", \"waiting\"]\ncommand = [\"sleep\", \"30\"]\ndeadline = \"2s\"\n{SCRIPTED}"
    ));
    let start = Instant::now();
    env.run(&["new", "slow", "-a", "scripted", "--", agent("approver.sh").as_str(), "1"]);
    env.wait_state("slow", "waiting", T);
    assert!(start.elapsed() < Duration::from_secs(4), "waiting took {:?}", start.elapsed());
}

#[test]
fn desktop_notifications_reach_the_attached_clients_terminal() {
    let env = Env::new();
    env.tmux_out(&["new-session", "-d", "-s", "user", "-x", "150", "-y", "20", "sleep 300"]);
    let (mut client, typescript) = common::attach_through_script(&env, "user");
    env.config(&format!("[notify]\non = [\"waiting\"]\ndesktop = true\n{SCRIPTED}"));
    env.run(&["new", "dk", "-a", "scripted", "--", agent("approver.sh").as_str()]);
    env.wait_state("dk", "waiting", T);
    let osc9 = "\x1b]9;minder: scripted-dk waits for your approval\x07";
    let osc777 = "\x1b]777;notify;minder;scripted-dk waits for your approval\x07";
    wait_for("both escapes on the client's terminal", T, || {
        let seen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap_or_default()).to_string();
        seen.contains(osc9) && seen.contains(osc777)
    });
    env.tmux_out(&["detach-client", "-s", "=user"]);
    client.wait().unwrap();
    let seen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).to_string();
    assert_eq!(seen.matches(osc9).count(), 1, "once for the one transition");
}
