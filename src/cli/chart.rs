//! `sitless chart`: a History chart as a PNG or SVG file.

use std::path::Path;

use anyhow::bail;
use chrono::NaiveDate;

use super::open_existing;
use crate::domain::config::Config;
use crate::domain::days::local_date;

#[allow(clippy::too_many_arguments)]
pub(super) fn chart(
    db: &Path,
    kind: crate::charts::ChartKind,
    date: Option<NaiveDate>,
    out: &Path,
    width: u32,
    height: Option<u32>,
    dark: bool,
    whole_day: bool,
    cfg: &Config,
) -> anyhow::Result<()> {
    use crate::charts::frame::Style;
    use crate::charts::render::{ChartSource, render_file};
    use crate::charts::{ChartKind, ChartTheme};
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let svg = match ext.as_deref() {
        Some("svg") => true,
        Some("png") => false,
        _ => bail!("--out must end in .png or .svg, got {}", out.display()),
    };
    // A wrong target is refused before anything is drawn.
    crate::transfer::file::check_target(out, Some(db))?;
    let store = open_existing(db)?;
    // Without --date: the last period with data, not an empty one.
    let date = match date {
        Some(d) => d,
        None => store
            .last_date_with_data()?
            .unwrap_or_else(|| local_date(chrono::Utc::now().timestamp())),
    };
    let height = height.unwrap_or(match kind {
        ChartKind::Week | ChartKind::Month => width * 3 / 4,
        _ => width / 3,
    });
    let threshold_s = store.threshold_s(cfg);
    let style = Style {
        theme: if dark {
            ChartTheme::Dark
        } else {
            ChartTheme::Light
        },
        scale: (f64::from(width) / 900.0).clamp(1.0, 4.0),
        threshold_s,
        whole_day,
    };
    let period = kind.period();
    // An empty chart is not a chart: say so rather than write one.
    let (first, last) = period.range(date);
    if store.dates_with_data(first, last)?.is_empty() {
        match store.last_date_with_data()? {
            Some(d) => bail!(
                "no data in {}: nothing to draw (the last day with data is {d}; give --date)",
                period.label(date)
            ),
            None => bail!("the database has no data yet: nothing to draw"),
        }
    }
    let (day, per);
    let src = if period == crate::domain::figures::Period::Day {
        day = store.day_detail(date, threshold_s)?;
        ChartSource::Day(&day)
    } else {
        per = store.period_data(period, date, threshold_s)?;
        ChartSource::Period(&per)
    };
    let title = match kind {
        ChartKind::Week | ChartKind::Month => period.label(date),
        _ => format!("{}, {}", kind.title(), period.label(date)),
    };
    let bytes = render_file(kind, src, width, height, style, &title, svg)?;
    // Private like the database and the exports, never through a link.
    let written = crate::transfer::file::write_private(out, Some(db), |w| w.write_all(&bytes))?;
    println!(
        "{} chart of {} → {} ({width}×{height}, {} bytes){}",
        kind.title(),
        period.label(date),
        out.display(),
        bytes.len(),
        if written.replaced {
            "; the file that was there is replaced"
        } else {
            ""
        }
    );
    Ok(())
}
