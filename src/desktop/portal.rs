//! The desktop's own file chooser, through the XDG desktop portal
//! (`org.freedesktop.portal.FileChooser`): GNOME, KDE and the others each
//! show their own dialog, and a sandboxed Sitless would get access to the
//! file chosen. The portal answers on a `Request` object whose path the
//! caller can compute (its unique name and a token of its own), so the
//! answer is listened for before the question is asked.
//!
//! Without a portal (no `xdg-desktop-portal` running) the caller says so
//! and the typed path stays the way to choose.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use zbus::MatchRule;
use zbus::blocking::{Connection, MessageIterator, Proxy};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

const PORTAL: &str = "org.freedesktop.portal.Desktop";
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";

/// What to ask the chooser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileAsk {
    /// An existing file to read.
    Open { title: String },
    /// Where to write, starting from `current` (folder and file name).
    Save { title: String, current: PathBuf },
}

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("this desktop has no file chooser service (xdg-desktop-portal): {0}")]
    Unavailable(zbus::Error),
    #[error("the file chooser failed: {0}")]
    Bus(#[from] zbus::Error),
    #[error("the file chooser gave up (answer {0})")]
    Failed(u32),
    #[error("the file chooser chose something that is not a local file: {0}")]
    NotAFile(String),
}

/// Asks the desktop's file chooser on the session bus; waits for the
/// person (there is no time limit on choosing). `Ok(None)`: cancelled.
pub fn choose(ask: &FileAsk) -> Result<Option<PathBuf>, PortalError> {
    let conn = Connection::session().map_err(PortalError::Unavailable)?;
    choose_on(&conn, ask)
}

/// As [`choose`], on a given connection.
pub fn choose_on(conn: &Connection, ask: &FileAsk) -> Result<Option<PathBuf>, PortalError> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let token = format!(
        "sitless{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let sender = conn
        .unique_name()
        .map(|n| n.trim_start_matches(':').replace('.', "_"))
        .unwrap_or_default();
    let expected = format!("{PORTAL_PATH}/request/{sender}/{token}");
    let responses = listen(conn, &expected)?;
    let chooser = Proxy::new(
        conn,
        PORTAL,
        PORTAL_PATH,
        "org.freedesktop.portal.FileChooser",
    )
    .map_err(PortalError::Unavailable)?;
    let mut options: HashMap<&str, Value<'_>> = HashMap::new();
    options.insert("handle_token", Value::from(token.as_str()));
    options.insert("modal", Value::from(true));
    let (method, title) = match ask {
        FileAsk::Open { title } => ("OpenFile", title),
        FileAsk::Save { title, current } => {
            if let Some(name) = current.file_name().and_then(|n| n.to_str()) {
                options.insert("current_name", Value::from(name.to_owned()));
            }
            if let Some(folder) = current.parent().filter(|p| p.is_dir()) {
                options.insert("current_folder", Value::from(nul_terminated(folder)));
            }
            ("SaveFile", title)
        }
    };
    let handle: OwnedObjectPath = chooser
        .call(method, &("", title.as_str(), options))
        .map_err(|e| match e {
            zbus::Error::MethodError(ref name, ..)
                if name.as_str() == "org.freedesktop.DBus.Error.ServiceUnknown"
                    || name.as_str() == "org.freedesktop.DBus.Error.UnknownMethod" =>
            {
                PortalError::Unavailable(e)
            }
            e => PortalError::Bus(e),
        })?;
    // An old portal may answer on a path of its own making.
    let responses = if handle.as_str() == expected {
        responses
    } else {
        listen(conn, handle.as_str())?
    };
    for m in responses {
        let m = m?;
        let Ok((code, results)) = m.body().deserialize::<(u32, HashMap<String, OwnedValue>)>()
        else {
            continue;
        };
        return match code {
            0 => first_path(&results).map(Some),
            1 => Ok(None),
            other => Err(PortalError::Failed(other)),
        };
    }
    Err(PortalError::Failed(u32::MAX))
}

fn listen(conn: &Connection, path: &str) -> Result<MessageIterator, PortalError> {
    let rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.freedesktop.portal.Request")?
        .member("Response")?
        .path(path.to_owned())?
        .build();
    Ok(MessageIterator::for_match_rule(rule, conn, Some(4))?)
}

/// A folder as the portal takes it: bytes, NUL-terminated.
fn nul_terminated(p: &Path) -> Vec<u8> {
    let mut v = p.as_os_str().as_encoded_bytes().to_vec();
    v.push(0);
    v
}

fn first_path(results: &HashMap<String, OwnedValue>) -> Result<PathBuf, PortalError> {
    let uris: Vec<String> = results
        .get("uris")
        .and_then(|v| Vec::<String>::try_from(v.try_clone().ok()?).ok())
        .unwrap_or_default();
    let uri = uris
        .first()
        .ok_or_else(|| PortalError::NotAFile("no file".into()))?;
    file_uri_path(uri).ok_or_else(|| PortalError::NotAFile(uri.clone()))
}

/// `path` as a `file://` URI, every byte outside the unreserved set and
/// `/` percent-encoded (as `org.freedesktop.Application.Open` takes files); `file_uri_path` reads it back.
pub(crate) fn file_uri(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file://");
    for &b in absolute.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri
}

/// `file:///home/a/My%20file.csv` as a path; other schemes are not files.
pub(crate) fn file_uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // A host part ("file://localhost/…") is this machine's only.
    let rest = match rest.find('/') {
        Some(0) => rest,
        Some(i) if &rest[..i] == "localhost" => &rest[i..],
        _ => return None,
    };
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    if out.contains(&0) {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(out).ok().map(PathBuf::from)
    }
}

#[cfg(test)]
mod tests {
    use super::{file_uri, file_uri_path};
    use std::path::PathBuf;

    #[test]
    fn file_uris_become_paths_and_nothing_else_does() {
        assert_eq!(
            file_uri_path("file:///home/a/My%20walk%20%C3%A9.csv"),
            Some(PathBuf::from("/home/a/My walk é.csv"))
        );
        assert_eq!(
            file_uri_path("file://localhost/tmp/x.csv"),
            Some(PathBuf::from("/tmp/x.csv"))
        );
        for bad in [
            "https://example.org/x.csv",
            "file://otherhost/x.csv",
            "file:///x%2",
            "file:///x%zz",
            "file:///x%00y",
            "/tmp/x.csv",
        ] {
            assert_eq!(file_uri_path(bad), None, "{bad}");
        }
        let odd = PathBuf::from("/tmp/a b%c/é #1.csv");
        assert_eq!(file_uri_path(&file_uri(&odd)), Some(odd), "a round trip");
    }
}
