//! `sitless phone pair`: pairs the phone (a new secret: an older URL stops
//! working) and prints the URL to type into Sensor Logger's HTTP Push, with
//! a QR code of it in the terminal.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;

use crate::sources::phone::address::push_url;
use crate::store::Store;

pub(super) fn run(db: &Path, action: super::PhoneCommand) -> anyhow::Result<()> {
    match action {
        super::PhoneCommand::Pair {
            name,
            phyphox: Some(address),
            json,
            ..
        } => pair_phyphox(db, &name, &address, json),
        super::PhoneCommand::Pair {
            name,
            bind,
            port,
            json,
            phyphox: None,
        } => pair(db, &name, bind, port, json),
    }
}

fn pair(
    db: &Path,
    name: &str,
    bind: Option<IpAddr>,
    port: Option<u16>,
    json: bool,
) -> anyhow::Result<()> {
    let _lock = crate::store::lock::DbLock::acquire(db)?;
    let mut store = Store::open(db)?;
    let mut settings = store.settings()?;
    if let Some(b) = bind {
        settings.phone_bind = b;
    }
    if let Some(p) = port {
        anyhow::ensure!(p != 0, "--port must be a port number from 1 to 65535");
        settings.phone_port = p;
    }
    store.save_settings(&settings)?;
    let secret = crate::sources::phone::new_secret()
        .map_err(|e| anyhow::anyhow!("no randomness for the secret: {e}"))?;
    store
        .pair_phone(name, &secret, chrono::Utc::now().timestamp())
        .context("cannot pair the phone")?;
    let url = push_url(settings.phone_addr(), &secret);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "url": url,
                "name": name,
                "bind": settings.phone_bind.to_string(),
                "port": settings.phone_port,
            })
        );
        return Ok(());
    }
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::unicode::Dense1x2>()
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    println!("{qr}");
    println!("Paired {name}. In Sensor Logger: Settings → Data Streaming → HTTP Push,");
    println!("Push URL: {url}");
    println!("then start a recording with Accelerometer on (and Gravity, on an iPhone).");
    println!(
        "Sitless receives it while it runs (the window, or `sitless record`). Nothing arriving? The phone must be on the same network, and a firewall must let port {} in (ufw: sudo ufw allow {}/tcp; firewalld: sudo firewall-cmd --add-port={}/tcp).",
        settings.phone_port, settings.phone_port, settings.phone_port
    );
    Ok(())
}

/// Pairs a phone read with phyphox: Sitless asks it at `address`.
fn pair_phyphox(db: &Path, name: &str, address: &str, json: bool) -> anyhow::Result<()> {
    let address = crate::sources::phone::phyphox::PhyphoxAddress::parse(address)
        .map_err(|e| anyhow::anyhow!("--phyphox: {e}"))?;
    let _lock = crate::store::lock::DbLock::acquire(db)?;
    let mut store = Store::open(db)?;
    store
        .pair_phone_reach(
            name,
            &crate::store::settings::PhoneReach::Phyphox(address.url()),
            chrono::Utc::now().timestamp(),
        )
        .context("cannot pair the phone")?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "url": address.url(), "name": name, "phyphox": true })
        );
        return Ok(());
    }
    println!(
        "Paired {name}: Sitless asks phyphox at {} every second while it runs (the window, or `sitless record`).",
        address.url()
    );
    println!(
        "Keep phyphox open on \"Acceleration with g\" with Remote access on, the phone on the same network."
    );
    Ok(())
}

/// What `record` says of the phone: when it starts and stops sending, and
/// at the end what arrived and what was refused.
#[derive(Default)]
pub(crate) struct PhonePrinter {
    last: Option<crate::sources::phone::run::PhoneStatus>,
    streaming: bool,
}

impl PhonePrinter {
    pub(crate) fn event(&mut self, s: &crate::sources::phone::run::PhoneStatus, now_ms: i64) {
        if self.last.is_none() {
            if let Some(addr) = s.listening {
                println!("phone: listening on {addr}");
            }
            if let Some(url) = &s.polling {
                println!("phone: asking phyphox at {url}");
            }
        }
        // A new reason it cannot be read (phyphox unreachable, paused).
        if let Some(f) = &s.failed
            && self.last.as_ref().is_none_or(|l| l.failed != s.failed)
        {
            println!("phone: {f}");
        }
        let streaming = s
            .last_push_ms
            .is_some_and(|t| now_ms.saturating_sub(t) < crate::sources::phone::PHONE_QUIET_MS);
        if streaming && !self.streaming {
            match s.battery_pct {
                Some(b) => println!("phone: streaming (battery {b} %)"),
                None => println!("phone: streaming"),
            }
        } else if !streaming && self.streaming {
            println!("phone: stopped sending");
        }
        self.streaming = streaming;
        self.last = Some(s.clone());
    }

    pub(crate) fn summary(&self) {
        let Some(s) = &self.last else { return };
        let c = s.counters;
        if s.polling.is_some() {
            println!(
                "phone: answers with new samples {}, samples {} (repeats {}, too late {}); answers that were not phyphox's data {}",
                c.pushes, c.samples, s.duplicate, s.too_late, c.malformed
            );
            return;
        }
        println!(
            "phone: pushes {}, samples {} (repeats {}, too late {}); refused: wrong address {}, too big {}, too slow {}, too fast {}, not JSON {}, without gravity {}",
            c.pushes,
            c.samples,
            s.duplicate,
            s.too_late,
            c.not_found,
            c.too_big,
            c.too_slow,
            c.too_fast,
            c.malformed,
            c.unusable
        );
    }
}
