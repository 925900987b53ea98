//! The Sensors view: Bluetooth state, paired sensors with their links,
//! sensors nearby, pairing, the calibration wizard, rename and forget. It
//! reads `SensorsPage` (folded from engine events) and returns actions.

use std::fmt::Write as _;

use std::collections::BTreeMap;

use egui::{Color32, RichText, Ui};

use super::widgets::color;
use crate::domain::palette;
use crate::domain::sample::Placement;
use crate::engine::protocol::{Pose, SensorState, SensorStatus};
use crate::sources::ble::{
    AdapterStatus, BleCommand, BleEvent, LinkState, LinkStats, PairedSensor, Seen, SensorModel,
};
use crate::sources::demo::{WINDOW_DEMO_SPEED, speed_words};

/// How long the wearer holds each calibration pose.
pub(crate) const POSE_S: f64 = 5.0;

#[derive(Clone, Debug, PartialEq)]
pub enum WizardStep {
    Intro,
    Standing { until: f64 },
    Sitting { until: f64 },
    Computing,
    Done(Result<(), String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Wizard {
    pub address: String,
    pub name: String,
    pub placement: Placement,
    pub step: WizardStep,
}

/// Everything the Sensors view shows.
#[derive(Default)]
pub struct SensorsPage {
    /// `None`: the app runs without Bluetooth.
    pub adapter: Option<AdapterStatus>,
    pub scanning: bool,
    pub seen: Vec<Seen>,
    pub paired: Vec<PairedSensor>,
    /// Link state and when (UI time) it was reported.
    pub links: BTreeMap<String, (LinkState, f64)>,
    pub stats: BTreeMap<String, LinkStats>,
    pub battery: BTreeMap<String, u8>,
    pub message: Option<String>,
    /// A pairing in progress.
    pub pairing: Option<String>,
    /// The placement chosen for each sensor nearby.
    pub placement: BTreeMap<String, Placement>,
    pub renaming: Option<(String, String)>,
    pub wizard: Option<Wizard>,
    /// The phone: pairing it, its card.
    pub phone: super::phone::PhonePage,
}

/// What the view asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SensorAction {
    Ble(BleCommand),
    Phone(crate::engine::protocol::PhoneRequest),
    /// Start (`true`) or leave the demo.
    Demo(bool),
    CalibrationPose {
        placement: Placement,
        pose: Pose,
        seconds: u32,
    },
}

impl SensorsPage {
    pub fn apply(&mut self, ev: BleEvent, now: f64) {
        match ev {
            BleEvent::Adapter(a) => self.adapter = Some(a),
            BleEvent::Scanning(on) => self.scanning = on,
            BleEvent::Seen(list) => self.seen = list,
            BleEvent::Link { address, state } => {
                self.links.insert(address, (state, now));
            }
            BleEvent::Stats { address, stats } => {
                self.stats.insert(address, stats);
            }
            BleEvent::Battery { address, pct } => {
                self.battery.insert(address, pct);
            }
            BleEvent::Paired(list) => {
                if self
                    .pairing
                    .as_ref()
                    .is_some_and(|a| list.iter().any(|p| &p.address == a))
                {
                    self.pairing = None;
                    self.message = None;
                }
                self.links
                    .retain(|a, _| list.iter().any(|p| &p.address == a));
                self.paired = list;
            }
            BleEvent::Failed { address, reason } => {
                if address.is_some() && address == self.pairing {
                    self.pairing = None;
                }
                self.message = Some(match address {
                    Some(a) => format!("{}: {reason}", self.name_of(&a)),
                    None => reason,
                });
            }
        }
    }

    pub(crate) fn calibrated(&mut self, placement: Placement, result: Result<(), String>) {
        if let Some(w) = self.wizard.as_mut().filter(|w| w.placement == placement) {
            w.step = WizardStep::Done(result);
        }
    }

    fn name_of(&self, address: &str) -> String {
        self.paired
            .iter()
            .find(|p| p.address == address)
            .map(|p| p.name.clone())
            .or_else(|| {
                self.seen
                    .iter()
                    .find(|s| s.address == address)
                    .and_then(|s| s.name.clone())
            })
            .unwrap_or_else(|| address.to_owned())
    }

