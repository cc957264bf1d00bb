//! Problems found in a catalog, reported all at once with a position and a hint.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a problem is: a position in a file (1-based line and column), or, in a JSON document
/// such as a profile schema, the JSON path of the value at fault (`$.definitions.custom…`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The JSON path of the value at fault; the line and column are 0 then.
    pub json_path: Option<String>,
}

impl Location {
    pub fn new(file: &Path, line: usize, column: usize) -> Self {
        Location {
            file: file.to_path_buf(),
            line,
            column,
            json_path: None,
        }
    }

    /// The value at `json_path` (`$.a.b`, `$.a["b c"]`, `$[0]`) in `file`.
    pub fn json(file: &str, json_path: impl Into<String>) -> Self {
        Location {
            file: PathBuf::from(file),
            line: 0,
            column: 0,
            json_path: Some(json_path.into()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.json_path {
            Some(path) => write!(f, "{} at {path}", self.file.display()),
            None => write!(f, "{}:{}:{}", self.file.display(), self.line, self.column),
        }
    }
}

/// One problem in a catalog or a profile schema: the generator's one diagnostic type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Location,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\n  --> {}", self.message, self.location)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  = help: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in one run; never empty when returned as an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Sorted by position so that output is stable and reads top to bottom.
    pub fn sorted(mut self) -> Self {
        self.0
            .sort_by(|a, b| a.location.cmp(&b.location).then(a.message.cmp(&b.message)));
        self.0.dedup();
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}\n")?;
        }
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in the catalog",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// The closest candidate by edit distance, for "did you mean …" hints.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_l = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (levenshtein(&word_l, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1) + 1)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("requird", ["required", "nullable"]),
            Some("required")
        );
        assert_eq!(did_you_mean("zzz", ["required", "nullable"]), None);
    }
}
