//! Synthetic history for demos and benchmarks: a seeded desk worker wearing
//! a thigh and a back sensor, through the same pipeline and writer as live
//! data (so rollups, streaks and reminders are the real ones). Weekdays
//! are workdays of 7.5–9.5 h; on a weekend day the sensor is worn for a
//! few hours about half the time; now and then a day is skipped.

use std::path::Path;

use anyhow::bail;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};

use crate::cli::finish_writer;
use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::days::{local_date, local_to_unix};
use crate::domain::posture::Posture;
use crate::domain::sample::Placement;
use crate::domain::session::RoutineSession;
use crate::engine::recorder::{Recorder, demo_calibration, register_demo_device};
use crate::pipeline::SensorInput;
use crate::sources::demo::wearer::{DemoScript, DemoSecond, DemoWearer};
use crate::store::Store;
use crate::store::lock::DbLock;
use crate::store::writer::{Outcome, StoreWriter, WriteOp};

/// The figures of a run, for the command's one line and the benches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    pub days_worn: u32,
    pub seconds: u64,
    pub reminders: u64,
    pub routines: u64,
}

/// One day's plan: when the wearer starts and for how long, or nothing.
fn plan(date: NaiveDate, rng: &mut fastrand::Rng) -> Option<(NaiveTime, f64)> {
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    if rng.u8(0..100) < if weekend { 45 } else { 4 } {
        return None;
    }
    let (start_min, hours) = if weekend {
        (rng.u32(9 * 60..=14 * 60), 3.0 + rng.f64() * 3.0)
    } else {
        (rng.u32(7 * 60 + 45..=9 * 60 + 30), 7.5 + rng.f64() * 2.0)
    };
    NaiveTime::from_hms_opt(start_min / 60, start_min % 60, 0).map(|t| (t, hours))
}

/// Generates the `days` days before `today` into `db`.
pub fn gen_history(
    db: &Path,
    days: u32,
    seed: u64,
    today: NaiveDate,
    cfg: &Config,
    on_day: &mut dyn FnMut(u32),
) -> anyhow::Result<GenSummary> {
    if days == 0 || days > 3660 {
        bail!("--days must be between 1 and 3660, got {days}");
    }
    let _lock = DbLock::acquire(db)?;
    let store = Store::open(db)?;
    let first = today - Duration::days(i64::from(days));
    let first_s = local_to_unix(first.and_time(NaiveTime::MIN));
    let thigh = register_demo_device(&store, Placement::Thigh, first_s)?;
    let back = register_demo_device(&store, Placement::Back, first_s)?;
    if let Some(last) = store.last_second()?
        && last >= first_s
    {
        bail!(
            "{} already holds data from {} on; generate into a new database",
            db.display(),
            local_date(last)
        );
    }
    let writer = StoreWriter::spawn_headless(store, cfg)?;
    let tx = writer.sender();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut summary = GenSummary::default();
    let mut sec = DemoSecond::default();
    for k in 0..days {
        on_day(k);
        let date = first + Duration::days(i64::from(k));
        let Some((start, hours)) = plan(date, &mut rng) else {
            continue;
        };
        let start_s = local_to_unix(date.and_time(start));
        let day_seed = seed.wrapping_mul(100_003).wrapping_add(u64::from(k));
        let mut wearer = DemoWearer::new(DemoScript::workday(day_seed, hours), day_seed, start_s);
        let back_cal = demo_calibration(&wearer, Placement::Back)?;
        let mut rec = Recorder::new(
            &[
                SensorInput {
                    placement: Placement::Thigh,
                    device_id: thigh,
                    calibration: Calibration::default(),
                },
                SensorInput {
                    placement: Placement::Back,
                    device_id: back,
                    calibration: back_cal,
                },
            ],
            cfg,
            &writer,
        );
        let mut reminders = Vec::new();
        // The wearer's true posture each second: a routine is placed only
        // where the wearer really got up, never in a sitting minute.
        let mut upright: Vec<(i64, bool)> = Vec::new();
        while wearer.next_second(&mut sec) {
            upright.push((
                sec.t_s,
                sec.truth
                    .is_some_and(|p| !matches!(p, Posture::Sitting | Posture::Lying)),
            ));
            rec.push(Placement::Thigh, &sec.thigh);
            reminders.extend(
                rec.push(Placement::Back, &sec.back)
                    .reminders
                    .iter()
                    .cloned(),
            );
        }
        reminders.extend(rec.flush_pending().reminders.iter().cloned());
        let done = rec.finish();
        summary.days_worn += 1;
        summary.seconds += done.seconds;
        summary.reminders += reminders.len() as u64;
        place_routines(&reminders, &upright, &mut rng, &tx, &mut summary);
    }
    drop(tx);
    finish_writer(writer, db)?;
    Ok(summary)
}

