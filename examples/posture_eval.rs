//! The posture evaluation: realistic days (random mountings, random starts,
//! rides, lying, non-wear, slips, 10–100 Hz) through the pipeline against
//! their truth. `scripts/posture-eval` runs it; `docs/posture.md` reports it.
//!
//! `cargo run --release --example posture_eval -- [DAYS] [HOURS] [--from SEED] [--csv DIR]`
//! (`--from` starts at that day's seed: two runs of half the days each use
//! both cores.)
//! With `--csv DIR`, each day is also written in Acti-Motus's axis
//! convention (`DIR/day-N.csv`: `t_ms,ax,ay,az`; `DIR/day-N.truth.csv`:
//! `t_s,truth`) with Sitless's result on the same rendering
//! (`DIR/day-N.sitless.csv`: `t_s,state`) for `scripts/acti-motus-peer.py`.

use std::io::Write;

use anyhow::Context;
use sitless::eval::{DayScore, ratio, run_rendered};
use sitless::sources::synth::body::{ACTI_MOTUS_MOUNT, Renderer};
use sitless::sources::synth::plan::realistic_day;

const START_S: i64 = 1_780_000_000;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let days: u64 = args.first().map_or(Ok(24), |a| a.parse()).context("DAYS")?;
    let hours: f32 = args
        .get(1)
        .map_or(Ok(16.0), |a| a.parse())
        .context("HOURS")?;
    let csv = args
        .iter()
        .position(|a| a == "--csv")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let from: u64 = args
        .iter()
        .position(|a| a == "--from")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(0), |a| a.parse())
        .context("--from SEED")?;
    println!("{days} days of {hours} h from seed {from}, random mountings and starts\n");
    println!(
        "{:<44} {:>9} {:>8} {:>9} {:>9}",
        "day", "sedentary", "exact", "not worn", "walk→ref"
    );
    let mut scores: Vec<DayScore> = Vec::new();
    for seed in from..from + days {
        let plan = realistic_day(seed, hours, START_S + seed as i64 * 86_400);
        let s = run_rendered(Renderer::new(plan.clone()));
        println!(
            "{:<44} {:>8.2}% {:>7.2}% {:>8.1}% {:>9}",
            s.name,
            s.sedentary_agreement() * 100.0,
            ratio(s.exact_s, s.scored_s) * 100.0,
            ratio(s.not_worn_not_sedentary_s, s.not_worn_truth_s) * 100.0,
            s.walk_to_reference_s
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
                + if s.unrecovered > 0 { " (!)" } else { "" }
        );
        if std::env::var_os("EVAL_CONFUSION").is_some() {
            for ((t, g), n) in &s.confusion {
                if t != g {
                    println!("    {:>8} → {:<8} {n}", t.label(), g.label());
                }
            }
        }
        if let Some(dir) = &csv {
            write_peer_day(dir, seed, &plan)?;
        }
        scores.push(s);
    }
    summary(&scores);
    let mut gait: std::collections::BTreeMap<&str, (u64, u64)> = std::collections::BTreeMap::new();
    for s in &scores {
        for (k, (g, n)) in &s.gait_by_act {
            let e = gait.entry(k).or_default();
            e.0 += g;
            e.1 += n;
        }
    }
    println!("\nrecognised as gait:");
    for (k, (g, n)) in gait {
        println!("  {k:<14} {:>6.2} % of {n} s", ratio(g, n) * 100.0);
    }
    Ok(())
}

fn summary(scores: &[DayScore]) {
    let mut agree: Vec<f64> = scores.iter().map(DayScore::sedentary_agreement).collect();
    agree.sort_by(f64::total_cmp);
    let median = agree.get(agree.len() / 2).copied().unwrap_or(1.0);
    let sum = |f: fn(&DayScore) -> u64| scores.iter().map(f).sum::<u64>();
    let walks: Vec<u32> = scores
        .iter()
        .flat_map(|s| s.walk_to_reference_s.iter().copied())
        .collect();
    println!(
        "\nsedentary vs not, per day: worst {:.2} %, median {:.2} %",
        agree[0] * 100.0,
        median * 100.0
    );
    println!(
        "non-wear not called sitting or lying: {:.1} % of {} s",
        ratio(
            sum(|s| s.not_worn_not_sedentary_s),
            sum(|s| s.not_worn_truth_s)
        ) * 100.0,
        sum(|s| s.not_worn_truth_s)
    );
    println!(
        "sitting called not worn: {:.3} %, called lying: {:.3} % (of {} s)",
        ratio(
            sum(|s| s.sitting_called_not_worn_s),
            sum(|s| s.sitting_truth_s)
        ) * 100.0,
        ratio(
            sum(|s| s.sitting_called_lying_s),
            sum(|s| s.sitting_truth_s)
        ) * 100.0,
        sum(|s| s.sitting_truth_s)
    );
    println!(
        "side or front lying called lying: {:.1} % of {} s",
        ratio(
            sum(|s| s.side_front_called_lying_s),
            sum(|s| s.side_front_lying_s)
        ) * 100.0,
        sum(|s| s.side_front_lying_s)
    );
    println!(
        "walking to a right reference (start or slip): max {} s, {} of {} recovered",
        walks.iter().max().copied().unwrap_or(0),
        walks.len(),
        walks.len() + scores.iter().map(|s| s.unrecovered as usize).sum::<usize>()
    );
}

/// The day rendered in Acti-Motus's convention, its truth, and Sitless's
/// classification of that same rendering.
fn write_peer_day(
    dir: &std::path::Path,
    seed: u64,
    plan: &sitless::sources::synth::DayPlan,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut raw =
        std::io::BufWriter::new(std::fs::File::create(dir.join(format!("day-{seed}.csv")))?);
    let mut truth = std::io::BufWriter::new(std::fs::File::create(
        dir.join(format!("day-{seed}.truth.csv")),
    )?);
    writeln!(raw, "t_ms,ax,ay,az")?;
    writeln!(truth, "t_s,truth")?;
    let mut r = Renderer::with_mounting(plan.clone(), ACTI_MOTUS_MOUNT);
    let mut samples = Vec::new();
    let mut i = 0_i64;
    while let Some(t) = r.next_second(&mut samples) {
        for s in &samples {
            writeln!(
                raw,
                "{},{:.4},{:.4},{:.4}",
                s.t_ms, s.accel_g.x, s.accel_g.y, s.accel_g.z
            )?;
        }
        writeln!(truth, "{},{}", plan.start_s + i, t.label())?;
        i += 1;
    }
    let (score, seconds) = sitless::eval::run_rendered_seconds(Renderer::with_mounting(
        plan.clone(),
        ACTI_MOTUS_MOUNT,
    ));
    let mut out = std::io::BufWriter::new(std::fs::File::create(
        dir.join(format!("day-{seed}.sitless.csv")),
    )?);
    writeln!(out, "t_s,state")?;
    for s in seconds {
        writeln!(out, "{},{}", s.t_s, s.state.label())?;
    }
    println!(
        "    same day in Acti-Motus's axes: Sitless {:.2} %",
        score.sedentary_agreement() * 100.0
    );
    Ok(())
}
