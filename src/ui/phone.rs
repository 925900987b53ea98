//! The phone in the Sensors view: "Use my phone" (the push URL to type
//! into the phone's app, and a QR code of it), then the paired phone's card
//! (where Sitless listens, whether the phone is sending, its battery, what
//! to check when nothing arrives) with Forget.

use egui::{RichText, Ui};

use super::widgets::color;
use crate::domain::palette;
use crate::engine::protocol::{PhoneLinkEvent, PhoneRequest};
use crate::sources::phone::run::PhoneStatus;

/// A phone quiet longer than this is said to have stopped sending.
const QUIET_MS: i64 = crate::sources::phone::PHONE_QUIET_MS;
/// The name a phone paired from the window gets (renamed like a sensor).
const PHONE_NAME: &str = "Phone";

/// What the view asks before it acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asking {
    /// The phone would take the thigh sensor's place (this pairing).
    Replace(PhoneRequest),
    /// Forget the phone (its address stops working)?
    Forget,
}

/// What the view knows of the phone.
#[derive(Default)]
pub struct PhonePage {
    /// A phone can be paired in this run (live sensors, not the demo).
    pub available: bool,
    /// The paired phone.
    pub paired: Option<PairedPhoneView>,
    /// The phyphox address being typed.
    pub phyphox_typed: String,
    /// The listener, as last reported.
    pub status: Option<PhoneStatus>,
    /// The steps and the URL are shown (after pairing, or asked again).
    pub showing_steps: bool,
    /// "Use my phone" was clicked; the coordinator has not answered yet.
    pub waiting: bool,
    /// A question the view is asking before it acts.
    pub asking: Option<Asking>,
    /// Why the last pairing or forget failed.
    pub message: Option<String>,
    /// The QR code's texture and the URL it was made for.
    qr: Option<(String, egui::TextureHandle)>,
}

/// The paired phone as the view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairedPhoneView {
    pub name: String,
    /// The push URL (with its secret), or the phyphox address asked.
    pub url: String,
    pub phyphox: bool,
}

impl PhonePage {
    /// A page for a run where a phone can (`available`) or cannot be paired.
    pub(crate) fn new(available: bool) -> Self {
        Self {
            available,
            ..Self::default()
        }
    }

    pub(crate) fn apply(&mut self, ev: PhoneLinkEvent) {
        match ev {
            PhoneLinkEvent::Paired { name, url, phyphox } => {
                // A phone paired just now shows its steps at once.
                if self.waiting && !phyphox {
                    self.showing_steps = true;
                }
                self.waiting = false;
                self.message = None;
                self.paired = Some(PairedPhoneView { name, url, phyphox });
            }
            PhoneLinkEvent::Forgotten => {
                self.paired = None;
                self.status = None;
                self.showing_steps = false;
                self.asking = None;
                self.qr = None;
            }
            PhoneLinkEvent::Failed(reason) => {
                self.waiting = false;
                self.message = Some(reason);
            }
        }
    }
}

/// The phone's part of the Sensors view. `thigh_sensor`: the name of the
/// Bluetooth sensor on the thigh, which a phone would replace.
pub(crate) fn phone_ui(
    ui: &mut Ui,
    page: &mut PhonePage,
    thigh_sensor: Option<&str>,
) -> Option<PhoneRequest> {
    let mut asked = None;
    if let Some(p) = page.paired.clone() {
        paired_card_ui(ui, page, &p, &mut asked);
        if page.showing_steps && !p.phyphox {
            steps_ui(ui, page, &p.url);
        }
    } else {
        use_phone_ui(ui, page, thigh_sensor, &mut asked);
    }
    if let Some(m) = &page.message {
        ui.colored_label(ui.visuals().error_fg_color, m);
    }
    asked
}

