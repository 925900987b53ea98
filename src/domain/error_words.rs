//! An error and its causes as one line a person reads. Sitless's errors
//! often say their cause in their own words ("x.csv was not imported: line
//! 3: …"); a cause is added only when the words do not already say it, so
//! nothing is said twice.

/// The error, then each cause not already in the words, joined by ": ".
pub fn error_words(e: &(dyn std::error::Error + 'static)) -> String {
    let mut words = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !words.contains(&text) {
            words.push_str(": ");
            words.push_str(&text);
        }
        cause = c.source();
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("inner")]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("x.csv was not imported: {0}")]
        Says(#[source] Inner),
        #[error("x.csv was not imported")]
        Silent(#[source] Inner),
    }

    #[test]
    fn a_cause_is_said_once() {
        assert_eq!(
            error_words(&Outer::Says(Inner)),
            "x.csv was not imported: inner"
        );
        assert_eq!(
            error_words(&Outer::Silent(Inner)),
            "x.csv was not imported: inner"
        );
        let any = anyhow::Error::new(Outer::Says(Inner)).context("import");
        assert_eq!(
            error_words(any.as_ref()),
            "import: x.csv was not imported: inner"
        );
    }
}
