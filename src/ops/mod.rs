//! Operations the commands share: starting, stopping, removing and restoring sessions,
//! delivering text, reconciling records with tmux, applying evidence, pushing the status segment.

pub mod evidence;
pub mod present;
pub mod reconcile;
pub mod status_push;
