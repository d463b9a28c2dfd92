//! How times are written for a person: short, in the largest unit that fits.

use chrono::{DateTime, Utc};

/// "3s", "5m", "2h", "4d": how long ago, for tables.
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    age((now - t).num_seconds())
}

/// "45s", "3m", "2h", "4d": how long, in the largest unit that fits.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}
