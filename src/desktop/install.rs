//! `sitless install-desktop`: puts the desktop entry, the icons and the
//! `AppStream` metainfo where the desktop finds them (`~/.local/share` by
//! default), after `cargo install --path .`. The .deb script uses it too,
//! with `/usr` paths.

use std::path::{Path, PathBuf};

use super::APP_ID;
use super::icon::{Look, THEME_SIZES_PX, png};

pub(crate) const DESKTOP_ENTRY: &str = include_str!("../../assets/org.sitless.Sitless.desktop");
pub(crate) const METAINFO: &str = include_str!("../../assets/org.sitless.Sitless.metainfo.xml");

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Icon(#[from] super::icon::IconError),
}

/// The entry with `Exec=` pointing at `exe` (a desktop session's PATH
/// often lacks `~/.cargo/bin`).
pub(crate) fn desktop_entry(exe: &str) -> String {
    let exe = super::autostart::exec_quoted(std::path::Path::new(exe));
    DESKTOP_ENTRY
        .lines()
        .map(|l| match l.strip_prefix("Exec=sitless") {
            Some(rest) => format!("Exec={exe}{rest}"),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Writes every file under `share` (e.g. `~/.local/share`); returns them.
pub fn install(share: &Path, exe: &str) -> Result<Vec<PathBuf>, InstallError> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        (
            share.join("applications").join(format!("{APP_ID}.desktop")),
            desktop_entry(exe).into_bytes(),
        ),
        (
            share
                .join("metainfo")
                .join(format!("{APP_ID}.metainfo.xml")),
            METAINFO.as_bytes().to_vec(),
        ),
        (
            share.join(format!("icons/hicolor/scalable/apps/{APP_ID}.svg")),
            super::icon::SVG.as_bytes().to_vec(),
        ),
    ];
    for px in THEME_SIZES_PX {
        files.push((
            share.join(format!("icons/hicolor/{px}x{px}/apps/{APP_ID}.png")),
            png(Look::Recording, px)?,
        ));
    }
    let mut written = Vec::new();
    for (path, bytes) in files {
        let fail = |source| InstallError::Write {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        std::fs::write(&path, bytes).map_err(fail)?;
        written.push(path);
    }
    Ok(written)
}

/// The installed icon for notifications: the theme name when the icon is
/// in a theme folder the desktop reads, else our PNG written to `cache`.
pub(crate) fn notification_icon(cache: Option<&Path>) -> String {
    let data_dirs =
        std::env::var("XDG_DATA_DIRS").unwrap_or_else(|_| "/usr/local/share:/usr/share".into());
    let home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    let installed = home
        .into_iter()
        .chain(data_dirs.split(':').map(PathBuf::from))
        .any(|d| {
            d.join(format!("icons/hicolor/48x48/apps/{APP_ID}.png"))
                .is_file()
        });
    if installed {
        return APP_ID.to_owned();
    }
    if let Some(dir) = cache {
        let p = dir.join(format!("{APP_ID}.png"));
        if p.is_file()
            || png(Look::Recording, 64).ok().is_some_and(|b| {
                std::fs::create_dir_all(dir).is_ok() && std::fs::write(&p, b).is_ok()
            })
        {
            return p.to_string_lossy().into_owned();
        }
    }
    // Nothing better: a generic icon every theme has.
    "appointment-soon".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_points_at_the_installed_binary() {
        let e = desktop_entry("/home/p/.cargo/bin/sitless");
        assert!(e.contains("\nExec=/home/p/.cargo/bin/sitless %f\n"), "{e}");
        assert!(
            e.contains("\nExec=/home/p/.cargo/bin/sitless --background\n"),
            "{e}"
        );
        assert!(!e.contains("Exec=sitless"));
        // A space, a `%` or a `$` in the path is quoted, as in autostart.
        let e = desktop_entry("/opt/my apps/100%/$x/sitless");
        assert!(
            e.contains("\nExec=\"/opt/my apps/100%%/\\$x/sitless\" --background\n"),
            "{e}"
        );
    }

    #[test]
    fn install_writes_entry_metainfo_and_every_icon_size() {
        let dir = tempfile::tempdir().unwrap();
        let files = install(dir.path(), "/usr/bin/sitless").unwrap();
        assert_eq!(files.len(), 3 + THEME_SIZES_PX.len());
        for f in &files {
            assert!(std::fs::metadata(f).unwrap().len() > 100, "{}", f.display());
        }
        assert!(
            dir.path()
                .join("icons/hicolor/48x48/apps/org.sitless.Sitless.png")
                .is_file()
        );
    }
}
