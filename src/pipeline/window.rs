//! One-second windows: the mean acceleration (the gravity direction once the
//! dynamic part averages out), the movement intensity (spread of the
//! samples around that mean, which does not depend on how the sensor is
//! mounted), ten 100 ms means (a 10 Hz signal whatever the sensor's rate,
//! for the gait detector).

use crate::domain::sample::RawSample;
use crate::domain::vector::Vec3;

/// Features of one second of raw samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Start of the second, Unix seconds (UTC).
    pub t_s: i64,
    /// Mean acceleration over the second, in g, in sensor axes.
    pub gravity_g: Vec3,
    /// Root of the summed per-axis variances, in g.
    pub intensity_g: f32,
    pub samples: u32,
    /// Mean acceleration of each 100 ms of the second, g; a bin without a
    /// sample holds the one before it (or the second's mean).
    pub bins: [Vec3; BINS],
}

/// Bins per second.
pub(crate) const BINS: usize = 10;

impl Window {
    /// A window with only its mean and intensity (tests, calibration).
    pub fn still(t_s: i64, gravity_g: Vec3, intensity_g: f32) -> Self {
        Self {
            t_s,
            gravity_g,
            intensity_g,
            samples: 25,
            bins: [gravity_g; BINS],
        }
    }
}

/// Accumulates raw samples into windows. Samples must arrive in time order;
/// a sample older than the open window is counted in `late_samples` and
/// dropped rather than reopening a second that was already handed on.
#[derive(Debug, Default)]
pub(crate) struct Windower {
    open_s: Option<i64>,
    sum: [f64; 3],
    sum_sq: [f64; 3],
    n: u32,
    bin_sum: [[f64; 3]; BINS],
    bin_n: [u32; BINS],
    pub late_samples: u64,
}

impl Windower {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a sample; returns the previous window when this sample opens a
    /// new second.
    pub(crate) fn push(&mut self, sample: RawSample) -> Option<Window> {
        let t_s = sample.t_ms.div_euclid(1000);
        let mut closed = None;
        match self.open_s {
            Some(open) if t_s < open => {
                self.late_samples += 1;
                return None;
            }
            Some(open) if t_s > open => closed = self.take(),
            _ => {}
        }
        self.open_s = Some(t_s);
        let a = sample.accel_g;
        let bin = (sample.t_ms.rem_euclid(1000) / 100) as usize;
        for (i, v) in [a.x, a.y, a.z].into_iter().enumerate() {
            let v = f64::from(v);
            self.sum[i] += v;
            self.sum_sq[i] += v * v;
            self.bin_sum[bin][i] += v;
        }
        self.bin_n[bin] += 1;
        self.n += 1;
        closed
    }

    /// Closes the open window, if any (end of a recording or a batch).
    pub(crate) fn flush(&mut self) -> Option<Window> {
        let w = self.take();
        self.open_s = None;
        w
    }

    fn take(&mut self) -> Option<Window> {
        let t_s = self.open_s?;
        if self.n == 0 {
            return None;
        }
        let n = f64::from(self.n);
        let mean = self.sum.map(|s| s / n);
        let var: f64 = (0..3)
            .map(|i| (self.sum_sq[i] / n - mean[i] * mean[i]).max(0.0))
            .sum();
        let gravity_g = Vec3::new(mean[0] as f32, mean[1] as f32, mean[2] as f32);
        let mut bins = [gravity_g; BINS];
        let mut held = None;
        for ((bin, &k), sum) in bins.iter_mut().zip(&self.bin_n).zip(&self.bin_sum) {
            if k > 0 {
                let m = sum.map(|s| s / f64::from(k));
                *bin = Vec3::new(m[0] as f32, m[1] as f32, m[2] as f32);
                held = Some(*bin);
            } else if let Some(h) = held {
                *bin = h;
            }
        }
        let w = Window {
            t_s,
            gravity_g,
            intensity_g: var.sqrt() as f32,
            samples: self.n,
            bins,
        };
        self.sum = [0.0; 3];
        self.sum_sq = [0.0; 3];
        self.n = 0;
        self.bin_sum = [[0.0; 3]; BINS];
        self.bin_n = [0; BINS];
        Some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t_ms: i64, x: f32, y: f32, z: f32) -> RawSample {
        RawSample {
            t_ms,
            accel_g: Vec3::new(x, y, z),
        }
    }

    #[test]
    fn windows_split_on_second_boundaries_with_mean_and_spread() {
        let mut w = Windower::new();
        assert!(w.push(s(1_000, 0.0, 0.0, 0.9)).is_none());
        assert!(w.push(s(1_500, 0.0, 0.0, 1.1)).is_none());
        let first = w.push(s(2_000, 1.0, 0.0, 0.0)).expect("second 1 closes");
        assert_eq!(first.t_s, 1);
        assert_eq!(first.samples, 2);
        assert!((first.gravity_g.z - 1.0).abs() < 1e-6);
        assert!((first.intensity_g - 0.1).abs() < 1e-4);
        let second = w.flush().expect("second 2 closes on flush");
        assert_eq!(second.t_s, 2);
        assert!(second.intensity_g.abs() < 1e-6);
    }

    #[test]
    fn bins_follow_the_signal() {
        let mut w = Windower::new();
        // 50 Hz: the first half of the second at +x, the second at -x.
        for i in 0..50 {
            let x = if i < 25 { 1.0 } else { -1.0 };
            w.push(s(i * 20, x, 0.0, 0.0));
        }
        let win = w.flush().unwrap();
        assert!((win.bins[0].x - 1.0).abs() < 1e-6);
        assert!((win.bins[9].x + 1.0).abs() < 1e-6);
        // 5 Hz: every other bin is empty and holds the previous one.
        let mut w = Windower::new();
        for i in 0..5 {
            w.push(s(i * 200, i as f32, 0.0, 0.0));
        }
        let win = w.flush().unwrap();
        assert!((win.bins[3].x - 1.0).abs() < 1e-6);
    }

    #[test]
    fn late_samples_are_counted_not_merged() {
        let mut w = Windower::new();
        w.push(s(5_000, 0.0, 0.0, 1.0));
        w.push(s(4_999, 9.0, 9.0, 9.0));
        assert_eq!(w.late_samples, 1);
        let win = w.flush().unwrap();
        assert!((win.gravity_g.z - 1.0).abs() < 1e-6);
    }

    #[test]
    fn negative_times_floor_to_the_right_second() {
        let mut w = Windower::new();
        w.push(s(-1, 0.0, 0.0, 1.0));
        assert_eq!(w.flush().unwrap().t_s, -1);
    }
}
