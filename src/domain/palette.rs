//! The colours, named once. The charts (plotters), the window (egui) and
//! the tray icon take theirs from here, so a state is the same colour
//! everywhere. States use the Okabe–Ito palette, which stays
//! distinguishable with the common forms of colour blindness (and every
//! chart labels them as well).

use crate::domain::posture::Posture;

/// A colour as sRGB bytes; each drawing layer converts it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// "#1f8a78", as SVG writes it.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Okabe–Ito orange: sitting, and anything waiting (a link connecting).
pub(crate) const ORANGE: Rgb = Rgb(230, 159, 0);
/// Okabe–Ito sky blue: standing.
pub(crate) const SKY_BLUE: Rgb = Rgb(86, 180, 233);
/// Okabe–Ito bluish green: moving, and anything working (streaming).
pub(crate) const GREEN: Rgb = Rgb(0, 158, 115);
/// Okabe–Ito reddish purple: lying.
pub(crate) const PURPLE: Rgb = Rgb(204, 121, 167);
/// Okabe–Ito blue: a chart's second series, and desk time.
pub(crate) const BLUE: Rgb = Rgb(0, 114, 178);
/// Okabe–Ito vermilion: what needs attention (a failure, a due break).
pub(crate) const VERMILION: Rgb = Rgb(213, 94, 0);
pub(crate) const GREY: Rgb = Rgb(150, 150, 150);
/// Time with no wearer: pale, so it reads as absence, not as a state.
pub(crate) const PALE_GREY: Rgb = Rgb(215, 215, 215);

/// Sitting in bouts < 30 min, 30–60 min, > 60 min: one hue from light to
/// dark, so the classes differ in lightness too (readable without hue).
pub(crate) const BOUTS: [Rgb; 3] = [Rgb(250, 209, 120), Rgb(230, 140, 0), Rgb(140, 70, 0)];

/// The player's announcements ("Switch sides"), on a light and a dark theme.
pub(crate) const ANNOUNCE_LIGHT: Rgb = Rgb(0, 120, 88);
pub(crate) const ANNOUNCE_DARK: Rgb = Rgb(80, 200, 160);

/// The stretched or working area in a drawing, on a dark theme (on a
/// light one: `VERMILION`).
pub(crate) const ACCENT_DARK: Rgb = Rgb(240, 140, 60);

impl From<Rgb> for [u8; 3] {
    fn from(c: Rgb) -> Self {
        [c.0, c.1, c.2]
    }
}

/// The icon's tile, as drawn in `assets/icons/org.sitless.Sitless.svg`.
pub(crate) const ICON_TILE: Rgb = Rgb(0x1f, 0x8a, 0x78);
/// The tray icon when the sensor seems not to be worn, and when nothing records.
pub(crate) const ICON_NOT_WORN: Rgb = Rgb(0x8a, 0x94, 0xa6);
pub(crate) const ICON_IDLE: Rgb = Rgb(0x4a, 0x51, 0x60);

/// A posture's colour.
pub fn posture(p: Posture) -> Rgb {
    match p {
        Posture::Sitting => ORANGE,
        Posture::Standing => SKY_BLUE,
        Posture::Moving => GREEN,
        Posture::Lying => PURPLE,
        Posture::Unknown => GREY,
        Posture::NotWorn => PALE_GREY,
        Posture::AtDesk => BLUE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_icon_tile_is_the_colour_in_the_drawing() {
        assert!(crate::desktop::icon::SVG.contains(&ICON_TILE.hex()));
    }
}
