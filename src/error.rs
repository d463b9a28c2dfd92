//! The few typed errors main needs to pick an exit code; everything else is `anyhow`.

use std::fmt;

/// Bad usage or config: exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A command that ends with a specific exit code and (optionally) no message, e.g. `wait`'s 124.
#[derive(Debug)]
pub struct Exit {
    pub code: i32,
    pub message: Option<String>,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => f.write_str(m),
            None => write!(f, "exit {}", self.code),
        }
    }
}

impl std::error::Error for Exit {}

/// The exit code for an error: 2 for usage errors, the carried code for `Exit`, else 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.downcast_ref::<UsageError>().is_some() {
        return 2;
    }
    if let Some(exit) = err.downcast_ref::<Exit>() {
        return exit.code;
    }
    if err.downcast_ref::<clap::Error>().is_some() {
        return 2;
    }
    1
}

/// Shorthand: `return Err(usage!("..."))`.
#[macro_export]
macro_rules! usage {
    ($($arg:tt)*) => { anyhow::Error::from($crate::error::UsageError(format!($($arg)*))) };
}

/// `println!` that returns the write error instead of panicking, so a closed pipe
/// (`minder ls | head`) ends the command quietly with exit 0.
#[macro_export]
macro_rules! outln {
    () => { { use std::io::Write as _; writeln!(std::io::stdout())?; } };
    ($($arg:tt)*) => { { use std::io::Write as _; writeln!(std::io::stdout(), $($arg)*)?; } };
}

/// `print!` counterpart of [`outln!`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { { use std::io::Write as _; write!(std::io::stdout(), $($arg)*)?; } };
}

/// An error as one line, as minder prints it: the outermost message, then the causes that add
/// something.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
