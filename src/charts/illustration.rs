//! The exercise illustrations: SVG drawings in `assets/figures/`, made for
//! the project, rasterised in the theme's colours. A per-side step shows
//! the figure mirrored for the second side. The catalog names a figure per
//! exercise; a test here checks every one is drawn.

use super::raster::{self, Fit, RasterError};

/// The drawing placeholders, replaced by the theme's colours.
const INK: &str = "#101010";
const FLOOR: &str = "#202020";
const ACCENT: &str = "#303030";

/// Width over height of every drawing (its viewBox is 200 × 130).
pub(crate) const ASPECT: f32 = 200.0 / 130.0;

/// The drawings compiled in, by the figure id the catalog names.
const FIGURES: [(&str, &str); 7] = [
    ("walk", include_str!("../../assets/figures/walk.svg")),
    (
        "half-kneeling",
        include_str!("../../assets/figures/half-kneeling.svg"),
    ),
    (
        "half-kneeling-reach",
        include_str!("../../assets/figures/half-kneeling-reach.svg"),
    ),
    (
        "constructive-rest",
        include_str!("../../assets/figures/constructive-rest.svg"),
    ),
    (
        "glute-bridge",
        include_str!("../../assets/figures/glute-bridge.svg"),
    ),
    (
        "straight-leg-raise",
        include_str!("../../assets/figures/straight-leg-raise.svg"),
    ),
    (
        "bird-dog",
        include_str!("../../assets/figures/bird-dog.svg"),
    ),
];

/// The colours to draw in, as RGB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Palette {
    pub ink: [u8; 3],
    pub floor: [u8; 3],
    pub accent: [u8; 3],
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum IllustrationError {
    #[error("no drawing named `{0}`")]
    Unknown(String),
    #[error("drawing `{0}` is not valid SVG: {1}")]
    Svg(String, String),
    #[error("{0}×{1} px is not a drawable size")]
    Size(u32, u32),
}

/// Premultiplied-free RGBA pixels of a drawing `width_px` wide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Draws figure `id` at `width_px`, transparent around the figure;
/// `mirrored` flips it left to right (the second side of a step).
pub(crate) fn rasterise(
    id: &str,
    width_px: u32,
    palette: Palette,
    mirrored: bool,
) -> Result<Rgba, IllustrationError> {
    let svg = FIGURES
        .iter()
        .find(|(k, _)| *k == id)
        .map(|(_, s)| *s)
        .ok_or_else(|| IllustrationError::Unknown(id.to_owned()))?;
    let svg = svg
        .replace(INK, &hex(palette.ink))
        .replace(FLOOR, &hex(palette.floor))
        .replace(ACCENT, &hex(palette.accent));
    let height_px = (width_px as f32 / ASPECT).round() as u32;
    let pixels = raster::rasterise(
        &svg,
        &resvg::usvg::Options::default(),
        (width_px, height_px),
        Fit::Scaled { mirrored },
        None,
    )
    .map_err(|e| match e {
        RasterError::Svg(e) => IllustrationError::Svg(id.to_owned(), e),
        RasterError::Size(w, h) => IllustrationError::Size(w, h),
    })?;
    Ok(Rgba {
        width: width_px,
        height: height_px,
        pixels: pixels.into_iter().flatten().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PALETTE: Palette = Palette {
        ink: [20, 20, 20],
        floor: [150, 150, 150],
        accent: [213, 94, 0],
    };

    /// Coverage per pixel, read right to left when `flip`.
    fn alpha(img: &Rgba, flip: bool) -> Vec<i32> {
        let w = img.width as usize;
        (0..img.height as usize)
            .flat_map(|y| {
                (0..w).map(move |x| {
                    let x = if flip { w - 1 - x } else { x };
                    i32::from(img.pixels[(y * w + x) * 4 + 3])
                })
            })
            .collect()
    }

    /// Mean absolute difference of two coverage maps (0–255).
    fn diff(a: &[i32], b: &[i32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from((x - y).abs()))
            .sum::<f64>()
            / a.len() as f64
    }

    #[test]
    fn every_exercise_of_the_catalog_has_its_drawing() {
        let c = crate::routines::catalog::Catalog::builtin();
        for e in &c.exercises {
            assert!(
                FIGURES.iter().any(|(k, _)| *k == e.figure),
                "exercise `{}` has no figure `{}`",
                e.id,
                e.figure
            );
        }
    }

    #[test]
    fn every_drawing_renders_in_the_palette_and_mirrors() {
        for (id, _) in FIGURES {
            let img = rasterise(id, 200, PALETTE, false).unwrap();
            assert_eq!((img.width, img.height), (200, 130));
            let px = |c: [u8; 3]| {
                img.pixels
                    .chunks_exact(4)
                    .filter(|p| p[..3] == c && p[3] == 255)
                    .count()
            };
            assert!(px(PALETTE.ink) > 500, "{id}: the body is drawn in ink");
            assert!(px(PALETTE.floor) > 100, "{id}: the floor is drawn");
            // The placeholders are gone: nothing is left in their colours.
            assert_eq!(px([16, 16, 16]), 0, "{id}");
            let m = rasterise(id, 200, PALETTE, true).unwrap();
            // Edge smoothing may differ by a shade, the shapes may not.
            let same = diff(&alpha(&img, false), &alpha(&m, true));
            assert!(
                same < 0.5,
                "{id}: the mirror is the drawing flipped ({same})"
            );
            let other = diff(&alpha(&img, false), &alpha(&m, false));
            assert!(
                other > 5.0,
                "{id}: the mirror differs from the drawing ({other})"
            );
        }
        assert!(matches!(
            rasterise("nope", 100, PALETTE, false),
            Err(IllustrationError::Unknown(_))
        ));
    }
}
