//! The posture pipeline on real labelled recordings (not in CI; CI runs a
//! small subset in `tests/posture/posture_real.rs`). `scripts/real-eval` runs it;
//! `docs/posture.md` reports it.
//!
//! `cargo run --release --example real_eval -- [DATA_DIR] [--rates 25,50,100] [--rotations N] [--only TEXT] [--confusion]`
//!
//! `DATA_DIR` holds `dsads/`, `mobifall/` and `hugadb/` as the project's
//! shared test data lays them out (default `../shared/data/real`). Every
//! DSADS leg is joined into days in three orders and turned by random
//! rotations; phones and the other recordings are run as recorded, turned,
//! and at other rates with irregular timestamps.

use std::path::PathBuf;

use anyhow::Context;
use sitless::eval::real::{self, Leg, RealScore, Recording};

#[allow(clippy::struct_excessive_bools)] // one per command-line flag
struct Args {
    dir: PathBuf,
    rates: Vec<f32>,
    rotations: u64,
    only: Option<String>,
    confusion: bool,
    gait: bool,
    trace: bool,
    roll: bool,
    csv: Option<PathBuf>,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        dir: PathBuf::from("../shared/data/real"),
        rates: Vec::new(),
        rotations: 1,
        only: None,
        confusion: false,
        gait: false,
        trace: false,
        roll: false,
        csv: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--rates" => {
                a.rates = it
                    .next()
                    .context("--rates 25,50,100")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .context("--rates 25,50,100")?;
            }
            "--rotations" => a.rotations = it.next().context("--rotations N")?.parse()?,
            "--only" => a.only = it.next(),
            "--confusion" => a.confusion = true,
            "--gait" => a.gait = true,
            "--trace" => a.trace = true,
            "--roll" => a.roll = true,
            "--csv" => a.csv = it.next().map(PathBuf::from),
            _ => a.dir = PathBuf::from(x),
        }
    }
    Ok(a)
}