    /// One line for the top bar.
    pub fn summary(&self) -> String {
        match &self.adapter {
            Some(AdapterStatus::Unavailable(r)) => bluetooth_help(r).0.to_owned(),
            _ if self.paired.is_empty() => "No sensor paired".into(),
            _ => self
                .paired
                .iter()
                .map(|p| {
                    let state = self
                        .links
                        .get(&p.address)
                        .map_or_else(|| "waiting".to_owned(), |(s, _)| short_state(s));
                    format!("{}: {state}", p.name)
                })
                .collect::<Vec<_>>()
                .join(" · "),
        }
    }
}

/// A Bluetooth problem in plain words: a headline and what to do.
pub(crate) fn bluetooth_help(reason: &str) -> (&'static str, &'static str) {
    let has = |s: &str| reason.contains(s);
    if has("is off") {
        (
            "Bluetooth is switched off",
            "Switch it on in your system's Bluetooth settings (or run: bluetoothctl power on).",
        )
    } else if has("adapter") {
        (
            "This computer has no Bluetooth adapter that Sitless can use",
            "Plug in a USB Bluetooth adapter, or check that Bluetooth is not blocked \
             (run: rfkill unblock bluetooth).",
        )
    } else if has("BlueZ") || has("D-Bus") || has("service") {
        (
            "Bluetooth isn't available on this computer right now",
            "Sitless talks to Bluetooth through BlueZ, the system's Bluetooth service. \
             Install it (on Debian and Ubuntu: sudo apt install bluez), start it \
             (sudo systemctl start bluetooth), and switch Bluetooth on.",
        )
    } else {
        (
            "Bluetooth isn't working right now",
            "Check that Bluetooth is switched on in your system's settings.",
        )
    }
}

fn short_state(s: &LinkState) -> String {
    match s {
        LinkState::Reconnecting { .. } => "reconnecting".into(),
        LinkState::Failed(_) => "failed".into(),
        other => other.to_string(),
    }
}

/// What a set of placements can and cannot measure, in plain words.
pub(crate) fn coverage_note(placements: &[Placement]) -> Option<&'static str> {
    let thigh = placements.contains(&Placement::Thigh);
    let back = placements.contains(&Placement::Back);
    match (thigh, back) {
        (true, false) => Some(
            "Thigh only: sitting and standing are measured; trunk tilt is not, and lying on your back counts as sitting. Add a back sensor for both.",
        ),
        (false, true) => Some(
            "Back only: tilt is measured; sitting is told from standing by trunk angle alone, which is less certain. A thigh sensor measures it directly.",
        ),
        _ => None,
    }
}

