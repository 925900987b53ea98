//! Moving data in and out from the History view: the export dialog (CSV
//! of days, minutes or seconds) and the import dialog (a recording from a
//! phone or another logger), each with its progress.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::domain::sample::Placement;
use crate::engine::protocol::FilePurpose;
use crate::transfer::export::ExportKind;

/// What the dialogs ask for.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TransferAction {
    Export {
        what: ExportKind,
        first: NaiveDate,
        last: NaiveDate,
        path: PathBuf,
    },
    Import {
        path: PathBuf,
        placement: Placement,
        start_s: Option<f64>,
    },
    /// Ask the desktop's file chooser for the dialog's file.
    Choose(FilePurpose),
}

/// The desktop's file chooser, as the dialogs see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chooser {
    /// Asked, and not answered yet.
    pub waiting: Option<FilePurpose>,
    /// Why it could not be asked (the typed path is the way then).
    pub unavailable: Option<String>,
}

impl Transfers {
    /// The file chooser answered for `purpose`.
    pub(crate) fn on_file_chosen(
        &mut self,
        purpose: FilePurpose,
        result: Result<Option<PathBuf>, String>,
    ) {
        if self.chooser.waiting == Some(purpose) {
            self.chooser.waiting = None;
        }
        match result {
            Ok(Some(path)) => {
                let text = path.display().to_string();
                match purpose {
                    FilePurpose::Export => {
                        if let Some(d) = self.export.as_mut() {
                            d.path = text;
                        }
                    }
                    FilePurpose::Import => {
                        if let Some(d) = self.import.as_mut() {
                            d.path = text;
                            d.error = None;
                        }
                    }
                }
            }
            Ok(None) => {}
            Err(e) => self.chooser.unavailable = Some(e),
        }
    }
}

/// The path field with a Choose… button beside it (the desktop's file
/// chooser), and why the chooser cannot be used when it cannot. Returns
/// whether Choose… was pressed.
fn path_field_ui(
    ui: &mut egui::Ui,
    path: &mut String,
    hint: &str,
    chooser: &Chooser,
    labelled_by: egui::Id,
) -> bool {
    let mut choose = false;
    ui.horizontal(|ui| {
        let button_w = 90.0;
        ui.add(
            egui::TextEdit::singleline(path)
                .desired_width((ui.available_width() - button_w).max(120.0))
                .hint_text(hint),
        )
        .labelled_by(labelled_by);
        let waiting = chooser.waiting.is_some();
        choose = ui
            .add_enabled(!waiting, egui::Button::new("Choose…"))
            .on_hover_text("Your desktop's file chooser")
            .clicked();
    });
    if chooser.waiting.is_some() {
        ui.weak("Waiting for the file chooser…");
    } else if let Some(why) = &chooser.unavailable {
        ui.add(
            egui::Label::new(egui::RichText::new(format!("{why}. Type the path instead.")).weak())
                .wrap(),
        );
    }
    choose
}

/// The dialogs open, the jobs running and their last outcomes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transfers {
    pub export: Option<ExportDialog>,
    /// The last export's outcome, in words.
    pub export_message: Option<String>,
    /// An export running: how far it is (0–1).
    pub export_progress: Option<f32>,
    pub import: Option<ImportDialog>,
    /// The dialog of the import running, given back with its error if it
    /// fails (the path typed is never lost).
    pub import_asked: Option<ImportDialog>,
    /// An import running: how far it is (0–1).
    pub import_progress: Option<f32>,
    /// The last import's outcome, in words.
    pub import_message: Option<String>,
    /// The last export or import failed: its words are an error.
    pub export_failed: bool,
    pub import_failed: bool,
    pub chooser: Chooser,
}

/// The export dialog's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportDialog {
    pub what: ExportKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub path: String,
    /// The path last checked on disk, and (folder exists, file exists):
    /// checked when the text changes, not at every frame.
    pub checked: Option<(String, bool, bool)>,
}

pub(crate) fn default_export_path(what: ExportKind, first: NaiveDate, last: NaiveDate) -> String {
    let dir = directories::UserDirs::new()
        .and_then(|u| {
            u.document_dir()
                .map(std::path::Path::to_path_buf)
                .or_else(|| Some(u.home_dir().to_path_buf()))
        })
        .unwrap_or_default();
    let name = if first == last {
        format!("sitless-{}-{first}.csv", what.name())
    } else {
        format!("sitless-{}-{first}_{last}.csv", what.name())
    };
    dir.join(name).display().to_string()
}

