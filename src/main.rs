// minder's own C `main`, not Rust's `fn main`: see `main` below.
#![no_main]

use clap::Parser;
use std::io::Write;

/// The entry point, called by the C runtime. Rust's usual start-up before `fn main` reads
/// /proc/self/maps to find the main thread's stack (for its stack-overflow message): about
/// 0.12 ms of every start, and minder is started three times for every `new` (itself, the
/// pane's supervisor, the log sink) and once for every hook and popup. What minder needs of that
/// start-up is done here: SIGPIPE is ignored, so a closed pipe is an error minder handles
/// (`minder logs x | head`) and its children still get the default (std resets it when it
/// spawns); a panic that unwinds (debug builds) exits 101 as it would from `fn main`; and
/// minder ends through `std::process::exit`, which flushes stdout.
#[no_mangle]
pub extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // SAFETY: setting a signal's disposition to SIG_IGN before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let code = match std::panic::catch_unwind(run) {
        Ok(()) => 0,
        Err(_) => 101,
    };
    std::process::exit(code)
}

fn run() {
    // Started as the agent's `git` (a symlink under the state dir): the push gate's shim.
    if let Some(code) = minder::git::shim::dispatch() {
        std::process::exit(code);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let early = minder::cli::EarlyNew::start(&args);
    let parsed = match minder::cli::Cli::internal(&args) {
        Some(cli) => Ok(cli),
        None => minder::cli::Cli::try_parse_from(args),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    init_tracing(cli.verbose);
    if let Err(err) = minder::cli::dispatch(cli, early) {
        // `minder logs x | head`: a closed pipe is not an error.
        if err.chain().any(|c| {
            c.downcast_ref::<std::io::Error>().map(|e| e.kind() == std::io::ErrorKind::BrokenPipe).unwrap_or(false)
        }) {
            std::process::exit(0);
        }
        let code = minder::error::exit_code(&err);
        if let Some(exit) = err.downcast_ref::<minder::error::Exit>() {
            if exit.message.is_none() {
                std::process::exit(code);
            }
        }
        // An error may carry text from outside (tmux's or git's words, a path): it reaches
        // the terminal with its control characters shown, not obeyed.
        let text = minder::error::one_line(&err);
        let _ = writeln!(std::io::stderr(), "error: {}", minder::render::sanitize::for_terminal(&text));
        std::process::exit(code);
    }
}

fn init_tracing(verbose: u8) {
    let filter = match std::env::var("MINDER_LOG") {
        Ok(f) if !f.is_empty() => f,
        _ => match verbose {
            0 => return,
            1 => "minder=info".into(),
            _ => "minder=debug".into(),
        },
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}