fn state_colour(s: &LinkState) -> Color32 {
    match s {
        LinkState::Streaming => color(palette::GREEN),
        LinkState::Failed(_) => color(palette::VERMILION),
        _ => color(palette::ORANGE),
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "a view is its widgets in layout order"
)]
pub(crate) fn sensors_ui(
    ui: &mut Ui,
    m: &mut SensorsPage,
    demo: Option<&SensorStatus>,
    now: f64,
) -> Vec<SensorAction> {
    let mut actions = Vec::new();
    if m.wizard.is_some() {
        wizard_ui(ui, m, now, &mut actions);
        return actions;
    }
    // Paired sensors record only when the demo is off.
    let demo_running = demo.is_some_and(|d| d.state != SensorState::NoSensor);
    ui.heading("Sensors");
    match &m.adapter {
        None if demo_running => {
            ui.label("Bluetooth is off while the demo runs.");
        }
        None => {
            ui.label("Bluetooth is not used in this run.");
        }
        Some(AdapterStatus::Starting) => {
            ui.label("Bluetooth: starting…");
        }
        Some(AdapterStatus::Ready { name }) => {
            ui.label(format!("Bluetooth: ready ({name})"));
        }
        Some(AdapterStatus::Unavailable(reason)) => {
            let (headline, advice) = bluetooth_help(reason);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(headline).strong());
                ui.label(advice);
                ui.weak(format!(
                    "Sitless checks again by itself every minute or so; there is nothing to \
                     restart. (Details: {reason}.)"
                ));
                if !demo_running {
                    ui.label("Meanwhile your phone works without Bluetooth (below), and so does the demo sensor.");
                }
            });
        }
    }
    if let Some(msg) = &m.message {
        ui.horizontal(|ui| {
            ui.colored_label(color(palette::VERMILION), msg);
        });
    }

    ui.add_space(8.0);

    ui.label(RichText::new("Paired sensors").strong());
    if m.paired.is_empty() && m.phone.paired.is_none() {
        ui.weak("None yet. Scan, choose where you wear it, and pair, or use your phone.");
    }
    // A paired phone is listed with the sensors; "Use my phone" comes
    // after them, beside the demo.
    let phone_paired = m.phone.paired.is_some();
    if phone_paired {
        actions.extend(phone_actions(ui, m));
    }
    let mut any_reconnecting = false;
    for p in m.paired.clone() {
        ui.group(|ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new(&p.name).strong());
                ui.label(format!(
                    "{} · {} · {}",
                    p.model.label(),
                    p.placement,
                    p.address
                ));
                if let Some(b) = m.battery.get(&p.address) {
                    ui.label(format!("battery {b}%"));
                }
            });
            let (text, colour) = match m.links.get(&p.address) {
                Some((LinkState::Reconnecting { in_s, reason }, at)) => {
                    any_reconnecting = true;
                    let left = (f64::from(*in_s) - (now - at)).ceil().max(0.0);
                    (
                        format!("Reconnecting in {left:.0} s ({reason})"),
                        state_colour(&LinkState::Connecting),
                    )
                }
                Some((s, _)) => (capitalise(&s.to_string()), state_colour(s)),
                None if demo_running => ("Not in use while the demo runs".into(), Color32::GRAY),
                None => ("Waiting".into(), Color32::GRAY),
            };
            ui.colored_label(colour, format!("Connection: {text}"));
            if let Some(s) = m.stats.get(&p.address) {
                let mut line = format!(
                    "{} samples · {} from stored history · {} lost · {} · {}",
                    s.samples,
                    s.from_history,
                    s.lost,
                    count(s.malformed(), "malformed packet", "malformed packets"),
                    count(s.drops, "link loss", "link losses"),
                );
                // Rare faults: named only when they happened.
                if s.repeats > 0 {
                    let _ = write!(line, " · {} repeats discarded", s.repeats);
                }
                if s.seq_jumps > 0 {
                    line.push_str(" · ");
                    line.push_str(&count(s.seq_jumps, "sequence jump", "sequence jumps"));
                }
                ui.weak(line);
            }
            let mut renaming = m.renaming.take();
            match &mut renaming {
                Some((a, text)) if *a == p.address => {
                    let (save, cancel) = ui
                        .horizontal(|ui| {
                            let label = ui.label("New name");
                            ui.add(egui::TextEdit::singleline(text).desired_width(200.0))
                                .labelled_by(label.id);
                            (
                                ui.button("Save name").clicked(),
                                ui.button("Cancel").clicked(),
                            )
                        })
                        .inner;
                    if save {
                        actions.push(SensorAction::Ble(BleCommand::Rename {
                            address: p.address.clone(),
                            name: text.clone(),
                        }));
                    }
                    if !(save || cancel) {
                        m.renaming = renaming;
                    }
                }
                _ => {
                    m.renaming = renaming;
                    ui.horizontal(|ui| {
                        let streaming =
                            matches!(m.links.get(&p.address), Some((LinkState::Streaming, _)));
                        if ui
                            .add_enabled(streaming, egui::Button::new("Calibrate…"))
                            .on_disabled_hover_text("The sensor needs to be streaming.")
                            .clicked()
                        {
                            m.wizard = Some(Wizard {
                                address: p.address.clone(),
                                name: p.name.clone(),
                                placement: p.placement,
                                step: WizardStep::Intro,
                            });
                        }
                        if ui.button("Rename").clicked() {
                            m.renaming = Some((p.address.clone(), p.name.clone()));
                        }
                        if ui.button("Forget").clicked() {
                            actions.push(SensorAction::Ble(BleCommand::Forget {
                                address: p.address.clone(),
                            }));
                        }
                    });
                }
            }
        });
    }
    let mut placements: Vec<Placement> = m.paired.iter().map(|p| p.placement).collect();
    if phone_paired {
        placements.push(Placement::Thigh);
    }
    if let Some(note) = coverage_note(&placements) {
        ui.label(note);
    }
    if !phone_paired {
        ui.add_space(6.0);
        actions.extend(phone_actions(ui, m));
    }
    ui.add_space(6.0);
    ui.group(|ui| {
        let (state, colour) = match demo.map(|d| &d.state) {
            Some(SensorState::Streaming) => ("streaming", color(palette::GREEN)),
            Some(SensorState::Finished) => ("finished", Color32::GRAY),
            _ => ("off", Color32::GRAY),
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new("Demo sensor").strong());
            ui.label("Simulated · thigh and back");
            ui.colored_label(colour, state);
        });
        if demo_running {
            ui.weak(format!(
                "A simulated wearer {}, recording into its own demo database.",
                speed_words(demo.and_then(|d| d.speed))
            ));
            if ui
                .button("Leave the demo")
                .on_hover_text("Back to your paired sensors and your own database")
                .clicked()
            {
                actions.push(SensorAction::Demo(false));
            }
        } else {
            ui.weak(format!(
                "Try Sitless without a sensor: a simulated wearer {}, in its own database.",
                speed_words(Some(WINDOW_DEMO_SPEED))
            ));
            if ui.button("Try the demo").clicked() {
                actions.push(SensorAction::Demo(true));
            }
        }
    });

    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.label(RichText::new("Nearby").strong());
        let ready = matches!(m.adapter, Some(AdapterStatus::Ready { .. }));
        if m.scanning {
            ui.spinner();
            if ui.button("Stop scanning").clicked() {
                actions.push(SensorAction::Ble(BleCommand::StopScan));
            }
        } else if ui
            .add_enabled(ready, egui::Button::new("Scan"))
            .on_disabled_hover_text(match &m.adapter {
                Some(AdapterStatus::Unavailable(_)) => {
                    "Scanning needs Bluetooth, which isn't available right now (see above)"
                }
                Some(AdapterStatus::Starting) => "Bluetooth is still starting",
                _ if demo_running => "Bluetooth is off while the demo runs",
                _ => "Bluetooth is not used in this run",
            })
            .clicked()
        {
            m.message = None;
            actions.push(SensorAction::Ble(BleCommand::StartScan));
        }
    });
    // A sensor just paired may still be listed by the scan as unpaired
    // (connected, it stops advertising): the paired list decides.
    let nearby: Vec<Seen> = m
        .seen
        .iter()
        .filter(|s| !s.paired && !m.paired.iter().any(|p| p.address == s.address))
        .cloned()
        .collect();
    if nearby.is_empty() && m.scanning {
        ui.weak(format!(
            "Looking for a {}…",
            SensorModel::labels_in_words("or")
        ));
    }
    for s in nearby {
        ui.group(|ui| {
            let name = s.name.clone().unwrap_or_else(|| s.model.label().to_owned());
            ui.horizontal(|ui| {
                ui.label(RichText::new(&name).strong());
                ui.label(format!(
                    "{} · {}{}",
                    s.model.label(),
                    s.address,
                    s.rssi_dbm.map(|r| format!(" · signal {r} dBm")).unwrap_or_default()
                ));
            });
            if s.lookalike {
                ui.colored_label(
                    color(palette::VERMILION),
                    "Look-alike: same name as a paired sensor, but a different device. Sitless will not use it unless you pair it.",
                );
            }
            if let Some(note) = s.model.note() {
                ui.weak(note);
            }
            ui.horizontal(|ui| {
                let choice = m
                    .placement
                    .entry(s.address.clone())
                    .or_insert_with(|| s.model.placement());
                ui.label("Worn on the");
                ui.radio_value(choice, Placement::Thigh, "Thigh");
                ui.radio_value(choice, Placement::Back, "Back");
                let placement = *choice;
                let busy = m.pairing.as_deref() == Some(s.address.as_str());
                if busy {
                    ui.spinner();
                    ui.label("Pairing…");
                } else if ui.button(format!("Pair {name}")).clicked() {
                    m.pairing = Some(s.address.clone());
                    m.message = None;
                    actions.push(SensorAction::Ble(BleCommand::Pair {
                        address: s.address.clone(),
                        placement,
                    }));
                }
            });
        });
    }
    if any_reconnecting {
        // The countdown moves once a second; nothing else needs a frame.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs(1));
    }
    actions
}

