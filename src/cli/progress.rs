//! Terminal progress for long runs (simulated time, events/s, ETA), drawn only when stderr is
//! a terminal and `--quiet`/`--json` are off, and the wall-clock timestamp for results.

use std::io::IsTerminal;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::sim::Progress;
use crate::time::SimTime;

/// A progress bar over simulated seconds, or nothing.
pub struct Bar {
    bar: Option<ProgressBar>,
    start: std::time::Instant,
}

impl Bar {
    /// A bar for a run of `duration`; hidden when `silent` or stderr is not a terminal.
    pub fn new(duration: SimTime, silent: bool) -> Self {
        let bar = (!silent && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(duration.0 / 1_000_000), ProgressDrawTarget::stderr_with_hz(8));
            b.set_style(
                ProgressStyle::with_template("{spinner} [{bar:40}] {msg} sim {pos}/{len} s, ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.enable_steady_tick(Duration::from_millis(250));
            b
        });
        Bar { bar, start: std::time::Instant::now() }
    }

    /// Moves the bar.
    pub fn update(&mut self, p: Progress) {
        if let Some(b) = &self.bar {
            b.set_position(p.now.0 / 1_000_000);
            let rate = p.events as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
            b.set_message(format!("{:.2} M events/s", rate / 1e6));
        }
    }

    /// Clears the bar.
    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// Now as RFC 3339 UTC, e.g. `2026-11-26T05:49:12Z`.
pub fn rfc3339_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}
