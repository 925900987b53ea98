//! What a link and a model's set-up share: the link's errors in words a
//! wearer can act on, finding a characteristic, and what a set-up found
//! (the sample period and how packets are decoded). Each model's set-up is
//! in its own file (`model/`); the link runs whichever the model names.

use std::future::Future;
use std::pin::Pin;

use btleplug::api::{Characteristic, Peripheral as _};
use btleplug::platform::Peripheral;

use super::decode::DecodeError;
use super::pmd::Notes;

#[derive(Debug, thiserror::Error)]
pub(crate) enum LinkError {
    #[error("the sensor is not in range")]
    NotFound,
    #[error("the connection was lost")]
    Lost,
    #[error("{0}")]
    Bluetooth(String),
    #[error("the sensor has no {0} characteristic; is it running the expected firmware?")]
    Missing(&'static str),
    #[error("the sensor answered its set-up with an invalid value ({0})")]
    Setup(DecodeError),
    #[error("stopped")]
    Stopped,
}

impl From<super::pmd::PmdError> for LinkError {
    fn from(e: super::pmd::PmdError) -> Self {
        use super::pmd::PmdError;
        match e {
            PmdError::Missing(what) => Self::Missing(what),
            PmdError::Refused(what) => Self::Setup(DecodeError::Frame(what)),
            PmdError::Decode(d) => Self::Setup(d),
            PmdError::Timeout => {
                Self::Bluetooth("the sensor did not answer its set-up in time".into())
            }
            PmdError::Lost => Self::Lost,
            PmdError::Ble(b) => b.into(),
        }
    }
}

impl From<btleplug::Error> for LinkError {
    fn from(e: btleplug::Error) -> Self {
        Self::Bluetooth(plain_error(&e))
    }
}

/// A btleplug/BlueZ error in words a wearer can act on.
pub(crate) fn plain_error(e: &btleplug::Error) -> String {
    let text = e.to_string();
    let has = |s: &str| text.contains(s);
    if has("ServiceUnknown") || has("org.bluez was not provided") {
        "the Bluetooth service (BlueZ) is not running".into()
    } else if has("NotReady") || has("Not Powered") {
        "Bluetooth is off".into()
    } else if has("NoServer")
        || has("FileNotFound")
        || has("Failed to connect to socket")
        || has("system bus")
        || has("D-Bus")
    {
        "cannot reach the system's Bluetooth service (no system D-Bus)".into()
    } else if has("NotAuthorized") || has("AuthenticationFailed") || has("Permission") {
        "the sensor refused the connection; pair (bond) it in the system's Bluetooth settings first"
            .into()
    } else if matches!(e, btleplug::Error::TimedOut(_)) || has("Timeout") || has("timed out") {
        "the sensor did not answer in time".into()
    } else if matches!(e, btleplug::Error::NotConnected) {
        "the connection was lost".into()
    } else if matches!(e, btleplug::Error::DeviceNotFound) {
        "the sensor is not in range".into()
    } else {
        format!("Bluetooth error: {text}")
    }
}

/// The characteristic `uuid` of a connected sensor; `what` names it in
/// the error when the firmware does not offer it.
pub(crate) fn characteristic(
    p: &Peripheral,
    uuid: uuid::Uuid,
    what: &'static str,
) -> Result<Characteristic, LinkError> {
    p.characteristics()
        .into_iter()
        .find(|c| c.uuid == uuid)
        .ok_or(LinkError::Missing(what))
}

/// What the model's set-up found: the sample period the sensor runs at
/// (as read back from it) and how its packets are decoded.
pub(crate) struct Decoding {
    pub period_ms: u16,
    pub kind: DecodingKind,
}

pub(crate) enum DecodingKind {
    Sitless,
    /// One sample per notification of `data`, stamped on arrival.
    Arrival {
        data: uuid::Uuid,
        decode: fn(&[u8]) -> Result<crate::domain::vector::Vec3, DecodeError>,
    },
    /// Frames of samples dated by the sensor's clock (Polar PMD).
    Pmd(super::pmd::PmdStream),
}

/// What a model's set-up is given: the connected sensor, the wall clock
/// now (Unix ms) and the notification stream (answers of a control point).
pub(crate) struct SetupCtx<'a> {
    pub peripheral: &'a Peripheral,
    pub now_ms: i64,
    pub notes: &'a mut Notes,
}

/// A model's set-up, run by the link after it connected.
pub(crate) type SetupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Decoding, LinkError>> + Send + 'a>>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn errors_in_plain_words() {
        let e = |s: &str| plain_error(&btleplug::Error::Other(s.to_owned().into()));
        assert_eq!(
            e("Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory"),
            "cannot reach the system's Bluetooth service (no system D-Bus)"
        );
        assert_eq!(
            e("D-Bus error: org.freedesktop.DBus.Error.ServiceUnknown"),
            "the Bluetooth service (BlueZ) is not running"
        );
        assert_eq!(
            e("org.bluez.Error.NotReady: Resource Not Ready"),
            "Bluetooth is off"
        );
        assert_eq!(
            plain_error(&btleplug::Error::TimedOut(Duration::from_secs(10))),
            "the sensor did not answer in time"
        );
    }
}
