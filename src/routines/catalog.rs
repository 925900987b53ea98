//! The routine catalog, read from `assets/routines.toml` (compiled in, so
//! the app needs no files beside it).

use std::sync::OnceLock;

use serde::Deserialize;

const CATALOG_TOML: &str = include_str!("../../assets/routines.toml");

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Catalog {
    pub safety: String,
    #[serde(rename = "tip")]
    pub tips: Vec<Tip>,
    #[serde(rename = "exercise")]
    pub exercises: Vec<Exercise>,
    #[serde(rename = "routine")]
    pub routines: Vec<Routine>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tip {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Exercise {
    pub id: String,
    pub name: String,
    pub figure: String,
    pub cues: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Routine {
    pub id: String,
    pub name: String,
    pub summary: String,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    /// The sensor confirms the step: walking for its whole duration.
    Walking,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub exercise: String,
    /// Hold time (per side when `sides`).
    pub duration_s: Option<u32>,
    /// Repetitions (per side when `sides`).
    pub reps: Option<u32>,
    #[serde(default)]
    pub sides: bool,
    pub check: Option<Check>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum CatalogError {
    #[error("routines.toml does not parse: {0}")]
    Parse(String),
    #[error("{0}")]
    Invalid(String),
}

impl Catalog {
    pub(crate) fn parse(text: &str) -> Result<Self, CatalogError> {
        let c: Self = toml::from_str(text).map_err(|e| CatalogError::Parse(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// The catalog compiled into the app. Its validity is checked by a test,
    /// so a failure here is a build defect; it then falls back to empty.
    pub(crate) fn builtin() -> &'static Self {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Self::parse(CATALOG_TOML).unwrap_or_else(|e| {
                tracing::error!("built-in catalog: {e}");
                Self {
                    safety: String::new(),
                    tips: Vec::new(),
                    exercises: Vec::new(),
                    routines: Vec::new(),
                }
            })
        })
    }

    pub(crate) fn routine(&self, id: &str) -> Option<&Routine> {
        self.routines.iter().find(|r| r.id == id)
    }

    pub(crate) fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    fn validate(&self) -> Result<(), CatalogError> {
        let bad = |m: String| Err(CatalogError::Invalid(m));
        for e in &self.exercises {
            if e.cues.is_empty() {
                return bad(format!("exercise `{}` has no cues", e.id));
            }
        }
        for r in &self.routines {
            if r.steps.is_empty() {
                return bad(format!("routine `{}` has no steps", r.id));
            }
            for s in &r.steps {
                if self.exercise(&s.exercise).is_none() {
                    return bad(format!(
                        "routine `{}` uses unknown exercise `{}`",
                        r.id, s.exercise
                    ));
                }
                match (s.duration_s, s.reps) {
                    (Some(d), None) if d > 0 => {}
                    (None, Some(n)) if n > 0 => {}
                    _ => {
                        return bad(format!(
                            "routine `{}`, step `{}`: give a positive duration_s or reps, not both",
                            r.id, s.exercise
                        ));
                    }
                }
                if s.check.is_some() && s.duration_s.is_none() {
                    return bad(format!(
                        "routine `{}`: a checked step needs a duration",
                        r.id
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_routine_is_named_as_its_id_reads() {
        // The charts' hover names a routine from its id alone.
        for r in &Catalog::builtin().routines {
            assert_eq!(crate::domain::session::routine_words(&r.id), r.name);
        }
    }

    #[test]
    fn the_builtin_catalog_is_valid_and_complete() {
        let c = Catalog::parse(CATALOG_TOML).expect("valid");
        for id in [
            "movement-break",
            "hip-flexor-stretch",
            "core-reset",
            "evening-release",
        ] {
            assert!(c.routine(id).is_some(), "routine {id}");
        }
        for id in [
            "walk",
            "half-kneeling-stretch",
            "half-kneeling-reach",
            "constructive-rest",
            "glute-bridge",
            "straight-leg-raise",
            "bird-dog",
        ] {
            assert!(c.exercise(id).is_some(), "exercise {id}");
        }
        assert_eq!(c.tips.len(), 5);
        assert!(c.safety.contains("not medical advice"));
    }

    #[test]
    fn the_article_facts_are_carried_over() {
        let c = Catalog::builtin();
        let walk = &c.routine("movement-break").unwrap().steps[0];
        assert_eq!(
            (walk.duration_s, walk.check),
            (Some(120), Some(Check::Walking))
        );
        let stretch = &c.routine("hip-flexor-stretch").unwrap().steps[0];
        assert!(stretch.sides && (30..=60).contains(&stretch.duration_s.unwrap()));
        let rest = &c.routine("evening-release").unwrap().steps[0];
        assert!((600..=1200).contains(&rest.duration_s.unwrap()));
        let cues = |id: &str| c.exercise(id).unwrap().cues.join(" ");
        assert!(cues("constructive-rest").contains("30 to 40 cm (12 to 16 in)"));
        assert!(cues("half-kneeling-stretch").contains("90°"));
        assert!(cues("glute-bridge").contains("one straight line"));
        assert!(cues("straight-leg-raise").contains("lower back into the floor"));
        assert!(cues("bird-dog").contains("opposite leg"));
    }

    #[test]
    fn broken_catalogs_are_refused_with_the_reason() {
        let base = CATALOG_TOML.replace("exercise = \"bird-dog\"", "exercise = \"no-such\"");
        assert_eq!(
            Catalog::parse(&base),
            Err(CatalogError::Invalid(
                "routine `core-reset` uses unknown exercise `no-such`".into()
            ))
        );
        assert!(matches!(
            Catalog::parse("safety = 3"),
            Err(CatalogError::Parse(_))
        ));
    }
}
