//! The built-in demo agent: a scripted stand-in for a coding agent (no network, no API key) that
//! walks through the whole flow minder watches — it plans, shows progress, writes checkpoint
//! files into `$MINDER_DIR`, asks for approval the way Codex does, and ends with a risk summary.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

const STEPS: &[&str] =
    &["Read the code around the goal", "Write a failing test", "Make the change", "Run the test suite"];

struct Demo {
    dir: Option<PathBuf>,
    pause: Duration,
}

impl Demo {
    fn write(&self, file: &str, text: &str) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(dir.join(file), text);
        }
    }

    fn plan(&self, done: usize) -> String {
        let mut s = String::from("# Plan\n\n");
        for (i, step) in STEPS.iter().enumerate() {
            s.push_str(&format!("- [{}] {step}\n", if i < done { 'x' } else { ' ' }));
        }
        s
    }

    fn sleep(&self, factor: f32) {
        std::thread::sleep(self.pause.mul_f32(factor));
    }

    /// A progress bar redrawn in place with `\r`, as cargo and git do.
    fn progress(&self, label: &str) {
        let mut out = std::io::stdout();
        for pct in (0..=100).step_by(20) {
            let bar = "#".repeat(pct / 10) + &" ".repeat(10 - pct / 10);
            let _ = write!(out, "\r  {label} [{bar}] {pct:>3}%  \x1b[2m(esc to interrupt)\x1b[0m\x1b[K");
            let _ = out.flush();
            self.sleep(0.1);
        }
        let _ = writeln!(out, "\r  {label} [##########] done\x1b[K");
    }
}

pub fn run(resume: bool, brief: &[String]) -> anyhow::Result<()> {
    let pause_ms = std::env::var("MINDER_DEMO_DELAY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let demo = Demo { dir: std::env::var_os("MINDER_DIR").map(PathBuf::from), pause: Duration::from_millis(pause_ms) };
    let mut out = std::io::stdout();
    println!("\x1b[1mminder demo agent\x1b[0m — a scripted stand-in for a coding agent (no network)");
    if !brief.is_empty() {
        println!("brief: {}", brief.join(" "));
    }
    if resume {
        println!("resuming the previous run…");
    } else {
        println!("\nPlanning…");
        demo.write("PLAN.md", &demo.plan(0));
        demo.sleep(1.0);
        for (i, step) in STEPS.iter().enumerate().take(3) {
            println!("\x1b[36m•\x1b[0m {step}");
            demo.progress("working");
            demo.write("PLAN.md", &demo.plan(i + 1));
            demo.write("STATUS.md", &format!("# Status\n\nDone: {step}.\nNext: {}.\n", STEPS[i + 1]));
        }
        println!();
        println!("\x1b[1mWould you like to run the following command?\x1b[0m");
        println!();
        println!("  $ cargo test --all");
        println!();
        print!("Press enter to confirm or esc to cancel ");
        let _ = out.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if answer.contains('\x1b') || answer.trim().eq_ignore_ascii_case("n") {
            println!("\ncancelled: not running the tests.");
            demo.write("STATUS.md", "# Status\n\nThe person declined the test run.\n");
        } else {
            println!("\n\x1b[36m•\x1b[0m {}", STEPS[3]);
            demo.progress("testing");
            let report = "running 12 tests\n............\ntest result: ok. 12 passed; 0 failed\n";
            print!("{report}");
            if let Some(dir) = &demo.dir {
                let _ = std::fs::create_dir_all(dir.join("artifacts"));
                let _ = std::fs::write(dir.join("artifacts/test-output.txt"), report);
            }
            demo.write("PLAN.md", &demo.plan(4));
        }
    }
    demo.write(
        "RISKS.md",
        "# Risks\n\n- Low: the change is small and covered by a new test.\n- Nothing was pushed or deployed.\n",
    );
    demo.write("STATUS.md", "# Status\n\nFinished. See RISKS.md.\n");
    println!("\nDone. Risk summary written to RISKS.md; nothing was pushed.");
    Ok(())
}
