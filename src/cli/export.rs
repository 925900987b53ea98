//! `sitless export`: stored data as CSV.

use std::path::Path;

use anyhow::bail;
use chrono::NaiveDate;

use super::open_existing;
use crate::domain::config::Config;

pub(super) fn export(
    db: &Path,
    what: crate::transfer::export::ExportKind,
    from: NaiveDate,
    to: NaiveDate,
    out: &Path,
    cfg: &Config,
) -> anyhow::Result<()> {
    if to < from {
        bail!("--to {to} is before --from {from}");
    }
    drop(open_existing(db)?);
    let bar = super::progress_bar(1000, "exporting");
    let written = crate::transfer::file::export_file(db, what, from, to, cfg, out, &mut |f| {
        bar.set_position((f * 1000.0) as u64);
    })?;
    bar.finish_and_clear();
    println!(
        "Exported {} ({from} to {to}) to {}{}",
        what.count_words(written.value),
        out.display(),
        if written.replaced {
            " (the file that was there is replaced)"
        } else {
            ""
        }
    );
    Ok(())
}