/// The phone's part of the view, as actions.
fn phone_actions(ui: &mut Ui, m: &mut SensorsPage) -> Option<SensorAction> {
    let thigh = m
        .paired
        .iter()
        .find(|p| p.placement == Placement::Thigh)
        .map(|p| p.name.clone());
    super::phone::phone_ui(ui, &mut m.phone, thigh.as_deref()).map(SensorAction::Phone)
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[allow(
    clippy::too_many_lines,
    reason = "a view is its widgets in layout order"
)]
fn wizard_ui(ui: &mut Ui, m: &mut SensorsPage, now: f64, actions: &mut Vec<SensorAction>) {
    let Some(w) = m.wizard.as_mut() else {
        return;
    };
    ui.heading(format!("Calibrate {}", w.name));
    let cue = |pose: u8| {
        SensorAction::Ble(BleCommand::CuePose {
            address: w.address.clone(),
            pose,
        })
    };
    let pose_s = POSE_S as u32;
    match w.step.clone() {
        WizardStep::Intro => {
            ui.label(format!(
                "Two poses of {pose_s} seconds each teach Sitless how the sensor sits on your {}: first stand still, then sit upright.",
                w.placement
            ));
            if w.placement == Placement::Thigh {
                ui.weak("A thigh sensor also calibrates itself whenever you walk; this makes it right from the start.");
            }
            let (start, cancel) = ui
                .horizontal(|ui| (ui.button("Start").clicked(), ui.button("Cancel").clicked()))
                .inner;
            if start {
                w.step = WizardStep::Standing {
                    until: now + POSE_S,
                };
                actions.push(cue(1));
            }
            if cancel {
                m.wizard = None;
            }
        }
        WizardStep::Standing { until } | WizardStep::Sitting { until } => {
            let standing = matches!(w.step, WizardStep::Standing { .. });
            let left = (until - now).max(0.0);
            ui.label(
                RichText::new(if standing {
                    "Stand still"
                } else {
                    "Sit upright"
                })
                .size(28.0)
                .strong(),
            );
            ui.label(format!("{:.0} s", left.ceil()));
            ui.add(egui::ProgressBar::new((1.0 - left / POSE_S) as f32));
            if left <= 0.0 {
                let (pose, next, cue_pose) = if standing {
                    (
                        Pose::StandStill,
                        WizardStep::Sitting {
                            until: now + POSE_S,
                        },
                        2,
                    )
                } else {
                    (Pose::SitUpright, WizardStep::Computing, 0)
                };
                actions.push(SensorAction::CalibrationPose {
                    placement: w.placement,
                    pose,
                    seconds: pose_s,
                });
                actions.push(cue(cue_pose));
                w.step = next;
            } else {
                // A countdown: redraw when the shown second changes.
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs_f64(
                        (left - left.floor()).max(0.05),
                    ));
            }
            if ui.button("Cancel").clicked() {
                m.wizard = None;
            }
        }
        WizardStep::Computing => {
            ui.spinner();
            ui.label("Checking the two poses…");
        }
        WizardStep::Done(Ok(())) => {
            ui.label(RichText::new("Calibrated").size(22.0).strong());
            ui.label("The two poses differ clearly; Sitless uses them from now on.");
            if ui.button("Done").clicked() {
                m.wizard = None;
            }
        }
        WizardStep::Done(Err(reason)) => {
            ui.colored_label(
                color(palette::VERMILION),
                format!("Not calibrated: {reason}"),
            );
            ui.label("Hold each pose still for the whole count; for the thigh, sit with the thigh level.");
            let (again, cancel) = ui
                .horizontal(|ui| {
                    (
                        ui.button("Try again").clicked(),
                        ui.button("Cancel").clicked(),
                    )
                })
                .inner;
            if again {
                w.step = WizardStep::Intro;
            }
            if cancel {
                m.wizard = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_notes() {
        assert!(coverage_note(&[Placement::Thigh]).is_some_and(|n| n.contains("tilt is not")));
        assert!(coverage_note(&[Placement::Back]).is_some_and(|n| n.contains("less certain")));
        assert_eq!(coverage_note(&[Placement::Thigh, Placement::Back]), None);
    }

    #[test]
    fn a_failed_pairing_ends_the_spinner_with_the_reason() {
        let mut m = SensorsPage {
            pairing: Some("AA".into()),
            ..SensorsPage::default()
        };
        m.apply(
            BleEvent::Failed {
                address: Some("AA".into()),
                reason: "the sensor is no longer in range".into(),
            },
            0.0,
        );
        assert_eq!(m.pairing, None);
        assert_eq!(
            m.message.as_deref(),
            Some("AA: the sensor is no longer in range")
        );
    }
}
