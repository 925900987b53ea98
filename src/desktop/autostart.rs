//! Starting at login (XDG Autostart): the Settings switch writes or removes
//! `$XDG_CONFIG_HOME/autostart/sitless.desktop`, which starts Sitless in
//! the tray.

use std::path::{Path, PathBuf};

/// The autostart entry for `exe`.
pub fn entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Sitless\n\
         Comment=Sitting-break reminders from your posture sensor\n\
         Exec={} --background\n\
         Icon={}\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n",
        exec_quoted(exe),
        super::APP_ID
    )
}

/// Quotes a path for an `Exec=` line (Desktop Entry spec: quote when it
/// has reserved characters; inside quotes escape `"`, `` ` ``, `$`, `\`;
/// a literal `%` is `%%`, or it would read as a field code). The one rule
/// for the autostart entry and the installed one.
pub(crate) fn exec_quoted(exe: &Path) -> String {
    let s = exe.to_string_lossy();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        return s.into_owned();
    }
    let mut q = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            q.push('\\');
        }
        if c == '%' {
            q.push('%');
        }
        q.push(c);
    }
    q.push('"');
    q
}

/// Where the entry goes: `$XDG_CONFIG_HOME/autostart/sitless.desktop`
/// (`~/.config` by default), or a folder a test chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Autostart {
    file: PathBuf,
}

impl Autostart {
    pub(crate) fn from_env() -> Option<Self> {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(Self::in_config(&config))
    }

    /// The entry under `config` (what `XDG_CONFIG_HOME` would be).
    pub fn in_config(config: &Path) -> Self {
        Self {
            file: config.join("autostart").join("sitless.desktop"),
        }
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    pub fn enabled(&self) -> bool {
        self.file.is_file()
    }

    /// Writes (`on`, starting `exe`) or removes the entry; written whole
    /// or not at all.
    pub fn set(&self, on: bool, exe: &Path) -> std::io::Result<()> {
        if on {
            if let Some(dir) = self.file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = self.file.with_extension("desktop.tmp");
            std::fs::write(&tmp, entry(exe))?;
            std::fs::rename(&tmp, &self.file)
        } else {
            match std::fs::remove_file(&self.file) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                r => r,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_lines_quote_what_needs_it() {
        assert_eq!(
            exec_quoted(Path::new("/usr/bin/sitless")),
            "/usr/bin/sitless"
        );
        assert_eq!(
            exec_quoted(Path::new("/home/a b/$x/sitless")),
            "\"/home/a b/\\$x/sitless\""
        );
        assert!(
            entry(Path::new("/usr/bin/sitless")).contains("Exec=/usr/bin/sitless --background\n")
        );
    }

    #[test]
    fn the_switch_writes_and_removes_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let a = Autostart::in_config(dir.path());
        assert!(!a.enabled());
        a.set(true, Path::new("/opt/sitless/bin/sitless")).unwrap();
        assert!(a.enabled());
        let text = std::fs::read_to_string(a.file()).unwrap();
        assert!(
            text.contains("Exec=/opt/sitless/bin/sitless --background"),
            "{text}"
        );
        a.set(false, Path::new("/opt/sitless/bin/sitless")).unwrap();
        assert!(!a.enabled());
        a.set(false, Path::new("x")).unwrap();
    }
}