/// No phone yet: what a phone can do, and the buttons.
fn use_phone_ui(
    ui: &mut Ui,
    page: &mut PhonePage,
    thigh_sensor: Option<&str>,
    asked: &mut Option<PhoneRequest>,
) {
    ui.group(|ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new("Your phone as a sensor").strong());
        ui.label(
            "No sensor? A phone in a trouser pocket measures sitting like one on the thigh. \
             The free Sensor Logger app (Android and iPhone) sends it to Sitless over your \
             Wi-Fi while it records.",
        );
        if !page.available {
            ui.add_enabled(false, egui::Button::new("Use my phone"))
                .on_disabled_hover_text(
                    "Leave the demo first: the demo and real sensors never record together.",
                );
            return;
        }
        if let Some(Asking::Replace(request)) = page.asking.clone() {
            ui.label(format!(
                "Your phone will take the place of {} on the thigh (Sitless uses one sensor per place).",
                thigh_sensor.unwrap_or("the sensor")
            ));
            ui.horizontal(|ui| {
                if ui.button("Use my phone instead").clicked() {
                    page.asking = None;
                    page.waiting = true;
                    *asked = Some(request);
                }
                if ui.button("Cancel").clicked() {
                    page.asking = None;
                }
            });
            return;
        }
        let mut ask = |page: &mut PhonePage, request: PhoneRequest| {
            page.message = None;
            if thigh_sensor.is_some() {
                page.asking = Some(Asking::Replace(request));
            } else {
                page.waiting = true;
                *asked = Some(request);
            }
        };
        ui.horizontal(|ui| {
            let button = ui.add_enabled(!page.waiting, egui::Button::new("Use my phone"));
            if page.waiting {
                ui.spinner();
            }
            if button.clicked() {
                ask(
                    page,
                    PhoneRequest::Pair {
                        name: PHONE_NAME.into(),
                        phyphox: None,
                    },
                );
            }
        });
        ui.add_space(4.0);
        ui.weak(
            "Or with phyphox: open its \"Acceleration with g\", turn on Remote access in its \
             menu, and type the address it shows. Sitless then asks the phone every second.",
        );
        ui.horizontal(|ui| {
            let l = ui.label("phyphox address");
            ui.add(
                egui::TextEdit::singleline(&mut page.phyphox_typed)
                    .hint_text("http://192.168.1.23:8080")
                    .desired_width(200.0),
            )
            .labelled_by(l.id);
            let typed = page.phyphox_typed.trim().to_owned();
            if ui
                .add_enabled(
                    !page.waiting && !typed.is_empty(),
                    egui::Button::new("Use phyphox"),
                )
                .clicked()
            {
                ask(
                    page,
                    PhoneRequest::Pair {
                        name: PHONE_NAME.into(),
                        phyphox: Some(typed),
                    },
                );
            }
        });
    });
}

/// The paired phone's card.
fn paired_card_ui(
    ui: &mut Ui,
    page: &mut PhonePage,
    phone: &PairedPhoneView,
    asked: &mut Option<PhoneRequest>,
) {
    ui.group(|ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(&phone.name).strong());
            if phone.phyphox {
                ui.label(format!("phone · thigh · phyphox at {}", phone.url));
            } else {
                ui.label("phone · thigh");
            }
            let s = page.status.as_ref();
            if let Some(addr) = s.and_then(|s| s.listening) {
                ui.weak(format!("listening on port {}", addr.port()));
            }
            if let Some(b) = s.and_then(|s| s.battery_pct) {
                ui.label(format!("battery {b}%"));
            }
        });
        if let Some(s) = &page.status {
            status_ui(ui, s);
        } else {
            ui.label("Starting to listen for the phone…");
        }
        ui.horizontal(|ui| {
            let steps = if page.showing_steps {
                "Hide the steps"
            } else {
                "Show the address and steps"
            };
            if !phone.phyphox && ui.button(steps).clicked() {
                page.showing_steps = !page.showing_steps;
            }
            if page.asking == Some(Asking::Forget) {
                ui.label(if phone.phyphox {
                    "Forget the phone? Sitless stops asking it."
                } else {
                    "Forget the phone? Its address stops working."
                });
                if ui.button("Forget").clicked() {
                    *asked = Some(PhoneRequest::Forget);
                    page.asking = None;
                }
                if ui.button("Keep").clicked() {
                    page.asking = None;
                }
            } else if ui.button("Forget phone").clicked() {
                page.asking = Some(Asking::Forget);
            }
        });
    });
}

