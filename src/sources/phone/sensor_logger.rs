//! Sensor Logger's "HTTP Push" (iOS and Android): once per batch period the
//! app POSTs `{"messageId", "sessionId", "deviceId", "payload": [{"name",
//! "time" (UTC epoch ns), "values": {…}}, …]}` (the schema of the app's own
//! documentation, awesome-sensor-logger's PUSHING.md).
//!
//! Sitless needs acceleration with gravity: Android's `totalacceleration`
//! or `accelerometeruncalibrated`, else an iPhone's `accelerometer`
//! (gravity removed) with `gravity` added back at the nearest time. Values
//! are m/s² (the app's units), told from g by gravity's size as for files.

use serde::Deserialize;

use crate::domain::sample::RawSample;
use crate::domain::vector::Vec3;

/// Standard gravity.
const G_MS2: f64 = 9.806_65;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    message_id: Option<u64>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    device_id: Option<String>,
    #[serde(default)]
    payload: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    name: String,
    /// UTC epoch nanoseconds (a number; some versions send a string).
    time: serde_json::Value,
    #[serde(default)]
    values: serde_json::Value,
}

/// One push, decoded.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Push {
    pub message_id: Option<u64>,
    pub session_id: Option<String>,
    pub device_id: Option<String>,
    /// Acceleration with gravity, in g, in time order.
    pub samples: Vec<RawSample>,
    /// The phone's battery, if the push carried it.
    pub battery_pct: Option<u8>,
    /// Entries of any kind (a test push has none).
    pub entries: usize,
    /// The push carried readings but no acceleration with gravity.
    pub unusable: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum PushError {
    #[error("not a Sensor Logger push: {0}")]
    Json(String),
}

