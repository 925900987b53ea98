//! The desktop's file chooser, asked on a thread of its own (the person
//! may take minutes to choose; the window never waits): the answer comes
//! back as `UiEvent::FileChosen`.

use super::protocol::{FilePurpose, UiEvent};
use super::ui_queue::UiSender;
use crate::desktop::portal::{FileAsk, choose};

pub(super) fn spawn(ui: &UiSender, purpose: FilePurpose, ask: FileAsk) {
    let ui_t = ui.clone();
    let spawned = std::thread::Builder::new()
        .name("sitless-file-chooser".into())
        .spawn(move || {
            let result = choose(&ask).map_err(|e| e.to_string());
            ui_t.send(UiEvent::FileChosen { purpose, result });
        });
    if let Err(e) = spawned {
        ui.send(UiEvent::FileChosen {
            purpose,
            result: Err(format!("could not ask the file chooser: {e}")),
        });
    }
}
