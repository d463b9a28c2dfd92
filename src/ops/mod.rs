//! Operations the commands share: starting, stopping, removing and restoring sessions,
//! delivering text, reconciling records with tmux, applying evidence, pushing the status segment.

pub mod agent_env;
pub mod apply;
pub mod attach;
pub mod checks;
pub mod decision;
pub mod deliver;
pub mod evidence;
pub mod explain;
pub mod fence;
pub mod grep;
pub mod inside;
pub mod listing;
pub mod present;
pub mod reconcile;
pub mod remote;
pub mod remote_status;
pub mod remove;
pub mod restore;
pub mod review;
pub mod start;
pub mod status_push;
pub mod stop;
pub mod tell;
pub mod transitions;
pub mod usage;
