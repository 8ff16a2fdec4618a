//! Expected-failure manifests: the directives allowed to fail, each with a
//! reason. A manifest only shrinks: checking fails both on an unexpected
//! failure and on a listed directive that now passes.

use std::collections::BTreeMap;

use crate::report::FileReport;

/// `path:line` → reason.
#[derive(Clone, Debug, Default)]
pub struct Manifest {
    pub entries: BTreeMap<String, String>,
}

impl Manifest {
    /// Parses `KEY  reason` lines; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut entries = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, reason) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("line {}: an entry needs a reason", i + 1))?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(format!("line {}: an entry needs a reason", i + 1));
            }
            if entries
                .insert(key.to_string(), reason.to_string())
                .is_some()
            {
                return Err(format!("line {}: duplicate entry `{key}`", i + 1));
            }
        }
        Ok(Manifest { entries })
    }

    /// Compares reports with the manifest, considering only entries for the
    /// scripts that were run. Returns every discrepancy.
    pub fn check(&self, reports: &[FileReport]) -> Vec<String> {
        let mut problems = Vec::new();
        for report in reports {
            let failing: Vec<String> = report.failure_keys().collect();
            for r in report.results.iter().filter(|r| !r.passed()) {
                let key = format!("{}:{}", report.path, r.line);
                if !self.entries.contains_key(&key) {
                    problems.push(format!(
                        "unexpected failure {key} ({}): {}",
                        r.kind,
                        r.failure.as_deref().unwrap_or_default()
                    ));
                }
            }
            let prefix = format!("{}:", report.path);
            for key in self.entries.keys().filter(|k| k.starts_with(&prefix)) {
                if !failing.contains(key) {
                    problems.push(format!(
                        "{key} passes now: remove it from the expected-failure manifest"
                    ));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::DirectiveResult;

    fn report(failing_line: Option<u32>) -> FileReport {
        FileReport {
            path: "s/a.wast".into(),
            trace: None,
            results: vec![DirectiveResult {
                line: 7,
                col: 1,
                kind: "assert_return",
                failure: failing_line.map(|_| "boom".to_string()),
            }],
        }
    }

    #[test]
    fn listed_failures_are_allowed_and_stale_entries_are_not() {
        let m = Manifest::parse("# c\ns/a.wast:7  a spec question\n").unwrap();
        assert!(m.check(&[report(Some(7))]).is_empty());
        let stale = m.check(&[report(None)]);
        assert_eq!(stale.len(), 1);
        assert!(stale[0].contains("passes now"));
        let unexpected = Manifest::default().check(&[report(Some(7))]);
        assert!(unexpected[0].starts_with("unexpected failure s/a.wast:7"));
    }

    #[test]
    fn entries_need_reasons() {
        assert!(Manifest::parse("s/a.wast:7\n").is_err());
        assert!(Manifest::parse("s/a.wast:7 x\ns/a.wast:7 y\n").is_err());
    }
}
