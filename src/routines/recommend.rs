//! Which routine fits now, and why, in one sentence. A pure function of what
//! was measured; the rules are in `docs/recommendations.md`.

use super::catalog::Catalog;
use crate::domain::days::format_duration;

/// What the recommender knows about the moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    /// The current sitting streak, 0 if none.
    pub streak_s: i64,
    pub threshold_s: i64,
    /// Share of the streak's sitting seconds spent slouched; `None` without
    /// a back sensor.
    pub slouch_share: Option<f32>,
    pub today_sitting_s: i64,
    /// Streaks over the threshold today, the current one included.
    pub today_long_streaks: u32,
    /// Local hour of the day, 0–23.
    pub local_hour: u32,
    /// Routines finished today.
    pub done_today: Vec<String>,
    /// The routine done (or recommended and started) most recently.
    pub last_routine: Option<String>,
    /// The streak is desk time (no sensor: time at the computer, posture
    /// not measured); `today_sitting_s` then holds today's desk time too.
    pub at_desk: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pick {
    pub routine_id: String,
    /// One sentence, shown to the user.
    pub reason: String,
}

/// A slouch share from which "most of it leaning forward" is true.
pub(crate) const SLOUCHY_SHARE: f32 = 0.5;
/// Sitting per day from which a day counts as heavy (research on sedentary
/// time often uses 6 h or more as the high category).
pub(crate) const HEAVY_DAY_S: i64 = 6 * 3600;
pub(crate) const HEAVY_DAY_LONG_STREAKS: u32 = 3;
pub(crate) const EVENING_FROM_HOUR: u32 = 17;

