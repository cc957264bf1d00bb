//! `cargo xtask diff <ref> --changelog`: the API change report, written into `CHANGELOG.md`
//! under "Unreleased". The report sits between two markers so that running the command again
//! replaces it instead of adding a second copy; everything else in the file is left as written.

const BEGIN: &str = "<!-- cargo xtask diff: begin (regenerated; edit outside the markers) -->";
const END: &str = "<!-- cargo xtask diff: end -->";
const UNRELEASED: &str = "## [Unreleased]";

/// `changelog` with `report` (the Markdown of [`crate::diff::Report::to_markdown`], compared
/// against `base`) as the generated block of its "Unreleased" section. Creates the section, or
/// the whole file when `changelog` is empty.
pub fn with_report(changelog: &str, report: &str, base: &str) -> String {
    let block = format!("{BEGIN}\n{}{END}\n", demote(report, base));
    let mut text = if changelog.trim().is_empty() {
        "# Changelog\n\nAll notable changes to `okta-client`.\n\n".to_string()
    } else {
        changelog.to_string()
    };
    if let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) {
        if b < e {
            let end = e + END.len();
            let end = if text[end..].starts_with('\n') {
                end + 1
            } else {
                end
            };
            text.replace_range(b..end, &block);
            return text;
        }
    }
    match text.find(UNRELEASED) {
        Some(i) => {
            let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n + 1);
            text.insert_str(line_end, &format!("\n{block}"));
        }
        None => {
            // The newest section comes first: before the first released version, if any.
            let at = text.find("\n## ").map_or(text.len(), |i| i + 1);
            text.insert_str(at, &format!("{UNRELEASED}\n\n{block}\n"));
        }
    }
    text
}

/// The report's headings moved under the "Unreleased" heading (`#` → `###`), its title naming
/// what it was compared with.
fn demote(report: &str, base: &str) -> String {
    let mut out = String::new();
    for line in report.lines() {
        if let Some(title) = line.strip_prefix("# ") {
            out.push_str(&format!("### {title} since `{base}`\n"));
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!("#### {h}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "# API changes\n\n## Operations\n\n- non-breaking: `GetX` added\n\n## Version\n\nImplied version bump of `okta-client`: **minor**.\n";

    #[test]
    fn creates_the_file_and_the_section() {
        let out = with_report("", REPORT, "main");
        assert!(out.starts_with("# Changelog\n"));
        assert!(out.contains("## [Unreleased]\n\n<!-- cargo xtask diff: begin"));
        assert!(out.contains("### API changes since `main`\n"));
        assert!(out.contains("#### Operations\n"));
    }

    #[test]
    fn replaces_its_block_and_keeps_everything_else() {
        let hand = "# Changelog\n\n## [Unreleased]\n\n- Hand-written note.\n\n## [0.1.0] - 2026-01-01\n\n- First.\n";
        let once = with_report(hand, REPORT, "main");
        let twice = with_report(&once, &REPORT.replace("GetX", "GetY"), "v0.1.0");
        assert_eq!(twice.matches("cargo xtask diff: begin").count(), 1);
        assert!(twice.contains("`GetY` added") && !twice.contains("`GetX` added"));
        assert!(twice.contains("since `v0.1.0`"));
        assert!(
            twice.contains("- Hand-written note.") && twice.contains("## [0.1.0] - 2026-01-01")
        );
        // The report stays inside Unreleased, above the released version.
        assert!(twice.find("GetY").unwrap() < twice.find("## [0.1.0]").unwrap());
    }

    #[test]
    fn adds_unreleased_above_the_newest_release() {
        let hand = "# Changelog\n\nIntro.\n\n## [0.1.0] - 2026-01-01\n\n- First.\n";
        let out = with_report(hand, REPORT, "main");
        let u = out.find("## [Unreleased]").unwrap();
        assert!(out.find("Intro.").unwrap() < u && u < out.find("## [0.1.0]").unwrap());
    }
}