/// About half the reminders lead to a routine, most done in full, in the
/// first break of 3 minutes or more within 15 minutes of the card (the
/// wearer's script decides when they get up; a card without one was not
/// followed).
fn place_routines(
    reminders: &[crate::domain::reminder::ReminderDue],
    upright: &[(i64, bool)],
    rng: &mut fastrand::Rng,
    tx: &std::sync::mpsc::SyncSender<WriteOp>,
    summary: &mut GenSummary,
) {
    for r in reminders {
        if rng.u8(0..100) >= 55 {
            continue;
        }
        let Some((break_start_s, break_s)) = first_break(upright, r.at_s, 15 * 60, 180) else {
            continue;
        };
        let started = break_start_s + rng.i64(0..10);
        let completed = rng.u8(0..100) < 80;
        let active_s = if completed {
            rng.i64(300..420)
        } else {
            rng.i64(60..200)
        }
        .min(break_s - (started - break_start_s));
        let _ = tx.send(WriteOp::Outcome {
            shown_at_s: r.at_s,
            outcome: Outcome::Started,
            at_s: started,
        });
        let _ = tx.send(WriteOp::RoutineSession(RoutineSession {
            routine: r.routine.clone(),
            started_at_s: started,
            ended_at_s: started + active_s,
            completed,
            phases_done: if completed { 6 } else { 2 },
            phases_total: 6,
            active_s,
            steps: String::new(),
            reason: Some(r.reason.clone()),
            recommended_at_s: Some(r.at_s),
        }));
        summary.routines += 1;
    }
}

/// The first run of upright seconds of at least `min_s` that starts
/// within `within_s` after `from_s`: its start and length.
fn first_break(
    upright: &[(i64, bool)],
    from_s: i64,
    within_s: i64,
    min_s: i64,
) -> Option<(i64, i64)> {
    let mut run: Option<(i64, i64)> = None;
    for &(t, up) in upright.iter().filter(|(t, _)| *t >= from_s) {
        if up {
            match &mut run {
                Some((start, len)) if t == *start + *len => *len += 1,
                _ if t > from_s + within_s => return None,
                _ => run = Some((t, 1)),
            }
        } else if run.is_some_and(|(_, len)| len >= min_s) {
            return run;
        } else {
            run = None;
        }
    }
    run.filter(|(_, len)| *len >= min_s)
}

pub(crate) fn gen_history_cmd(db: &Path, days: u32, seed: u64, cfg: &Config) -> anyhow::Result<()> {
    // Generated days mixed into recorded ones could never be told apart.
    if std::fs::symlink_metadata(db).is_ok() {
        bail!(
            "{} already exists; gen-history writes made-up data only into a new file, so that it never mixes with recorded days",
            db.display()
        );
    }
    let today = local_date(chrono::Utc::now().timestamp());
    let started = std::time::Instant::now();
    let bar = super::progress_bar(u64::from(days), "generating");
    let s = gen_history(db, days, seed, today, cfg, &mut |k| {
        bar.set_position(u64::from(k));
    })?;
    bar.finish_and_clear();
    let bytes = std::fs::metadata(db).map_or(0, |m| m.len());
    println!(
        "Generated {days} days (seed {seed}): worn on {} days, {} seconds, {} reminders, {} routines, in {:.1} s, into {} ({:.1} MB)",
        s.days_worn,
        s.seconds,
        s.reminders,
        s.routines,
        started.elapsed().as_secs_f64(),
        db.display(),
        bytes as f64 / 1e6
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_routine_goes_into_the_first_break_long_enough() {
        // Sitting, a 60 s stand (too short), sitting, a 200 s walk.
        let mut s: Vec<(i64, bool)> = (0..100).map(|t| (t, false)).collect();
        s.extend((100..160).map(|t| (t, true)));
        s.extend((160..300).map(|t| (t, false)));
        s.extend((300..500).map(|t| (t, true)));
        s.extend((500..600).map(|t| (t, false)));
        assert_eq!(super::first_break(&s, 0, 900, 120), Some((300, 200)));
        // None starting within 200 s of the card.
        assert_eq!(super::first_break(&s, 0, 200, 120), None);
    }
}
