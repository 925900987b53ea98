//! The paired phone in the Sensors view: where Sitless listens, whether
//! the phone is sending, its battery, and what to check when nothing
//! arrives.

use egui::{RichText, Ui};

use crate::sources::phone::run::PhoneStatus;

/// A phone quiet longer than this is said to have stopped sending.
const QUIET_MS: i64 = crate::sources::phone::PHONE_QUIET_MS;

/// The phone's card; nothing when no phone is paired.
pub(crate) fn phone_ui(ui: &mut Ui, status: Option<&PhoneStatus>) {
    let Some(s) = status else { return };
    ui.group(|ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.label(RichText::new("Phone").strong());
            ui.label("thigh");
            if let Some(addr) = s.listening {
                ui.weak(format!("listening on port {}", addr.port()));
            }
            if let Some(b) = s.battery_pct {
                ui.label(format!("battery {b}%"));
            }
        });
        let quiet_ms = s.last_push_ms.map(|t| s.at_ms.saturating_sub(t));
        match quiet_ms {
            Some(q) if q < QUIET_MS => {
                ui.label("Streaming");
            }
            Some(q) => {
                ui.label(format!(
                    "The phone stopped sending {} ago.",
                    crate::domain::days::format_duration(q / 1000)
                ));
                nothing_arrives_ui(ui, s);
            }
            None => {
                ui.label("Waiting for the phone's first push.");
                nothing_arrives_ui(ui, s);
            }
        }
        if let Some(e) = &s.failed {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        let refused = s.counters.not_found + s.counters.too_big + s.counters.malformed;
        if refused > 0 {
            ui.weak(format!(
                "{refused} requests from elsewhere were refused (a wrong address or not a push)."
            ));
        }
    });
}

/// Why a phone's pushes may not arrive, with the firewall lines.
fn nothing_arrives_ui(ui: &mut Ui, s: &PhoneStatus) {
    let port = s
        .listening
        .map_or(crate::domain::settings::DEFAULT_PHONE_PORT, |a| a.port());
    ui.weak(format!(
        "Nothing arriving? The phone must be on the same network as this computer, with \
         Sensor Logger recording and HTTP Push on. A firewall must let port {port} in: \
         sudo ufw allow {port}/tcp, or sudo firewall-cmd --add-port={port}/tcp."
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    fn status(last_push_ms: Option<i64>, at_ms: i64) -> PhoneStatus {
        PhoneStatus {
            listening: Some("127.0.0.1:8642".parse().unwrap()),
            failed: None,
            last_push_ms,
            battery_pct: Some(64),
            clock_offset_ms: 0,
            counters: crate::sources::phone::listener::CountersNow::default(),
            duplicate: 0,
            too_late: 0,
            at_ms,
        }
    }

    #[test]
    fn the_card_says_streaming_quiet_or_waiting_with_the_firewall_lines() {
        let streaming = status(Some(1_000_000), 1_005_000);
        let h = Harness::new_ui(|ui| phone_ui(ui, Some(&streaming)));
        h.get_by_label("Streaming");
        h.get_by_label("battery 64%");
        assert!(h.query_by_label_contains("firewall").is_none());

        let quiet = status(Some(1_000_000), 1_000_000 + 3 * 60_000);
        let h = Harness::new_ui(|ui| phone_ui(ui, Some(&quiet)));
        h.get_by_label("The phone stopped sending 3 min ago.");
        h.get_by_label_contains("sudo ufw allow 8642/tcp");

        let waiting = status(None, 1_000_000);
        let h = Harness::new_ui(|ui| phone_ui(ui, Some(&waiting)));
        h.get_by_label("Waiting for the phone's first push.");
    }
}