/// Streaming, quiet or waiting, with what to check.
fn status_ui(ui: &mut Ui, s: &PhoneStatus) {
    let quiet_ms = s.last_push_ms.map(|t| s.at_ms.saturating_sub(t));
    match quiet_ms {
        Some(q) if q < QUIET_MS => {
            ui.colored_label(color(palette::GREEN), "Streaming");
        }
        Some(q) => {
            ui.label(format!(
                "The phone stopped sending {} ago.",
                crate::domain::days::format_duration(q / 1000)
            ));
            nothing_arrives_ui(ui, s);
        }
        None if s.listening.is_some() => {
            ui.label("Waiting for the phone's first push.");
            nothing_arrives_ui(ui, s);
        }
        None if s.polling.is_some() => {
            ui.label("Asking phyphox for its first samples…");
            nothing_arrives_ui(ui, s);
        }
        None => {}
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
}

/// Why a phone's pushes may not arrive, with the firewall lines.
fn nothing_arrives_ui(ui: &mut Ui, s: &PhoneStatus) {
    if s.polling.is_some() {
        ui.weak(
            "Nothing arriving? The phone must be on the same network as this computer, with \
             phyphox open on \"Acceleration with g\", Remote access on, and the screen on \
             (phyphox stops its server when it is closed).",
        );
        return;
    }
    let port = s
        .listening
        .map_or(crate::domain::settings::DEFAULT_PHONE_PORT, |a| a.port());
    ui.weak(format!(
        "Nothing arriving? The phone must be on the same network as this computer, with \
         Sensor Logger recording and HTTP Push on. A firewall must let port {port} in: \
         sudo ufw allow {port}/tcp, or sudo firewall-cmd --add-port={port}/tcp."
    ));
}

/// The push URL, its QR code, and what to do on the phone.
fn steps_ui(ui: &mut Ui, page: &mut PhonePage, url: &str) {
    ui.group(|ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new("Set up Sensor Logger on your phone").strong());
        ui.label("1. Install Sensor Logger (free, Android and iPhone).");
        ui.label(
            "2. In the app, open Settings, then Data Streaming, then HTTP Push. Turn it on and set the \
             Push URL to this address (scan the code with the phone's camera to copy it):",
        );
        ui.horizontal_wrapped(|ui| {
            ui.add(egui::Label::new(RichText::new(url).monospace()).selectable(true));
            if ui.button("Copy").clicked() {
                ui.ctx().copy_text(url.to_owned());
            }
        });
        qr_ui(ui, page, url);
        ui.label(
            "3. Tap \"Tap to Test Pushing\": the phone says that it reached Sitless.",
        );
        ui.label(
            "4. Switch on Accelerometer (and Gravity, on an iPhone), start a recording and put \
             the phone in a trouser pocket. It shows as Streaming here.",
        );
        ui.weak(
            "The address holds a secret: only this phone's pushes are taken. Keep the phone on \
             the same Wi-Fi as this computer. Forget the phone to make the address stop working.",
        );
    });
}

/// The URL as a QR code, drawn from the code's modules (one texel each,
/// scaled up without smoothing, with the four-module quiet zone).
fn qr_ui(ui: &mut Ui, page: &mut PhonePage, url: &str) {
    if page.qr.as_ref().is_none_or(|(u, _)| u != url) {
        page.qr = qr_image(url).map(|img| {
            let tex = ui
                .ctx()
                .load_texture("phone-qr", img, egui::TextureOptions::NEAREST);
            (url.to_owned(), tex)
        });
    }
    if let Some((_, tex)) = &page.qr {
        ui.add(
            egui::Image::new((tex.id(), egui::vec2(180.0, 180.0)))
                .alt_text(format!("QR code of {url}")),
        );
    }
}