/// Ranked routines for the moment, best first; every catalog routine
/// appears once.
pub(crate) fn recommend(ctx: &Context, catalog: &Catalog) -> Vec<Pick> {
    let minutes = ctx.streak_s / 60;
    let long = ctx.threshold_s > 0 && ctx.streak_s >= ctx.threshold_s;
    let slouchy = ctx.slouch_share.is_some_and(|s| s >= SLOUCHY_SHARE);
    let heavy =
        ctx.today_sitting_s >= HEAVY_DAY_S || ctx.today_long_streaks >= HEAVY_DAY_LONG_STREAKS;
    let evening = ctx.local_hour >= EVENING_FROM_HOUR;
    let day = format_duration(ctx.today_sitting_s);
    // Desk time says what it measured: time at the computer, not sitting.
    let doing = if ctx.at_desk {
        "at the computer"
    } else {
        "sitting"
    };
    let bent = if ctx.at_desk {
        "at a desk usually means the hips bent: stretch the hip flexors out."
    } else {
        "with the hips bent keeps the hip flexors short: stretch them out."
    };

    let mut picks: Vec<Pick> = Vec::new();
    let mut add = |id: &str, reason: String| {
        if !picks.iter().any(|p| p.routine_id == id) && catalog.routine(id).is_some() {
            picks.push(Pick {
                routine_id: id.to_owned(),
                reason,
            });
        }
    };
    // The first reminder of a plain streak asks for the walk (the
    // article's first advice); what was measured beyond that picks the
    // routine that answers it: a slouched streak the core, a streak that
    // went on past its reminder (the walk was not taken) the hip flexors,
    // a heavy day's evening the evening release.
    let went_on = ctx.streak_s >= ctx.threshold_s + ctx.threshold_s / 2;
    if long {
        if slouchy {
            add(
                "core-reset",
                format!(
                    "{minutes} min sitting, most of it leaning forward: wake up the core that holds you upright."
                ),
            );
        }
        if heavy && evening {
            add(
                "evening-release",
                format!("{day} {doing} today: unwind the hips with an evening routine."),
            );
        }
        if went_on {
            add("hip-flexor-stretch", format!("{minutes} min {bent}"));
        }
        add(
            "movement-break",
            format!("{minutes} min {doing} without a break: stand up and walk for 2 minutes."),
        );
        add("hip-flexor-stretch", format!("{minutes} min {bent}"));
    }
    if heavy {
        add(
            "evening-release",
            format!("{day} {doing} today: an evening routine undoes some of it."),
        );
    }
    for r in &catalog.routines {
        add(&r.id, r.summary.clone());
    }
    // What was done today goes down the list (the hourly walk excepted),
    // and the same routine is never offered twice in a row when another fits.
    picks.sort_by_key(|p| {
        p.routine_id != "movement-break" && ctx.done_today.contains(&p.routine_id)
    });
    if picks.len() > 1 && ctx.last_routine.as_deref() == Some(picks[0].routine_id.as_str()) {
        picks.swap(0, 1);
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            streak_s: 72 * 60,
            threshold_s: 3600,
            slouch_share: Some(0.1),
            today_sitting_s: 3 * 3600,
            today_long_streaks: 1,
            local_hour: 11,
            ..Context::default()
        }
    }

    fn ids(picks: &[Pick]) -> Vec<&str> {
        picks.iter().map(|p| p.routine_id.as_str()).collect()
    }

    #[test]
    fn table() {
        let c = Catalog::builtin();
        let slouchy = Context {
            slouch_share: Some(0.7),
            ..ctx()
        };
        let heavy_evening = Context {
            today_sitting_s: 7 * 3600,
            local_hour: 18,
            ..ctx()
        };
        let heavy_morning = Context {
            today_long_streaks: 3,
            local_hour: 10,
            ..ctx()
        };
        let no_streak = Context {
            streak_s: 0,
            ..ctx()
        };
        let after_break = Context {
            last_routine: Some("movement-break".into()),
            ..ctx()
        };
        let stretched_today = Context {
            done_today: vec!["hip-flexor-stretch".into()],
            ..ctx()
        };
        let went_on = Context {
            streak_s: 95 * 60,
            ..ctx()
        };
        let second_long_today = Context {
            today_long_streaks: 2,
            ..ctx()
        };
        let cases: [(&str, Context, [&str; 2]); 9] = [
            (
                "the first hour",
                ctx(),
                ["movement-break", "hip-flexor-stretch"],
            ),
            ("much slouch", slouchy, ["core-reset", "movement-break"]),
            (
                "heavy evening",
                heavy_evening,
                ["evening-release", "movement-break"],
            ),
            (
                "heavy morning",
                heavy_morning,
                ["movement-break", "hip-flexor-stretch"],
            ),
            (
                "past its reminder",
                went_on,
                ["hip-flexor-stretch", "movement-break"],
            ),
            (
                "a second long streak today, at its first reminder",
                second_long_today,
                ["movement-break", "hip-flexor-stretch"],
            ),
            (
                "no streak",
                no_streak,
                ["movement-break", "hip-flexor-stretch"],
            ),
            (
                "never twice in a row",
                after_break,
                ["hip-flexor-stretch", "movement-break"],
            ),
            (
                "done today goes down",
                Context {
                    streak_s: 95 * 60,
                    ..stretched_today
                },
                ["movement-break", "core-reset"],
            ),
        ];
        for (name, context, top2) in cases {
            let picks = recommend(&context, c);
            assert_eq!(&ids(&picks)[..2], &top2, "{name}");
            assert_eq!(picks.len(), c.routines.len(), "{name}: every routine once");
        }
    }

    #[test]
    fn reasons_say_what_was_measured() {
        let c = Catalog::builtin();
        let picks = recommend(
            &Context {
                slouch_share: Some(0.8),
                ..ctx()
            },
            c,
        );
        assert_eq!(
            picks[0].reason,
            "72 min sitting, most of it leaning forward: wake up the core that holds you upright."
        );
        let picks = recommend(
            &Context {
                today_sitting_s: 6 * 3600 + 35 * 60,
                local_hour: 19,
                ..ctx()
            },
            c,
        );
        assert_eq!(
            picks[0].reason,
            "6 h 35 min sitting today: unwind the hips with an evening routine."
        );
    }

    #[test]
    fn without_a_back_sensor_slouch_is_not_claimed() {
        let picks = recommend(
            &Context {
                slouch_share: None,
                ..ctx()
            },
            Catalog::builtin(),
        );
        assert!(picks.iter().all(|p| !p.reason.contains("leaning")));
    }

    #[test]
    fn desk_time_is_never_called_sitting() {
        let c = Catalog::builtin();
        let desk = |streak_s, hour| Context {
            streak_s,
            slouch_share: None,
            today_sitting_s: 7 * 3600,
            local_hour: hour,
            at_desk: true,
            ..ctx()
        };
        let first = recommend(&desk(3600, 10), c);
        assert_eq!(
            first[0].reason,
            "60 min at the computer without a break: stand up and walk for 2 minutes."
        );
        let on = recommend(&desk(95 * 60, 10), c);
        assert_eq!(on[0].routine_id, "hip-flexor-stretch");
        assert_eq!(
            on[0].reason,
            "95 min at a desk usually means the hips bent: stretch the hip flexors out."
        );
        let evening = recommend(&desk(3600, 19), c);
        assert_eq!(
            evening[0].reason,
            "7 h 00 min at the computer today: unwind the hips with an evening routine."
        );
        for p in first.iter().chain(&on).chain(&evening) {
            assert!(!p.reason.contains("sitting"), "{}", p.reason);
        }
    }
}
