//! Tests of the day figures, the periods and the Day charts' data.
use super::*;

fn secs(runs: &[(Posture, i64, Option<f32>)]) -> Vec<PostureSecond> {
    let mut t = 1_000;
    let mut v = Vec::new();
    for &(state, n, tilt_deg) in runs {
        for _ in 0..n {
            v.push(PostureSecond {
                t_s: t,
                state,
                tilt_deg,
                device_id: 1,
            });
            t += 1;
        }
    }
    v
}

fn one_day(s: &[PostureSecond]) -> DayFigures {
    let date = crate::domain::days::local_date(1_000);
    let rules = crate::domain::config::Config::default().streak;
    let mut days = days_from_seconds(date, date, s, &[], rules, 20.0);
    days.pop().expect("one day")
}

fn detail_with(minutes: &[(i64, Posture)]) -> DayDetail {
    let start_s = 1_000_000 * 60;
    DayDetail {
        start_s,
        end_s: start_s + 24 * 3600,
        minutes: minutes
            .iter()
            .map(|&(m, p)| {
                let mut r = MinuteRollup {
                    t_min: start_s / 60 + m,
                    ..MinuteRollup::default()
                };
                match p {
                    Posture::NotWorn => r.not_worn_s = 60,
                    _ => r.sitting_s = 60,
                }
                r
            })
            .collect(),
        ..DayDetail::default()
    }
}

#[test]
fn the_timeline_spans_the_worn_hours() {
    use Posture::*;
    // Worn 08:10–17:20, not worn before and after.
    let d = detail_with(&[
        (7 * 60, NotWorn),
        (8 * 60 + 10, Sitting),
        (17 * 60 + 20, Sitting),
        (20 * 60, NotWorn),
    ]);
    assert_eq!(d.worn_hours(), (8.0, 18.0));
    // One worn minute near midnight: four hours, inside the day.
    let d = detail_with(&[(23 * 60 + 50, Sitting)]);
    assert_eq!(d.worn_hours(), (20.0, 24.0));
    let d = detail_with(&[(5, Sitting)]);
    assert_eq!(d.worn_hours(), (0.0, 4.0));
    // Nothing worn: the whole day.
    assert_eq!(detail_with(&[(60, NotWorn)]).worn_hours(), (0.0, 24.0));
    assert_eq!(detail_with(&[]).worn_hours(), (0.0, 24.0));
}

#[test]
fn a_small_day_by_hand() {
    use Posture::*;
    let r = one_day(&secs(&[
        (Sitting, 40 * 60, Some(10.0)),
        (Standing, 60, None),
        (Sitting, 25 * 60, Some(30.0)),
        (Moving, 300, None),
        (Sitting, 10 * 60, Some(10.0)),
        (Unknown, 5, None),
    ]));
    assert_eq!(r.sitting_s, 75 * 60);
    assert_eq!(r.standing_s, 60);
    assert_eq!(r.moving_s, 300);
    assert_eq!(r.unknown_s, 5);
    assert_eq!(r.breaks, 2);
    // 40 min + 60 s standing + 25 min = one streak of 66 min.
    assert_eq!(r.longest_streak_s, 66 * 60);
    assert_eq!(r.streaks_over_threshold, 1);
    assert_eq!(r.sitting_bouts_over_30min, 1);
    assert_eq!((r.sit_short_s, r.sit_mid_s), (35 * 60, 40 * 60));
    assert_eq!(r.slouch_s, 25 * 60);
    // (40×10 + 25×30 + 10×10) / 75 = 16.67
    assert_eq!(r.mean_tilt_deg, Some(16.7));
}

#[test]
fn an_empty_day_is_all_zero() {
    let r = one_day(&[]);
    assert_eq!(r.sitting_s, 0);
    assert_eq!(r.mean_tilt_deg, None);
    assert_eq!(r.longest_streak_s, 0);
    assert!(!r.has_data());
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn periods_start_on_monday_and_the_first_of_the_month() {
    assert_eq!(
        Period::Week.range(d(2026, 11, 26)),
        (d(2026, 11, 23), d(2026, 11, 29))
    );
    assert_eq!(
        Period::Month.range(d(2026, 12, 5)),
        (d(2026, 12, 1), d(2026, 12, 31))
    );
    assert_eq!(
        Period::Month.range(d(2028, 2, 10)),
        (d(2028, 2, 1), d(2028, 2, 29))
    );
    assert_eq!(Period::Week.step(d(2026, 11, 26), -1), d(2026, 11, 22));
    assert_eq!(Period::Month.step(d(2026, 12, 5), 1), d(2027, 1, 1));
    assert_eq!(Period::Day.step(d(2026, 3, 1), -1), d(2026, 2, 28));
    assert_eq!(
        Period::Week.label(d(2026, 11, 26)),
        "Week 48: 23–29 Nov 2026"
    );
}
