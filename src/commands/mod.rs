//! One module per subcommand: its `Args` (the doc comment is the help) and its `run`. A command
//! never calls another command; what two commands share lives in `ops/`.

pub mod answer;
pub mod apply;
pub mod approve;
pub mod attach;
pub mod check;
pub mod completions;
pub mod dash;
pub mod demo;
pub mod doctor;
pub mod exec;
pub mod explain;
pub mod gc;
pub mod git_hook;
pub mod grep;
pub mod hosts;
pub mod logs;
pub mod ls;
pub mod man;
pub mod names;
pub mod new;
pub mod notify;
pub mod pane_died;
pub mod reject;
pub mod restore;
pub mod review;
pub mod rm;
pub mod send;
pub mod serve;
pub mod show;
pub mod sink;
pub mod status_line;
pub mod stop;
pub mod tell;
pub mod wait;
pub mod watch_host;
