//! Minimal 3-vector maths for gravity directions. Hand-written because the
//! pipeline needs a dozen operations, not a linear-algebra crate.

use std::ops::{Add, Mul, Sub};

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Vec3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

impl Vec3 {
    pub const fn new(x: f32, y: f32, z: f32) -> Self {
        Self { x, y, z }
    }

    pub fn dot(self, other: Self) -> f32 {
        self.x * other.x + self.y * other.y + self.z * other.z
    }

    #[must_use]
    pub fn cross(self, o: Self) -> Self {
        Self::new(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }

    pub(crate) fn norm(self) -> f32 {
        self.dot(self).sqrt()
    }

    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite() && self.z.is_finite()
    }

    /// Unit vector in the same direction; `None` for a (near) zero vector,
    /// which has no direction (free fall, or a broken sensor reading).
    pub fn normalized(self) -> Option<Self> {
        let n = self.norm();
        (n > 1e-6 && n.is_finite()).then(|| self * (1.0 / n))
    }

    /// Angle between two directions in degrees, 0..=180.
    pub fn angle_deg(self, other: Self) -> f32 {
        let denom = self.norm() * other.norm();
        if denom <= 1e-12 {
            return 0.0;
        }
        (self.dot(other) / denom)
            .clamp(-1.0, 1.0)
            .acos()
            .to_degrees()
    }

    /// Rotates `self` about the unit `axis` by `angle_rad` (Rodrigues' formula).
    #[must_use]
    pub(crate) fn rotate_about(self, axis: Self, angle_rad: f32) -> Self {
        let (s, c) = angle_rad.sin_cos();
        self * c + axis.cross(self) * s + axis * (axis.dot(self) * (1.0 - c))
    }
}

impl Add for Vec3 {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl Sub for Vec3 {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl Mul<f32> for Vec3 {
    type Output = Self;
    fn mul(self, k: f32) -> Self {
        Self::new(self.x * k, self.y * k, self.z * k)
    }
}

/// A rotation as a 3×3 matrix (rows), used for the sensor mounting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mat3 {
    pub rows: [Vec3; 3],
}

impl Mat3 {
    #[cfg(feature = "eval")] // only the synthetic days lay a sensor off-body
    pub(crate) const IDENTITY: Self = Self {
        rows: [
            Vec3::new(1.0, 0.0, 0.0),
            Vec3::new(0.0, 1.0, 0.0),
            Vec3::new(0.0, 0.0, 1.0),
        ],
    };

    /// Rotation about a unit axis by an angle.
    pub(crate) fn from_axis_angle(axis: Vec3, angle_rad: f32) -> Self {
        let ex = Vec3::new(1.0, 0.0, 0.0).rotate_about(axis, angle_rad);
        let ey = Vec3::new(0.0, 1.0, 0.0).rotate_about(axis, angle_rad);
        let ez = Vec3::new(0.0, 0.0, 1.0).rotate_about(axis, angle_rad);
        // Columns are the images of the basis vectors; store as rows.
        Self {
            rows: [
                Vec3::new(ex.x, ey.x, ez.x),
                Vec3::new(ex.y, ey.y, ez.y),
                Vec3::new(ex.z, ey.z, ez.z),
            ],
        }
    }

    pub fn apply(&self, v: Vec3) -> Vec3 {
        Vec3::new(
            self.rows[0].dot(v),
            self.rows[1].dot(v),
            self.rows[2].dot(v),
        )
    }

    #[must_use]
    pub(crate) fn transpose(&self) -> Self {
        let [a, b, c] = self.rows;
        Self {
            rows: [
                Vec3::new(a.x, b.x, c.x),
                Vec3::new(a.y, b.y, c.y),
                Vec3::new(a.z, b.z, c.z),
            ],
        }
    }

    #[must_use]
    pub(crate) fn mul(&self, o: &Self) -> Self {
        let t = o.transpose();
        let row = |r: Vec3| Vec3::new(r.dot(t.rows[0]), r.dot(t.rows[1]), r.dot(t.rows[2]));
        Self {
            rows: [row(self.rows[0]), row(self.rows[1]), row(self.rows[2])],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_between_axes_is_90() {
        let a = Vec3::new(1.0, 0.0, 0.0);
        let b = Vec3::new(0.0, 0.0, 2.0);
        assert!((a.angle_deg(b) - 90.0).abs() < 1e-4);
    }

    #[test]
    fn rotation_preserves_length_and_turns_by_angle() {
        let axis = Vec3::new(1.0, 1.0, 0.0).normalized().unwrap();
        let m = Mat3::from_axis_angle(axis, 0.7);
        let v = Vec3::new(0.0, 0.0, 1.0);
        let r = m.apply(v);
        assert!((r.norm() - 1.0).abs() < 1e-5);
        assert!((v.angle_deg(r) - 0.7_f32.to_degrees()).abs() < 1e-3);
        let back = m.transpose().apply(r);
        assert!((back - v).norm() < 1e-5);
    }

    #[test]
    fn zero_vector_has_no_direction() {
        assert!(Vec3::default().normalized().is_none());
    }
}