/// The save dialog: what to export, the period, the file.
pub(crate) fn export_dialog_ui(ui: &mut egui::Ui, model: &mut Transfers) -> Option<TransferAction> {
    let dialog = model.export.as_mut()?;
    let mut action = None;
    let mut close = false;
    egui::Modal::new(egui::Id::unique("sitless_export_dialog")).show(ui.ctx(), |ui| {
        ui.set_width(460.0);
        ui.heading("Export to CSV");
        ui.label(format!(
            "{} to {}",
            dialog.first.format("%-d %b %Y"),
            dialog.last.format("%-d %b %Y")
        ));
        ui.add_space(6.0);
        let before = dialog.what;
        ui.radio_value(
            &mut dialog.what,
            ExportKind::Days,
            "Days: the figures of each day",
        );
        ui.radio_value(
            &mut dialog.what,
            ExportKind::Minutes,
            "Minutes: postures and tilt per minute",
        );
        ui.radio_value(
            &mut dialog.what,
            ExportKind::Samples,
            "Samples: every second (large)",
        );
        if dialog.what != before {
            dialog.path = default_export_path(dialog.what, dialog.first, dialog.last);
        }
        ui.add_space(6.0);
        let l = ui.label("Save as");
        if path_field_ui(ui, &mut dialog.path, "file.csv", &model.chooser, l.id) {
            action = Some(TransferAction::Choose(FilePurpose::Export));
        }
        let path = PathBuf::from(dialog.path.trim());
        if dialog
            .checked
            .as_ref()
            .is_none_or(|(p, ..)| *p != dialog.path)
        {
            let folder_ok = path
                .parent()
                .is_some_and(|p| p.as_os_str().is_empty() || p.is_dir());
            dialog.checked = Some((dialog.path.clone(), folder_ok, path.is_file()));
        }
        let (folder_ok, exists) = dialog
            .checked
            .as_ref()
            .map_or((false, false), |&(_, f, e)| (f, e));
        if !folder_ok {
            ui.colored_label(ui.visuals().warn_fg_color, "That folder does not exist.");
        } else if exists {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "A file with that name exists; saving replaces it.",
            );
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let label = if exists { "Replace" } else { "Save" };
            let ok = folder_ok && path.file_name().is_some();
            if ui.add_enabled(ok, egui::Button::new(label)).clicked() {
                action = Some(TransferAction::Export {
                    what: dialog.what,
                    first: dialog.first,
                    last: dialog.last,
                    path: path.clone(),
                });
                close = true;
            }
            if ui.button("Cancel").clicked() {
                close = true;
            }
        });
    });
    if close {
        model.export = None;
        if action.is_some() {
            model.export_message = Some("Exporting…".into());
            model.export_failed = false;
        }
    }
    action
}

/// A running export or import as a bar ("Exporting… 40 %").
pub(crate) fn job_progress_ui(ui: &mut egui::Ui, doing: &str, progress: Option<f32>) {
    if let Some(f) = progress {
        ui.add(
            egui::ProgressBar::new(f)
                .desired_width(200.0)
                .text(format!("{doing} {:.0} %", f * 100.0)),
        );
    }
}

/// The last job's outcome on a line of its own under the buttons: it
/// wraps within the window (a long path or error never widens the page),
/// and a failure is shown as an error.
pub(crate) fn job_outcome_ui(ui: &mut egui::Ui, outcome: Option<&str>, failed: bool) {
    let Some(m) = outcome else { return };
    let text = if failed {
        egui::RichText::new(m).color(ui.visuals().error_fg_color)
    } else {
        egui::RichText::new(m).color(ui.visuals().weak_text_color())
    };
    ui.add(egui::Label::new(text).wrap());
}

/// The import dialog's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportDialog {
    pub path: String,
    pub placement: Placement,
    /// When the recording started, for files that count seconds from it
    /// ("2026-11-30 08:00"); empty when the file says.
    pub start: String,
    /// Why the last import of this file failed, shown by the Import button.
    pub error: Option<String>,
}

impl Default for ImportDialog {
    fn default() -> Self {
        Self {
            path: String::new(),
            placement: Placement::Thigh,
            start: String::new(),
            error: None,
        }
    }
}