fn qr_image(url: &str) -> Option<egui::ColorImage> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let (w, quiet) = (code.width(), 4);
    let side = w + 2 * quiet;
    let mut pixels = vec![egui::Color32::WHITE; side * side];
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % w + quiet, i / w + quiet);
            pixels[y * side + x] = egui::Color32::BLACK;
        }
    }
    Some(egui::ColorImage::new([side, side], pixels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT, Queryable};

    fn status(last_push_ms: Option<i64>, at_ms: i64) -> PhoneStatus {
        PhoneStatus {
            listening: Some("127.0.0.1:8642".parse().unwrap()),
            polling: None,
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

    fn paired(status: Option<PhoneStatus>) -> PhonePage {
        PhonePage {
            available: true,
            paired: Some(PairedPhoneView {
                name: "Phone".into(),
                url: "http://127.0.0.1:8642/push/ab12".into(),
                phyphox: false,
            }),
            status,
            ..PhonePage::default()
        }
    }

    #[test]
    fn the_card_says_streaming_quiet_or_waiting_with_the_firewall_lines() {
        let mut page = paired(Some(status(Some(1_000_000), 1_005_000)));
        let h = Harness::new_ui(|ui| {
            phone_ui(ui, &mut page, None);
        });
        h.get_by_label("Streaming");
        h.get_by_label("battery 64%");
        assert!(h.query_by_label_contains("firewall").is_none());
        drop(h);

        let mut page = paired(Some(status(Some(1_000_000), 1_000_000 + 3 * 60_000)));
        let h = Harness::new_ui(|ui| {
            phone_ui(ui, &mut page, None);
        });
        h.get_by_label("The phone stopped sending 3 min ago.");
        h.get_by_label_contains("sudo ufw allow 8642/tcp");
        drop(h);

        let mut page = paired(Some(status(None, 1_000_000)));
        let h = Harness::new_ui(|ui| {
            phone_ui(ui, &mut page, None);
        });
        h.get_by_label("Waiting for the phone's first push.");
    }

    #[test]
    fn use_my_phone_pairs_then_shows_the_url_its_qr_code_and_steps() {
        let mut asked = Vec::new();
        let mut page = PhonePage {
            available: true,
            ..PhonePage::default()
        };
        let mut h = Harness::new_ui_state(
            |ui, (page, asked): &mut (PhonePage, Vec<PhoneRequest>)| {
                asked.extend(phone_ui(ui, page, None));
            },
            (std::mem::take(&mut page), std::mem::take(&mut asked)),
        );
        h.get_by_label("Use my phone").click();
        // A spinner turns while the coordinator pairs.
        h.run_steps(2);
        assert_eq!(
            h.state().1,
            vec![PhoneRequest::Pair {
                name: "Phone".into(),
                phyphox: None
            }]
        );
        // The coordinator answers: the steps open on the URL and its code.
        let url = "http://192.168.1.20:8642/push/0123456789abcdef0123456789abcdef";
        h.state_mut().0.apply(PhoneLinkEvent::Paired {
            name: "Phone".into(),
            url: url.into(),
            phyphox: false,
        });
        h.run();
        h.get_by_label(url);
        h.get_by_label(&format!("QR code of {url}"));
        h.get_by_label_contains("Tap to Test Pushing");
        // Forget asks first, then forgets.
        h.get_by_label("Forget phone").click();
        h.run();
        h.get_by_label("Forget").click();
        h.run();
        assert_eq!(h.state().1.last(), Some(&PhoneRequest::Forget));
        h.state_mut().0.apply(PhoneLinkEvent::Forgotten);
        h.run();
        h.get_by_label("Use my phone");
        assert!(h.query_by_label(url).is_none());
    }

    #[test]
    fn a_thigh_sensor_is_replaced_only_after_asking() {
        let mut h = Harness::new_ui_state(
            |ui, (page, asked): &mut (PhonePage, Vec<PhoneRequest>)| {
                asked.extend(phone_ui(ui, page, Some("Thigh board")));
            },
            (
                PhonePage {
                    available: true,
                    ..PhonePage::default()
                },
                Vec::new(),
            ),
        );
        h.get_by_label("Use my phone").click();
        h.run();
        assert!(h.state().1.is_empty());
        h.get_by_label_contains("take the place of Thigh board");
        h.get_by_label("Use my phone instead").click();
        h.run_steps(2);
        assert_eq!(h.state().1.len(), 1);
    }

    #[test]
    fn phyphox_is_paired_with_the_address_typed() {
        let mut h = Harness::new_ui_state(
            |ui, (page, asked): &mut (PhonePage, Vec<PhoneRequest>)| {
                asked.extend(phone_ui(ui, page, None));
            },
            (
                PhonePage {
                    available: true,
                    ..PhonePage::default()
                },
                Vec::new(),
            ),
        );
        // Nothing typed: nothing to use.
        assert!(h.get_by_label("Use phyphox").accesskit_node().is_disabled());
        h.get_by_label("phyphox address")
            .set_text_value_accesskit("http://192.168.1.23:8080");
        h.run();
        h.get_by_label("Use phyphox").click();
        h.run_steps(2);
        assert_eq!(
            h.state().1,
            vec![PhoneRequest::Pair {
                name: "Phone".into(),
                phyphox: Some("http://192.168.1.23:8080".into())
            }]
        );
        h.state_mut().0.apply(PhoneLinkEvent::Paired {
            name: "Phone".into(),
            url: "http://192.168.1.23:8080".into(),
            phyphox: true,
        });
        h.run();
        h.get_by_label("phone · thigh · phyphox at http://192.168.1.23:8080");
        // No push URL to show for phyphox.
        assert!(h.query_by_label("Show the address and steps").is_none());
    }

    #[test]
    fn in_the_demo_the_button_is_off_and_says_why() {
        let mut page = PhonePage::default();
        let h = Harness::new_ui(|ui| {
            phone_ui(ui, &mut page, None);
        });
        assert!(
            h.get_by_label("Use my phone")
                .accesskit_node()
                .is_disabled()
        );
    }

    #[test]
    fn the_qr_code_reads_back_as_the_url() {
        let url = "http://192.168.178.20:8642/push/0123456789abcdef0123456789abcdef";
        let img = qr_image(url).unwrap();
        // The quiet zone is white.
        let side = img.size[0];
        assert!(
            img.pixels[..side * 4]
                .iter()
                .all(|p| *p == egui::Color32::WHITE)
        );
        // Read as a camera would see it on screen: 4 pixels a module.
        let k = 4;
        let mut grey = rqrr::PreparedImage::prepare_from_greyscale(side * k, side * k, |x, y| {
            if img.pixels[(y / k) * side + x / k] == egui::Color32::BLACK {
                0
            } else {
                255
            }
        });
        let grids = grey.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, text) = grids[0].decode().unwrap();
        assert_eq!(text, url);
    }
}
