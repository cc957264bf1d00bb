//! The one formatting step of emitted Rust: prettyplease, then what makes a file readable in a
//! diff and that prettyplease does not do: a blank line between items, and doc comments
//! wrapped near [`WIDTH`] columns. Emitters produce tokens and never format.

/// The column doc comments are wrapped at (rustfmt's default `max_width`).
pub const WIDTH: usize = 100;

/// A doc line is never wrapped to hold less text than this, however deep its indentation.
const MIN_TEXT: usize = 40;

/// `file` formatted: prettyplease, blank lines between items, doc comments wrapped.
pub fn format(file: &syn::File) -> String {
    let code = prettyplease::unparse(file);
    let mut out = String::with_capacity(code.len() + code.len() / 8);
    let lines: Vec<&str> = code.lines().collect();
    let mut in_fence = false;
    for (i, line) in lines.iter().copied().enumerate() {
        if i > 0 && needs_blank_line(lines[i - 1], line, item_head(&lines[i..])) {
            out.push('\n');
        }
        let (indent, prefix, text) = split_doc(line);
        match prefix {
            Some(prefix) => {
                if text.trim_start().starts_with("```") {
                    in_fence = !in_fence;
                }
                if in_fence || text.trim_start().starts_with("```") {
                    out.push_str(line);
                    out.push('\n');
                } else {
                    wrap_doc(&mut out, indent, prefix, text);
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The first line of `lines` that is not a doc comment or an attribute: the head of the item
/// they belong to.
fn item_head<'a>(lines: &[&'a str]) -> &'a str {
    lines
        .iter()
        .map(|l| l.trim_start())
        .find(|l| !l.starts_with("///") && !l.starts_with("#["))
        .unwrap_or_default()
}

/// The indentation, the doc prefix (`///` or `//!`) and the text after it, for a doc line.
fn split_doc(line: &str) -> (&str, Option<&'static str>, &str) {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    for prefix in ["///", "//!"] {
        if let Some(text) = trimmed.strip_prefix(prefix) {
            return (indent, Some(prefix), text);
        }
    }
    (indent, None, line)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Whether an item starts on `line` (whose item's first line after docs and attributes is
/// `head`) right after one that ended on `previous`, at the same depth: the previous line
/// closes a block (`}`), or ends an item (`;`) at the top level or before docs; this one starts
/// an item with its docs, attributes or keyword (anything, at the top level). Lines inside
/// function bodies never qualify: statements do not start with these words. Consecutive `use`
/// lines, and `mod x;` with its `pub use x::*;`, stay together.
fn needs_blank_line(previous: &str, line: &str, head: &str) -> bool {
    let p = previous.trim();
    let l = line.trim_start();
    if p.starts_with("//!") {
        // The end of the module docs, before the first item.
        return !l.starts_with("//!");
    }
    if indent_of(previous) != indent_of(line) || l.is_empty() || l.starts_with('}') {
        return false;
    }
    let top_level = indent_of(line) == 0;
    let closes = p.ends_with('}') || p.ends_with("};");
    let ends_item = p.ends_with(';') && !p.starts_with("//") && (top_level || l.starts_with("///"));
    let starts_item = top_level
        || l.starts_with("///")
        || l.starts_with("#[")
        || [
            "pub ",
            "impl ",
            "impl<",
            "fn ",
            "async fn ",
            "struct ",
            "enum ",
            "mod ",
            "type ",
            "const ",
            "static ",
            "trait ",
            "use ",
        ]
        .iter()
        .any(|k| l.starts_with(k));
    let is_use = |s: &str| s.starts_with("use ") || s.starts_with("pub use ");
    let together = (is_use(p) && is_use(head)) || (p.starts_with("mod ") && is_use(head));
    (closes || ends_item) && starts_item && !together
}

/// Writes the doc line `prefix text` at `indent`, wrapped at spaces so that no line passes
/// [`WIDTH`] when a space allows it. Headings, tables and words longer than a line are kept
/// whole; a list item's continuation lines are indented under its text, as Markdown requires;
/// a space inside an inline code span is never a break, so a span stays on one line.
fn wrap_doc(out: &mut String, indent: &str, prefix: &str, text: &str) {
    let budget = WIDTH
        .saturating_sub(indent.len() + prefix.len() + 1)
        .max(MIN_TEXT);
    let body = text.strip_prefix(' ').unwrap_or(text);
    let keep = body.chars().count() <= budget
        || body.starts_with('#')
        || body.starts_with('|')
        || body.starts_with("    ");
    if keep {
        out.push_str(indent);
        out.push_str(prefix);
        out.push_str(text);
        out.push('\n');
        return;
    }
    let hanging = list_marker_width(body);
    let mut first = true;
    for piece in split_lines(body, budget, hanging) {
        out.push_str(indent);
        out.push_str(prefix);
        out.push(' ');
        if !first {
            out.extend(std::iter::repeat_n(' ', hanging));
        }
        out.push_str(&piece);
        out.push('\n');
        first = false;
    }
}

/// The width of a list marker starting `text` (`- `, `* `, `1. `), or 0.
fn list_marker_width(text: &str) -> usize {
    if text.starts_with("- ") || text.starts_with("* ") {
        return 2;
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && text[digits..].starts_with(". ") {
        return digits + 2;
    }
    0
}

/// `text` cut into lines of at most `budget` characters (the later ones `hanging` shorter), at
/// spaces outside inline code spans.
fn split_lines(text: &str, budget: usize, hanging: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut in_code = false;
    let mut current = String::new();
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if c == ' ' && !in_code {
            words.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    words.push(current);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words.into_iter().filter(|w| !w.is_empty()) {
        let limit = if lines.is_empty() {
            budget
        } else {
            budget.saturating_sub(hanging).max(MIN_TEXT)
        };
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > limit && !starts_a_block(&word) {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Whether a line starting with `word` would be read as a new Markdown block (a list item, a
/// quote, a heading, a rule or setext underline): such a word never starts a wrapped line.
fn starts_a_block(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    matches!(word, "-" | "*" | "+" | ">")
        || word.starts_with('#')
        || word.starts_with('|')
        || word.chars().all(|c| c == '=' || c == '-')
        || (digits > 0 && matches!(&word[digits..], "." | ")"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        format(&syn::parse_file(src).expect("parses"))
    }

    #[test]
    fn items_are_separated_by_a_blank_line_and_bodies_are_not() {
        let out = fmt(
            "//! Module.\nuse a::b;\nuse c::d;\n/// A.\npub struct A { x: u8 }\nimpl A { fn f(&self) { if true { g(); } if false { h(); } } fn k() {} }\npub type B = A;\n/// C.\nconst C: u8 = 1;\nimpl D {}\nm!(A);\n#[cfg(x)]\nmod e;\n#[cfg(x)]\npub use e::*;\n#[cfg(y)]\nmod f;\n",
        );
        assert_eq!(
            out,
            "//! Module.\n\nuse a::b;\nuse c::d;\n\n/// A.\npub struct A {\n    x: u8,\n}\n\nimpl A {\n    fn f(&self) {\n        if true {\n            g();\n        }\n        if false {\n            h();\n        }\n    }\n\n    fn k() {}\n}\n\npub type B = A;\n\n/// C.\nconst C: u8 = 1;\n\nimpl D {}\n\nm!(A);\n\n#[cfg(x)]\nmod e;\n#[cfg(x)]\npub use e::*;\n\n#[cfg(y)]\nmod f;\n"
        );
    }

    #[test]
    fn long_doc_lines_wrap_at_spaces_outside_code_spans() {
        let words = "word ".repeat(30);
        let src = format!(
            "/// {words}\n/// - `a long code span that must stay whole` {words}\n/// # {words}\nfn f() {{}}\n"
        );
        let out = fmt(&src);
        for line in out.lines() {
            let heading = line.starts_with("/// #");
            assert!(line.len() <= WIDTH || heading, "{line}");
        }
        assert!(
            out.contains("`a long code span that must stay whole`"),
            "{out}"
        );
        // The list item's continuation lines are indented under its text.
        let after_item = out
            .lines()
            .skip_while(|l| !l.starts_with("/// - "))
            .nth(1)
            .unwrap();
        assert!(after_item.starts_with("///   word"), "{out}");
        // Nothing is lost or added but line breaks.
        let text: Vec<&str> = out
            .lines()
            .flat_map(|l| l.trim_start_matches("///").split_whitespace())
            .collect();
        let expected: Vec<&str> = src
            .lines()
            .flat_map(|l| l.trim_start_matches("///").split_whitespace())
            .collect();
        assert_eq!(text, expected);
    }

    #[test]
    fn a_wrapped_line_never_starts_a_markdown_block() {
        for marker in ["-", "1.", "#", ">", "==", "+", "2)"] {
            for pad in 0..12 {
                let text = format!("{}{} {marker} after", "a ".repeat(40), "b".repeat(pad));
                for line in split_lines(&text, 80, 0) {
                    let first = line.split(' ').next().unwrap_or_default();
                    assert!(!starts_a_block(first), "{marker}: {line:?}");
                }
            }
        }
    }

    #[test]
    fn fenced_code_in_docs_is_never_wrapped() {
        let long = format!("let x = \"{}\";", "y".repeat(120));
        let out = fmt(&format!("/// ```\n/// {long}\n/// ```\nfn f() {{}}\n"));
        assert!(out.contains(&long), "{out}");
    }
}
