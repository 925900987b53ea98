//! The saving banner: shown on every view while the database refuses
//! writes, and briefly after saving works again. Samples are never thrown
//! away silently, so the user is told how much waits in memory.

use std::fmt::Write as _;

use crate::domain::days::format_duration;
use crate::engine::protocol::StorageProblem;
use crate::store::WriteFault;
use crate::store::writer::MAX_BUFFERED_ROWS;

/// Why saving failed, in the user's words.
pub(crate) fn fault_words(fault: WriteFault) -> &'static str {
    match fault {
        WriteFault::ReadOnly => "the database cannot be written (read-only file or folder)",
        WriteFault::Full => "the disk is full",
        WriteFault::Damaged => "the database file is damaged",
        WriteFault::Busy => "the database is busy",
        WriteFault::Other => "the database refused the write",
    }
}

/// What the banner says: first line the problem, second what happens now.
pub(crate) fn storage_text(p: &StorageProblem) -> (String, String) {
    let mut what = format!(
        "{} of data wait in memory and will be saved as soon as the database can be written again.",
        format_duration(p.buffered_s as i64)
    );
    if p.dropped_s > 0 {
        let _ = write!(
            what,
            " The memory buffer holds {}; the oldest {} had to be given up.",
            format_duration(MAX_BUFFERED_ROWS as i64),
            format_duration(p.dropped_s as i64)
        );
    }
    (format!("Not saving: {}.", fault_words(p.fault)), what)
}

pub(crate) fn storage_banner_ui(ui: &mut egui::Ui, problem: &StorageProblem) {
    let (headline, detail) = storage_text(problem);
    egui::Frame::group(ui.style())
        .fill(ui.visuals().extreme_bg_color)
        .show(ui, |ui| {
            ui.colored_label(
                ui.visuals().error_fg_color,
                egui::RichText::new(headline).strong(),
            );
            ui.label(detail);
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::WriteFault;

    #[test]
    fn the_banner_says_what_waits_and_what_was_given_up() {
        let mut p = StorageProblem {
            fault: WriteFault::Full,
            buffered_s: 125,
            dropped_s: 0,
        };
        let (h, d) = storage_text(&p);
        assert_eq!(h, "Not saving: the disk is full.");
        assert!(d.starts_with("2 min of data wait in memory"), "{d}");
        assert!(!d.contains("given up"));
        p.dropped_s = 3 * 3600;
        assert!(
            storage_text(&p)
                .1
                .ends_with("the oldest 3 h 00 min had to be given up.")
        );
    }
}
