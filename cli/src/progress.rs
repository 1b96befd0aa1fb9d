//! Progress displays: the import bar and the background-work display shown while the tool waits
//! for seals, index builds and merges.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use kiln::{Collection, CollectionStats};

use crate::table;

/// How often displays poll `Collection::stats`.
pub const POLL: Duration = Duration::from_millis(150);

/// A bar style, falling back to the default if the template were ever invalid.
pub fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// The bar of `kiln import`: rows, rate and ETA.
pub fn import_bar(rows: u64) -> ProgressBar {
    let bar = ProgressBar::new(rows);
    bar.set_style(style(
        "{spinner} import [{bar:32}] {human_pos}/{human_len} rows  {msg}  eta {eta}",
    ));
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Rows still waiting for background work (seal or index build).
pub fn pending_rows(s: &CollectionStats) -> u64 {
    (s.rows_pending_seal + s.rows_pending_indexing) as u64
}

/// One short line describing the background work.
pub fn background_message(s: &CollectionStats) -> String {
    format!(
        "{} rows to index · {} jobs · {} built · {} merged, {} due",
        table::count_usize(s.rows_pending_seal + s.rows_pending_indexing),
        s.jobs_running,
        s.indexes_built,
        s.merges_done,
        s.pending_merges,
    )
}

/// A bar over the rows waiting for background work: its length is the most ever seen pending,
/// its position how many of those are done.
pub struct BackgroundBar {
    bar: ProgressBar,
    most: u64,
}

impl BackgroundBar {
    /// A new bar labelled `label`.
    pub fn new(label: &str) -> Self {
        let bar = ProgressBar::new(1);
        bar.set_style(style(&format!(
            "{{spinner}} {label} [{{bar:12}}] {{elapsed}}  {{wide_msg}}"
        )));
        bar.enable_steady_tick(Duration::from_millis(200));
        BackgroundBar { bar, most: 0 }
    }

    /// The same bar inside a multi-progress display.
    pub fn wrap(bar: ProgressBar) -> Self {
        BackgroundBar { bar, most: 0 }
    }

    /// Redraw from `s`.
    pub fn update(&mut self, s: &CollectionStats) {
        let pending = pending_rows(s);
        self.most = self.most.max(pending).max(1);
        self.bar.set_length(self.most);
        self.bar.set_position(self.most - pending);
        self.bar.set_message(background_message(s));
    }

    /// The bar.
    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Remove the bar from the screen.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Run `work` on a thread while a background-work display follows `c`'s stats; return its
/// result.
pub fn watch_background<T: Send>(
    c: &Collection,
    label: &str,
    work: impl FnOnce() -> kiln::Result<T> + Send,
) -> kiln::Result<T> {
    let mut bar = BackgroundBar::new(label);
    let start = Instant::now();
    let result = std::thread::scope(|scope| {
        let handle = scope.spawn(work);
        while !handle.is_finished() {
            bar.update(&c.stats());
            std::thread::sleep(POLL.min(Duration::from_millis(20) + start.elapsed() / 4));
        }
        handle.join()
    });
    bar.finish();
    match result {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
