//! When the database cannot be used at all (not `SQLite`, damaged, or
//! another Sitless records into it), the window still opens and says so,
//! instead of a terminal message nobody sees. The file is never touched;
//! the user can start a new database beside it, or try again.

use std::path::{Path, PathBuf};

use crate::store::StoreError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartupProblem {
    pub db: PathBuf,
    pub message: String,
    /// What the user can do about it, in a sentence.
    pub advice: String,
    /// A new database beside it makes sense (not when it is merely in use).
    pub offer_new: bool,
}

impl StartupProblem {
    pub fn of(db: &Path, e: &anyhow::Error) -> Self {
        let store = e.downcast_ref::<StoreError>();
        let (advice, offer_new) = match store {
            Some(StoreError::InUse { .. }) => (
                "Close the other Sitless window (or `sitless record`), then try again.".to_owned(),
                false,
            ),
            Some(StoreError::NotSqlite { .. } | StoreError::Damaged { .. }) => (
                "Sitless has not changed this file. Start a new, empty database beside it; \
                 the old file stays where it is, to keep or to repair (for example with \
                 `sqlite3 FILE .recover`)."
                    .to_owned(),
                true,
            ),
            _ => (
                "Check that the folder exists and can be written, then try again, or start \
                 a new database beside it."
                    .to_owned(),
                true,
            ),
        };
        Self {
            db: db.to_owned(),
            message: crate::domain::error_words::error_words(e.as_ref()),
            advice,
            offer_new,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StartupAction {
    TryAgain,
    /// Start on a new, empty database beside the old one (its free name is
    /// chosen off the window's thread).
    NewDatabase,
    Quit,
}

/// A free file name beside `db`, stamped with the local time: the old file
/// is never reused or overwritten.
pub(crate) fn path_beside(db: &Path, stamp: &str) -> PathBuf {
    let stem = db
        .file_stem()
        .map_or_else(|| "sitless".into(), |s| s.to_string_lossy().into_owned());
    let dir = db.parent().unwrap_or_else(|| Path::new(""));
    (1..=999)
        .map(|n| {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            dir.join(format!("{stem}-new-{stamp}{suffix}.db"))
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}-new.db")))
}

pub(crate) fn startup_problem_ui(
    ui: &mut egui::Ui,
    problem: &StartupProblem,
) -> Option<StartupAction> {
    let mut action = None;
    ui.add_space(24.0);
    ui.heading("Sitless cannot open its database");
    ui.add_space(8.0);
    ui.colored_label(ui.visuals().error_fg_color, &problem.message);
    ui.add_space(4.0);
    ui.label(&problem.advice);
    ui.add_space(12.0);
    ui.horizontal(|ui| {
        if problem.offer_new {
            let stem = problem
                .db
                .file_stem()
                .map_or_else(|| "sitless".into(), |n| n.to_string_lossy().into_owned());
            if ui
                .button("Start a new database beside it")
                .on_hover_text(format!(
                    "Creates {stem}-new-DATE-TIME.db in the same folder; the old file stays as it is"
                ))
                .clicked()
            {
                action = Some(StartupAction::NewDatabase);
            }
        }
        if ui.button("Try again").clicked() {
            action = Some(StartupAction::TryAgain);
        }
        if ui.button("Quit").clicked() {
            action = Some(StartupAction::Quit);
        }
    });
    action
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_never_reuses_an_existing_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sitless.db");
        let first = path_beside(&db, "20261124-0930");
        assert_eq!(first, dir.path().join("sitless-new-20261124-0930.db"));
        std::fs::write(&first, b"x").unwrap();
        assert_eq!(
            path_beside(&db, "20261124-0930"),
            dir.path().join("sitless-new-20261124-0930-2.db")
        );
    }

    #[test]
    fn a_database_in_use_offers_no_new_file() {
        let e = anyhow::Error::new(StoreError::InUse {
            path: PathBuf::from("a.db"),
        });
        let p = StartupProblem::of(Path::new("a.db"), &e);
        assert!(!p.offer_new);
        assert!(p.message.contains("already recording"), "{}", p.message);
    }
}