fn time_ns(v: &serde_json::Value) -> Option<i128> {
    match v {
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i128)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn xyz(v: &serde_json::Value) -> Option<[f64; 3]> {
    let get = |k: &str| v.get(k)?.as_f64().filter(|f| f.is_finite());
    Some([get("x")?, get("y")?, get("z")?])
}

/// (time in ms, vector) of the entries named `name`, in time order.
fn series(entries: &[Entry], name: &str) -> Vec<(i64, [f64; 3])> {
    let mut out: Vec<(i64, [f64; 3])> = entries
        .iter()
        .filter(|e| e.name.eq_ignore_ascii_case(name))
        .filter_map(|e| {
            let ms = i64::try_from(time_ns(&e.time)? / 1_000_000).ok()?;
            Some((ms, xyz(&e.values)?))
        })
        .collect();
    out.sort_by_key(|(t, _)| *t);
    out
}

/// Gravity at each acceleration's time (the latest at or before it, the
/// first before gravity starts) added to it.
fn with_gravity(accel: &[(i64, [f64; 3])], gravity: &[(i64, [f64; 3])]) -> Vec<(i64, [f64; 3])> {
    let mut g = 0;
    accel
        .iter()
        .map(|&(t, a)| {
            while g + 1 < gravity.len() && gravity[g + 1].0 <= t {
                g += 1;
            }
            let gv = gravity[g].1;
            (t, [a[0] + gv[0], a[1] + gv[1], a[2] + gv[2]])
        })
        .collect()
}

/// Decodes one push body.
pub(crate) fn decode(body: &[u8]) -> Result<Push, PushError> {
    let m: Envelope = serde_json::from_slice(body).map_err(|e| PushError::Json(e.to_string()))?;
    let total = ["totalacceleration", "accelerometeruncalibrated"]
        .iter()
        .map(|n| series(&m.payload, n))
        .find(|s| !s.is_empty());
    let total = total.unwrap_or_else(|| {
        let (accel, gravity) = (
            series(&m.payload, "accelerometer"),
            series(&m.payload, "gravity"),
        );
        if accel.is_empty() || gravity.is_empty() {
            Vec::new()
        } else {
            with_gravity(&accel, &gravity)
        }
    });
    // m/s² unless the values are clearly in g (about 1 at rest).
    let mean = total
        .iter()
        .map(|(_, v)| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt())
        .sum::<f64>()
        / total.len().max(1) as f64;
    let scale = if (0.5..=2.0).contains(&mean) {
        1.0
    } else {
        1.0 / G_MS2
    };
    let samples: Vec<RawSample> = total
        .iter()
        .map(|&(t_ms, v)| RawSample {
            t_ms,
            accel_g: Vec3::new(
                (v[0] * scale) as f32,
                (v[1] * scale) as f32,
                (v[2] * scale) as f32,
            ),
        })
        .collect();
    let battery_pct = m
        .payload
        .iter()
        .rev()
        .find(|e| e.name.eq_ignore_ascii_case("battery"))
        .and_then(|e| e.values.get("batteryLevel")?.as_f64())
        .filter(|l| (0.0..=1.0).contains(l))
        .map(|l| (l * 100.0).round() as u8);
    let entries = m.payload.len();
    Ok(Push {
        message_id: m.message_id,
        session_id: m.session_id,
        device_id: m.device_id,
        unusable: samples.is_empty() && entries > 0,
        samples,
        battery_pct,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_772_438_400_000;

    fn entry(name: &str, ms: i64, x: f64, y: f64, z: f64) -> String {
        format!(
            r#"{{"name":"{name}","time":{},"values":{{"x":{x},"y":{y},"z":{z}}},"accuracy":3}}"#,
            i128::from(ms) * 1_000_000 + 123
        )
    }

    fn message(entries: &[String]) -> Vec<u8> {
        format!(
            r#"{{"messageId":7,"sessionId":"s1","deviceId":"d1","payload":[{}]}}"#,
            entries.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn android_total_acceleration_in_ms2_becomes_g() {
        let body = message(&[
            entry("totalacceleration", T0 + 10, 0.0, 0.0, 9.80665),
            entry("totalacceleration", T0, 9.80665, 0.0, 0.0),
            entry("gyroscope", T0, 1.0, 1.0, 1.0),
            r#"{"name":"battery","time":1,"values":{"batteryLevel":0.81,"batteryState":"unplugged"}}"#
                .to_owned(),
        ]);
        let p = decode(&body).unwrap();
        assert_eq!(p.message_id, Some(7));
        assert_eq!(p.session_id.as_deref(), Some("s1"));
        assert_eq!(p.samples.len(), 2);
        assert_eq!(p.samples[0].t_ms, T0, "in time order");
        assert!((p.samples[0].accel_g.x - 1.0).abs() < 1e-6);
        assert!((p.samples[1].accel_g.z - 1.0).abs() < 1e-6);
        assert_eq!(p.battery_pct, Some(81));
        assert!(!p.unusable);
    }

    #[test]
    fn an_iphone_push_adds_gravity_back() {
        let body = message(&[
            entry("accelerometer", T0, 0.5, 0.0, 0.0),
            entry("accelerometer", T0 + 10, 0.0, 0.0, 0.0),
            entry("gravity", T0 - 5, 0.0, 0.0, -9.80665),
        ]);
        let p = decode(&body).unwrap();
        assert_eq!(p.samples.len(), 2);
        let a = p.samples[0].accel_g;
        assert!(
            (a.x - 0.5 / 9.80665).abs() < 1e-6 && (a.z + 1.0).abs() < 1e-6,
            "{a:?}"
        );
    }

    #[test]
    fn pushes_without_gravity_and_tests_and_garbage() {
        let p = decode(&message(&[entry("accelerometer", T0, 0.1, 0.0, 0.0)])).unwrap();
        assert!(p.unusable && p.samples.is_empty());
        // "Tap to Test Pushing": an empty payload.
        let p = decode(br#"{"messageId":0,"sessionId":"s","deviceId":"d","payload":[]}"#).unwrap();
        assert_eq!((p.entries, p.unusable), (0, false));
        assert!(decode(b"{").is_err());
        assert!(decode(b"[1,2,3]").is_err());
        // Values that are not numbers, times that are not times: skipped.
        let bad =
            br#"{"payload":[{"name":"totalacceleration","time":"x","values":{"x":1,"y":2,"z":3}},
                      {"name":"totalacceleration","time":5,"values":{"x":"a","y":2,"z":3}}]}"#;
        assert!(decode(bad).unwrap().samples.is_empty());
    }
}
