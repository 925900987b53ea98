//! Our icon, drawn from `assets/icons/org.sitless.Sitless.svg`: the PNG
//! sizes of the icon theme, the notification icon, and the tray's state
//! icons (the same drawing in the state's colour).

use crate::charts::raster::{Fit, RasterError, rasterise};

use crate::domain::palette;

pub const SVG: &str = include_str!("../../assets/icons/org.sitless.Sitless.svg");

/// The sizes the hicolor theme looks for first (48 is the one it must have).
pub(crate) const THEME_SIZES_PX: [u32; 8] = [16, 22, 24, 32, 48, 64, 128, 256];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Look {
    /// Recording, nothing due.
    Recording,
    /// The streak is past the threshold.
    Due,
    /// The sensor seems not to be worn.
    NotWorn,
    /// A sensor is reconnecting.
    Reconnecting,
    /// Nothing is recording.
    Idle,
}

impl Look {
    /// The tile's colour: the drawing's own while recording, the
    /// palette's for what needs attention, greys when nothing records.
    fn tile(self) -> palette::Rgb {
        match self {
            Look::Recording => palette::ICON_TILE,
            Look::Due => palette::VERMILION,
            Look::NotWorn => palette::ICON_NOT_WORN,
            Look::Reconnecting => palette::ORANGE,
            Look::Idle => palette::ICON_IDLE,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IconError {
    #[error("the icon could not be drawn: {0}")]
    Draw(#[from] RasterError),
    #[error("cannot encode the PNG: {0}")]
    Png(#[from] png::EncodingError),
}

/// Straight (not premultiplied) RGBA, `size_px` square.
pub(crate) fn rgba(look: Look, size_px: u32) -> Result<Vec<u8>, IconError> {
    let svg = SVG.replace(&palette::ICON_TILE.hex(), &look.tile().hex());
    let pixels = rasterise(
        &svg,
        &resvg::usvg::Options::default(),
        (size_px, size_px),
        Fit::Scaled { mirrored: false },
        None,
    )?;
    Ok(pixels.into_iter().flatten().collect())
}

/// ARGB in network byte order, as `StatusNotifierItem` pixmaps are.
pub(crate) fn argb(look: Look, size_px: u32) -> Result<Vec<u8>, IconError> {
    let mut px = rgba(look, size_px)?;
    for p in px.chunks_exact_mut(4) {
        p.rotate_right(1);
    }
    Ok(px)
}

pub fn png(look: Look, size_px: u32) -> Result<Vec<u8>, IconError> {
    let px = rgba(look, size_px)?;
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, size_px, size_px);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&px)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_states_are_told_apart_by_colour_and_the_corners_are_clear() {
        let a = rgba(Look::Recording, 32).unwrap();
        let b = rgba(Look::Due, 32).unwrap();
        assert_eq!(a.len(), 32 * 32 * 4);
        assert_ne!(a, b);
        // The tile's rounded corner leaves the very corner transparent.
        assert_eq!(a[3], 0);
        // Its middle-left is the tile colour (#1f8a78), opaque.
        let i = (16 * 32 + 4) * 4;
        assert_eq!(&a[i..i + 4], &[0x1f, 0x8a, 0x78, 255]);
        let argb = argb(Look::Recording, 32).unwrap();
        assert_eq!(&argb[i..i + 4], &[255, 0x1f, 0x8a, 0x78]);
    }

    #[test]
    fn a_png_decodes_at_its_size() {
        let bytes = png(Look::Recording, 48).unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = dec.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (48, 48));
    }
}