fn recordings(a: &Args) -> anyhow::Result<Vec<Recording>> {
    let mut base = Vec::new();
    for p in 1..=4 {
        let path = a.dir.join(format!("dsads/dsads_p{p}_acc.csv.gz"));
        if !path.is_file() {
            continue;
        }
        for leg in [Leg::Right, Leg::Left] {
            let parts = real::read_dsads(&path, leg)?;
            base.push(real::dsads_sedentary_day(
                &format!("dsads p{p} {leg:?} sits, walks little"),
                &parts,
                4.0,
                p,
            ));
            for (order, idx) in real::dsads_orders(parts.len(), p) {
                base.push(real::dsads_day(
                    &format!("dsads p{p} {leg:?} {order}"),
                    &parts,
                    &idx,
                ));
            }
        }
    }
    for s in 1..=31 {
        if let Some(r) = real::mobifall_session(&a.dir.join("mobifall"), s)? {
            base.push(r);
        }
    }
    let hug = a.dir.join("hugadb/HuGaDB_v2_various_01_00.txt");
    if hug.is_file() {
        for leg in [Leg::Right, Leg::Left] {
            base.push(real::read_hugadb(&hug, leg)?);
        }
    }
    let mut all = Vec::new();
    for (i, r) in base.into_iter().enumerate() {
        if a.only
            .as_ref()
            .is_some_and(|o| !r.name.contains(o.as_str()))
        {
            continue;
        }
        for k in 0..a.rotations {
            all.push(r.clone().randomly_rotated(1000 * i as u64 + k));
        }
        for &hz in &a.rates {
            all.push(r.clone().resampled(hz, 0.3, i as u64));
        }
        if a.csv.is_some() {
            // The peer is told how the sensor is mounted: its own axes.
            all.push(r.in_acti_motus_axes());
        } else if a.rotations == 0 || r.wearing_prior.is_some() {
            all.push(r);
        }
    }
    Ok(all)
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let recs = recordings(&a)?;
    anyhow::ensure!(!recs.is_empty(), "no recordings under {}", a.dir.display());
    println!(
        "{:<44} {:>6} {:>9} {:>8} {:>7} {:>7} {:>13}  worst",
        "recording", "s", "sedentary", "upright", "gait", "unknown", "live unk/steps"
    );
    let mut scores: Vec<RealScore> = Vec::new();
    for r in &recs {
        let traced = real::classify_traced(r);
        if a.roll {
            print_roll(r, &traced);
        }
        if a.trace {
            print_trace(r, &traced);
        }
        if a.gait {
            print_gait(r, &traced);
        }
        if let Some(dir) = &a.csv {
            real::write_peer_csv(dir, r, &traced.done)?;
        }
        let s = real::score_traced(r, &traced);
        println!(
            "{:<44} {:>6} {:>8.2}% {:>7.2}% {:>6.1}% {:>7} {:>6}/{:<6}  {}",
            s.name,
            s.scored_s,
            s.sedentary() * 100.0,
            s.upright() * 100.0,
            s.gait() * 100.0,
            s.unknown_s,
            s.live_unknown_s,
            s.live_unknown_after_steps_s,
            s.worst(3)
        );
        if a.confusion {
            for ((t, p), n) in &s.confusion {
                println!("    {:<16} → {:<9} {n}", t.name(), p.label());
            }
        }
        scores.push(s);
    }
    let mut sed: Vec<f64> = scores.iter().map(RealScore::sedentary).collect();
    sed.sort_by(f64::total_cmp);
    let total = |f: fn(&RealScore) -> (u64, u64)| {
        let (a, b) = scores
            .iter()
            .map(f)
            .fold((0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
        sitless::eval::ratio(a, b) * 100.0
    };
    println!(
        "\n{} recordings: sedentary median {:.2} %, worst {:.2} %, {} of {} ≥ 99 %; upright {:.2} %; gait as moving {:.2} %; unknown {} s; live unknown {} s ({} after the first steps)",
        scores.len(),
        sed[sed.len() / 2] * 100.0,
        sed[0] * 100.0,
        sed.iter().filter(|&&x| x >= 0.99).count(),
        sed.len(),
        total(|s| (s.upright_called_upright_s, s.upright_truth_s)),
        total(|s| (s.gait_called_moving_s, s.gait_truth_s)),
        scores.iter().map(|s| s.unknown_s).sum::<u64>(),
        scores.iter().map(|s| s.live_unknown_s).sum::<u64>(),
        scores
            .iter()
            .map(|s| s.live_unknown_after_steps_s)
            .sum::<u64>(),
    );
    Ok(())
}

/// Per activity: the roll of the thigh from forward with the day's last
/// references (to set the lying line).
fn print_roll(r: &Recording, traced: &real::Traced) {
    let features = &traced.features;
    if let Some(rf) = traced.refs.values().last()
        && let (Some(u), Some(fw)) = (rf.upright, rf.forward)
    {
        let mut by: std::collections::BTreeMap<&str, Vec<f32>> =
            std::collections::BTreeMap::default();
        for (t, f) in features {
            if let Some(act) = r.truth_at(*t, 3)
                && let Some(x) = (f.gravity - u * f.gravity.dot(u)).normalized()
            {
                let ro = x.angle_deg(fw);
                by.entry(act.name())
                    .or_default()
                    .push(if rf.forward_signed {
                        ro
                    } else {
                        ro.min(180.0 - ro)
                    });
            }
        }
        for (k, mut v) in by {
            if !k.contains("lying") && k != "sitting" {
                continue;
            }
            v.sort_by(f32::total_cmp);
            let q = |p: f32| v[((v.len() - 1) as f32 * p) as usize];
            println!(
                "    roll {k:<14} signed {} p10 {:.0} p50 {:.0} p90 {:.0}",
                rf.forward_signed,
                q(0.1),
                q(0.5),
                q(0.9)
            );
        }
    }
}

/// Second by second where the posture or the truth changes (and once a
/// minute): the references' errors against the recording's own standing
/// and sitting.
fn print_trace(r: &Recording, traced: &real::Traced) {
    let (done, features, ref_trace) = (&traced.done, &traced.features, &traced.refs);
    {
        // The true upright: the mean direction while standing.
        let up = features
            .iter()
            .filter(|(t, _)| r.truth_at(**t, 3) == Some(real::Activity::Standing))
            .fold(sitless::domain::vector::Vec3::default(), |a, (_, f)| {
                a + f.gravity
            })
            .normalized();
        let sit = features
            .iter()
            .filter(|(t, _)| r.truth_at(**t, 3) == Some(real::Activity::Sitting))
            .fold(sitless::domain::vector::Vec3::default(), |a, (_, f)| {
                a + f.gravity
            })
            .normalized();
        let mut last = None;
        for (t, f) in features {
            let truth = r.truth_at(*t, 0).map_or("-", |a| a.name());
            let got = done.get(*t).map_or("-", |s| s.state.label());
            let key = (truth, got);
            if last != Some(key) || t % 60 == 0 {
                let rf = ref_trace.get(t).copied().unwrap_or_default();
                let err = up.zip(rf.upright).map(|(u, v)| u.angle_deg(v));
                let inc = rf.upright.map(|v| v.angle_deg(f.gravity));
                let fwd_err = match (sit, rf.upright, rf.forward) {
                    (Some(s), Some(u), Some(fw)) => (s - u * s.dot(u))
                        .normalized()
                        .map(|s| s.angle_deg(fw).round()),
                    _ => None,
                };
                let roll = match (rf.upright, rf.forward) {
                    (Some(u), Some(fw)) => (f.gravity - u * f.gravity.dot(u))
                        .normalized()
                        .map(|a| a.angle_deg(fw).round()),
                    _ => None,
                };
                println!(
                    "  roll {roll:?} {:>6} {truth:<16} {got:<9} gait {} cyc {} int {:.3} ref err {:?} incl {:?} fwd {:?}/{} err {:?}",
                    t - real::START_MS / 1000,
                    u8::from(f.gait),
                    u8::from(f.cyclic),
                    f.intensity_g,
                    err.map(f32::round),
                    inc.map(f32::round),
                    rf.forward.is_some(),
                    rf.forward_signed,
                    fwd_err
                );
                last = Some(key);
            }
        }
    }
}

/// Per activity: seconds judged gait and pedalling.
fn print_gait(r: &Recording, traced: &real::Traced) {
    let features = &traced.features;
    {
        let mut by: std::collections::BTreeMap<&str, (u32, u32, u32)> =
            std::collections::BTreeMap::default();
        for (t, f) in features {
            if let Some(act) = r.truth_at(*t, r.margin_s) {
                let e = by.entry(act.name()).or_default();
                e.0 += u32::from(f.gait);
                e.1 += u32::from(f.cyclic);
                e.2 += 1;
            }
        }
        for (k, (g, c, n)) in by {
            println!("    {k:<16} gait {g:>4} cyclic {c:>4} of {n}");
        }
    }
}