/// The import dialog: the file, where it was worn, and (only for files
/// that need it) when it started.
pub(crate) fn import_dialog_ui(ui: &mut egui::Ui, model: &mut Transfers) -> Option<TransferAction> {
    let dialog = model.import.as_mut()?;
    let mut action = None;
    let mut asked = None;
    let mut close = false;
    egui::Modal::new(egui::Id::unique("sitless_import_dialog")).show(ui.ctx(), |ui| {
        ui.set_width(500.0);
        ui.heading("Import a recording");
        ui.label(
            "An accelerometer recording as CSV: a phone's export from phyphox \
             (\"Acceleration with g\") or Sensor Logger (TotalAcceleration.csv), \
             or another logger's file with time, x, y and z columns.",
        );
        ui.add_space(6.0);
        let l = ui.label("File");
        if path_field_ui(
            ui,
            &mut dialog.path,
            "~/Downloads/TotalAcceleration.csv",
            &model.chooser,
            l.id,
        ) {
            action = Some(TransferAction::Choose(FilePurpose::Import));
        }
        let path = expand_home(dialog.path.trim());
        let is_file = path.is_file() || path.is_dir();
        if !dialog.path.trim().is_empty() && !is_file {
            ui.colored_label(ui.visuals().warn_fg_color, "There is no such file.");
        }
        ui.horizontal(|ui| {
            ui.label("Worn on the");
            ui.radio_value(
                &mut dialog.placement,
                Placement::Thigh,
                "Thigh (a phone in a trouser pocket)",
            );
            ui.radio_value(&mut dialog.placement, Placement::Back, "Back");
        });
        let l = ui.label("Started at (only if the file counts seconds from its start)");
        ui.add(
            egui::TextEdit::singleline(&mut dialog.start)
                .desired_width(200.0)
                .hint_text("2026-11-30 08:00"),
        )
        .labelled_by(l.id);
        let start = crate::sources::recording::parse_start(&dialog.start);
        if let Err(e) = &start {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        ui.add_space(6.0);
        if let Some(e) = &dialog.error {
            ui.add(
                egui::Label::new(egui::RichText::new(e).color(ui.visuals().error_fg_color)).wrap(),
            );
        }
        ui.horizontal(|ui| {
            let ok = is_file && start.is_ok();
            if ui.add_enabled(ok, egui::Button::new("Import")).clicked() {
                asked = Some(ImportDialog {
                    error: None,
                    ..dialog.clone()
                });
                action = Some(TransferAction::Import {
                    path: path.clone(),
                    placement: dialog.placement,
                    start_s: start.clone().ok().flatten(),
                });
                close = true;
            }
            if ui.button("Cancel").clicked() {
                close = true;
            }
        });
    });
    if close {
        model.import = None;
    }
    if asked.is_some() {
        model.import_asked = asked;
    }
    action
}

/// `~/x` as the home folder's `x`, as people type paths.
fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), directories::UserDirs::new()) {
        (Some(rest), Some(u)) => u.home_dir().join(rest),
        _ => PathBuf::from(text),
    }
}

#[cfg(test)]
mod outcome_tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    #[test]
    fn a_long_outcome_wraps_within_the_window() {
        let long = format!(
            "Import failed: /home/someone/{} is not a recording Sitless can read: it has no time column (columns: a, b, c). Choose the phone's Raw Data.csv.",
            "very-long-folder-name/".repeat(30)
        );
        let h = Harness::builder()
            .with_size(egui::vec2(500.0, 600.0))
            .build_ui(|ui| super::job_outcome_ui(ui, Some(&long), true));
        let r = h.get_by_label(&long).rect();
        assert!(r.width() <= 500.0, "{r:?}");
        assert!(r.height() > 40.0, "wrapped onto several lines: {r:?}");
    }

    #[test]
    fn choose_asks_the_desktop_and_its_answer_fills_the_path() {
        use super::{FilePurpose, ImportDialog, TransferAction, Transfers};
        let mut t = Transfers {
            import: Some(ImportDialog::default()),
            ..Transfers::default()
        };
        let mut actions = Vec::new();
        {
            let mut h = Harness::new_ui(|ui| actions.extend(super::import_dialog_ui(ui, &mut t)));
            h.get_by_label("Choose…").click();
            h.run();
        }
        assert_eq!(actions, vec![TransferAction::Choose(FilePurpose::Import)]);
        assert!(t.import.is_some(), "the dialog stays open while choosing");
        t.chooser.waiting = Some(FilePurpose::Import);
        t.on_file_chosen(
            FilePurpose::Import,
            Ok(Some(std::path::PathBuf::from("/home/a/My walk.csv"))),
        );
        assert_eq!(
            t.import.as_ref().map(|d| d.path.as_str()),
            Some("/home/a/My walk.csv")
        );
        assert_eq!(t.chooser.waiting, None);
        // No chooser on this desktop: said, and the typed path stays.
        t.on_file_chosen(
            FilePurpose::Import,
            Err("this desktop has no file chooser service (xdg-desktop-portal): …".into()),
        );
        let h = Harness::new_ui(|ui| {
            super::import_dialog_ui(ui, &mut t);
        });
        h.get_by_label_contains("no file chooser service");
        h.get_by_label_contains("Type the path instead.");
    }
}
