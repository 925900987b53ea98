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
    let rows = crate::transfer::file::export_file(db, what, from, to, cfg, out)?;
    println!(
        "exported {rows} {} rows ({from} to {to}) → {}",
        what.name(),
        out.display()
    );
    Ok(())
}
