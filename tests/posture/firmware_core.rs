//! The reference firmware and the app cannot drift apart: the golden
//! vectors the firmware's protocol core makes are decoded by the app's
//! Sitless-profile decoder, the app encoder's vectors are the committed
//! ones (which the core's `CPython` tests decode), and those `CPython` tests
//! run here too.

use std::path::PathBuf;

use sitless::domain::vector::Vec3;
use sitless::sources::ble::model::sitless as profile;

fn firmware_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/firmware/circuitpython")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// (what, bytes) of a vectors file.
fn vectors(name: &str) -> Vec<(String, Vec<u8>)> {
    let text = std::fs::read_to_string(firmware_dir().join("vectors").join(name)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["what"].as_str().unwrap().to_owned(),
                hex(e["hex"].as_str().unwrap()),
            )
        })
        .collect()
}

#[test]
fn the_cores_vectors_decode_in_the_app() {
    let v = vectors("core.json");
    let live: Vec<profile::Packet> = v
        .iter()
        .filter(|(w, _)| w == "samples")
        .map(|(_, b)| profile::decode_samples(b).expect("the app decodes the core's packet"))
        .collect();
    // Two undated samples, then dated pairs after Set time.
    assert_eq!(live[0].seq, 0);
    assert_eq!(live[0].time_cs, None);
    assert_eq!(live[0].accel_g[1], Vec3::new(0.001, 1.0, -0.001));
    let set_cs = profile::unix_ms_to_device_cs(1_772_438_400_000);
    assert_eq!((live[1].seq, live[1].time_cs), (2, Some(set_cs)));
    assert_eq!(live[2].time_cs, Some(set_cs + 8), "two 40 ms periods later");
    assert_eq!(live[1].accel_g[0], Vec3::new(0.032, -0.99, 0.25));
    // The history: the same samples again, each packet's time consistent
    // with the live one, then the end marker with the next number.
    let history: Vec<profile::HistoryPdu> = v
        .iter()
        .filter(|(w, _)| w == "history")
        .map(|(_, b)| profile::decode_history(b).expect("the app decodes the core's history"))
        .collect();
    let records: Vec<&profile::Packet> = history
        .iter()
        .filter_map(|h| match h {
            profile::HistoryPdu::Records(p) => Some(p),
            profile::HistoryPdu::End { .. } => None,
        })
        .collect();
    assert_eq!(records[0], &live[0]);
    assert_eq!(records[1], &live[1]);
    assert_eq!(records[2], &live[2]);
    assert_eq!(records.iter().map(|p| p.accel_g.len()).sum::<usize>(), 7);
    assert_eq!(
        history.last(),
        Some(&profile::HistoryPdu::End { next_seq: 7 })
    );
    let period = v.iter().find(|(w, _)| w == "period").unwrap();
    assert_eq!(profile::decode_period(&period.1), Ok(40));
}

#[test]
fn the_committed_app_vectors_are_what_the_encoder_makes() {
    let committed = std::fs::read_to_string(firmware_dir().join("vectors/app.json")).unwrap();
    assert_eq!(
        committed,
        profile::golden_vectors_json(),
        "the encoder changed: run `cargo run --example firmware_vectors` and check the core still decodes them"
    );
}

#[test]
fn the_cores_own_tests_pass_under_cpython() {
    let python = ["python3", "python"].into_iter().find(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok()
    });
    let Some(python) = python else {
        // .ci/run installs python3; a developer machine without it skips.
        eprintln!("no python3: the firmware core's CPython tests did not run");
        return;
    };
    let out = std::process::Command::new(python)
        .args(["-m", "unittest", "discover", "-s", "tests"])
        .current_dir(firmware_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
