//! Results of running scripts, and their text and JSON renderings.

use std::fmt::Write as _;

/// The outcome of one directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectiveResult {
    pub line: u32,
    pub col: u32,
    /// The directive's keyword, e.g. `assert_return`.
    pub kind: &'static str,
    /// `None` when it passed; otherwise what was expected and what happened.
    pub failure: Option<String>,
}

impl DirectiveResult {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// All results of one script file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    /// How the file was named on the command line (or `suite/file.wast`).
    pub path: String,
    pub results: Vec<DirectiveResult>,
    /// The store's structured trace (JSON lines), when asked for
    /// (`ScriptOptions::trace`); a `note` line names each directive's line.
    pub trace: Option<String>,
}

impl FileReport {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// `path:line` of every failing directive.
    pub fn failure_keys(&self) -> impl Iterator<Item = String> + '_ {
        self.results
            .iter()
            .filter(|r| !r.passed())
            .map(|r| format!("{}:{}", self.path, r.line))
    }
}

/// Renders failures one per block, then the final `N passed, N failed` line.
pub fn render_text(reports: &[FileReport]) -> String {
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for report in reports {
        passed += report.passed();
        failed += report.failed();
        for r in &report.results {
            if let Some(failure) = &r.failure {
                let _ = writeln!(
                    out,
                    "{}:{}:{}: {} failed\n  {}",
                    report.path,
                    r.line,
                    r.col,
                    r.kind,
                    failure.replace('\n', "\n  ")
                );
            }
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    out
}

/// A machine-readable report: totals, per-file counts and every failure.
pub fn render_json(reports: &[FileReport]) -> String {
    let passed: usize = reports.iter().map(FileReport::passed).sum();
    let failed: usize = reports.iter().map(FileReport::failed).sum();
    let mut out = String::new();
    let _ = write!(out, "{{\"passed\":{passed},\"failed\":{failed},\"files\":[");
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"path\":{},\"passed\":{},\"failed\":{},\"failures\":[",
            cmref_interp::trace::json_string(&report.path),
            report.passed(),
            report.failed()
        );
        let mut first = true;
        for r in &report.results {
            if let Some(failure) = &r.failure {
                if !first {
                    out.push(',');
                }
                first = false;
                let _ = write!(
                    out,
                    "{{\"line\":{},\"col\":{},\"directive\":{},\"message\":{}}}",
                    r.line,
                    r.col,
                    cmref_interp::trace::json_string(r.kind),
                    cmref_interp::trace::json_string(failure)
                );
            }
        }
        out.push_str("]}");
    }
    out.push_str("]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<FileReport> {
        vec![FileReport {
            path: "a.wast".into(),
            trace: None,
            results: vec![
                DirectiveResult {
                    line: 1,
                    col: 1,
                    kind: "module",
                    failure: None,
                },
                DirectiveResult {
                    line: 3,
                    col: 2,
                    kind: "assert_return",
                    failure: Some("expected i32:1\nactual \"x\"".into()),
                },
            ],
        }]
    }

    #[test]
    fn text_report_ends_with_the_totals_line() {
        let text = render_text(&sample());
        assert!(text.starts_with("a.wast:3:2: assert_return failed\n  expected i32:1\n  actual"));
        assert_eq!(text.lines().last(), Some("1 passed, 1 failed"));
    }

    #[test]
    fn json_report_escapes_and_counts() {
        let json = render_json(&sample());
        assert!(json.starts_with("{\"passed\":1,\"failed\":1,"));
        assert!(json.contains("\"message\":\"expected i32:1\\nactual \\\"x\\\"\""));
    }
}
