//! SVG to pixels, written once: the charts, the routines' drawings and the
//! tray icon all go through [`rasterise`] (resvg), so a fix to scaling,
//! premultiplied alpha or text reaches all three.

use resvg::{tiny_skia, usvg};

#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    #[error("the SVG does not parse: {0}")]
    Svg(String),
    #[error("{0}×{1} px is not a drawable size")]
    Size(u32, u32),
}

/// How the drawing fills the image.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fit {
    /// Drawn at its own size (a chart made at the image's size).
    AsIs,
    /// Scaled to the image's size, flipped left to right if `mirrored`.
    Scaled { mirrored: bool },
}

/// Straight (not premultiplied) RGBA pixels of `svg` at `width`×`height`,
/// over `background` (transparent if `None`).
pub(crate) fn rasterise(
    svg: &str,
    options: &usvg::Options<'_>,
    (width, height): (u32, u32),
    fit: Fit,
    background: Option<[u8; 3]>,
) -> Result<Vec<[u8; 4]>, RasterError> {
    let tree = usvg::Tree::from_str(svg, options).map_err(|e| RasterError::Svg(e.to_string()))?;
    let mut pixmap =
        tiny_skia::Pixmap::new(width, height).ok_or(RasterError::Size(width, height))?;
    if let Some([r, g, b]) = background {
        pixmap.fill(tiny_skia::Color::from_rgba8(r, g, b, 255));
    }
    let size = tree.size();
    let (sx, sy) = (width as f32 / size.width(), height as f32 / size.height());
    let transform = match fit {
        Fit::AsIs => tiny_skia::Transform::identity(),
        Fit::Scaled { mirrored: false } => tiny_skia::Transform::from_scale(sx, sy),
        Fit::Scaled { mirrored: true } => {
            tiny_skia::Transform::from_row(-sx, 0.0, 0.0, sy, width as f32, 0.0)
        }
    };
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    Ok(pixmap
        .pixels()
        .iter()
        .map(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALF: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"><rect width="2" height="2" fill="#ff0000"/></svg>"##;

    #[test]
    fn scales_mirrors_and_fills_the_background() {
        let o = usvg::Options::default();
        let px = rasterise(HALF, &o, (8, 4), Fit::Scaled { mirrored: false }, None).unwrap();
        assert_eq!(px[0], [255, 0, 0, 255], "left half red");
        assert_eq!(px[7][3], 0, "right half transparent");
        let px = rasterise(HALF, &o, (8, 4), Fit::Scaled { mirrored: true }, None).unwrap();
        assert_eq!(px[0][3], 0, "mirrored: left half transparent");
        assert_eq!(px[7], [255, 0, 0, 255]);
        let px = rasterise(HALF, &o, (4, 2), Fit::AsIs, Some([1, 2, 3])).unwrap();
        assert_eq!(px[3], [1, 2, 3, 255], "the background shows");
        assert!(matches!(
            rasterise(HALF, &o, (0, 2), Fit::AsIs, None),
            Err(RasterError::Size(0, 2))
        ));
    }
}
