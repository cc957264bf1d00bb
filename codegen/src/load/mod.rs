//! Stage 1: read `spec/*.yaml` into [`ast`] types, reporting every syntax error, unknown key and
//! wrong value type with its position.

pub mod ast;
mod introspect;
mod scalars;
pub mod source_map;
mod structure;

use std::path::{Path, PathBuf};

use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, Location};
pub use source_map::SourceMap;

/// One parsed catalog file.
#[derive(Clone, Debug)]
pub struct LoadedFile {
    /// The path as it is shown in diagnostics (for example `spec/event_hook.yaml`).
    pub path: PathBuf,
    pub group: ast::GroupFile,
    text: String,
    /// Built on first use: a valid catalog never needs positions.
    source_map: std::sync::OnceLock<SourceMap>,
}

impl LoadedFile {
    pub fn location(&self, path: &[&str]) -> Location {
        let (line, column) = self.source_map().at(path);
        Location::new(&self.path, line, column)
    }

    pub fn source_map(&self) -> &SourceMap {
        self.source_map.get_or_init(|| SourceMap::build(&self.text))
    }
}

/// Reads every `*.yaml` file of `dir` in file-name order.
pub fn load_dir(dir: &Path) -> Result<Vec<LoadedFile>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut names: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect(),
        Err(e) => {
            diags.push(
                Diagnostic::new(
                    Location::new(dir, 0, 0),
                    format!("cannot read the catalog directory: {e}"),
                )
                .with_hint("run from the repository root, or pass the path of `spec/`"),
            );
            return Err(diags);
        }
    };
    names.sort();
    if names.is_empty() {
        diags.push(
            Diagnostic::new(
                Location::new(dir, 0, 0),
                "the catalog directory has no `*.yaml` files",
            )
            .with_hint("each API group lives in its own `spec/<group>.yaml`; see spec/README.md"),
        );
        return Err(diags);
    }
    let mut texts = Vec::new();
    for path in names {
        match std::fs::read_to_string(&path) {
            Ok(text) => texts.push((path, text)),
            Err(e) => diags.push(Diagnostic::new(
                Location::new(&path, 0, 0),
                format!("cannot read file: {e}"),
            )),
        }
    }
    // Files are independent and YAML parsing is most of loading: parse them on every core.
    let parsed = crate::parallel::map(&texts, |(_, t)| t.len(), |(p, t)| load_str(p, t));
    let mut files = Vec::new();
    for result in parsed {
        match result {
            Ok(f) => files.push(f),
            Err(d) => diags.0.extend(d.0),
        }
    }
    if diags.is_empty() {
        Ok(files)
    } else {
        Err(diags.sorted())
    }
}

/// Where `text` first opens more than [`source_map::MAX_DEPTH`] flow collections (`[`, `{`)
/// at once. serde_yaml takes time quadratic in the nesting depth before its own recursion limit
/// refuses the document (25 s for 100,000 levels in 200 KB), so such text is refused first, in
/// one pass. Brackets inside scalars count too: no catalog has a hundred unclosed ones.
fn flow_too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let (mut line, mut column) = (1usize, 0usize);
    for c in text.chars() {
        column += 1;
        match c {
            '\n' => (line, column) = (line + 1, 0),
            '[' | '{' => {
                depth += 1;
                if depth > source_map::MAX_DEPTH {
                    return Some((line, column));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses one catalog file's text; `path` is only used in diagnostics.
pub fn load_str(path: &Path, text: &str) -> Result<LoadedFile, Diagnostics> {
    if let Some((line, column)) = flow_too_deep(text) {
        return Err(Diagnostics(vec![Diagnostic::new(
            Location::new(path, line, column),
            format!(
                "the YAML nests deeper than {} levels",
                source_map::MAX_DEPTH
            ),
        )
        .with_hint(
            "no catalog construct needs more than a few levels; flatten it",
        )]));
    }
    let source_map = std::sync::OnceLock::new();
    let positions = || source_map.get_or_init(|| SourceMap::build(text));
    let mut diags = Diagnostics::default();
    let mut suggested: Vec<&str> = Vec::new();
    let mut unknown: Vec<Vec<String>> = Vec::new();
    let de = serde_yaml::Deserializer::from_str(text);
    let parsed = serde_ignored::deserialize(de, |p| unknown.push(path_segments(&p)));
    for key_path in &unknown {
        let key = key_path.last().map(String::as_str).unwrap_or("?");
        let (line, column) = positions().position(key_path);
        let allowed = allowed_keys(key_path);
        let mut d = Diagnostic::new(
            Location::new(path, line, column),
            format!("unknown key `{key}` {}", context_name(key_path)),
        );
        d = match did_you_mean(key, allowed.iter().copied()) {
            Some(s) => {
                suggested.push(s);
                d.with_hint(format!("did you mean `{s}`?"))
            }
            None => d.with_hint(format!("allowed keys here: {}", allowed.join(", "))),
        };
        diags.push(d);
    }
    match parsed {
        Ok(group) if diags.is_empty() => Ok(LoadedFile {
            path: path.to_path_buf(),
            group,
            text: text.to_string(),
            source_map,
        }),
        Ok(_) => Err(diags),
        Err(e) => {
            if let Some((line, column)) = positions().too_deep() {
                diags.push(
                    Diagnostic::new(
                        Location::new(path, line, column),
                        format!(
                            "the YAML nests deeper than {} levels",
                            source_map::MAX_DEPTH
                        ),
                    )
                    .with_hint("no catalog construct needs more than a few levels; flatten it"),
                );
                return Err(diags);
            }
            // `summry:` makes `summary` missing; the unknown-key diagnostic already says so.
            let msg = e.to_string();
            let mut explained = suggested
                .iter()
                .any(|s| msg.contains(&format!("missing field `{s}`")));
            // serde stopped at the first bad value; report every one of the file.
            match structure::check(text) {
                // serde reached the broken text itself: its words say it best.
                structure::Findings::Syntax(line, ..)
                    if e.location().is_none_or(|l| l.line() >= line) => {}
                // serde stopped earlier, on a fragment of the broken lines.
                structure::Findings::Syntax(line, column, message) => {
                    explained = true;
                    diags.push(
                        Diagnostic::new(Location::new(path, line, column), message)
                            .with_hint("fix the YAML syntax at this position"),
                    );
                }
                structure::Findings::Values(found) => {
                    for (key_path, problem) in found {
                        let (line, column) = positions().position(&key_path);
                        // serde words an unknown variant its own way; the same line is the
                        // same value.
                        explained |= msg.contains(&problem.message)
                            || e.location().is_some_and(|l| l.line() == line);
                        diags.push(
                            Diagnostic::new(Location::new(path, line, column), problem.message)
                                .with_hint(problem.hint),
                        );
                    }
                }
            }
            if !explained || diags.is_empty() {
                diags.push(yaml_error(path, &e));
            }
            Err(diags)
        }
    }
}

fn yaml_error(path: &Path, e: &serde_yaml::Error) -> Diagnostic {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    let msg = e.to_string();
    // serde_yaml appends " at line X column Y"; the location already says it.
    let msg = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    let hint = if msg.contains("invalid type")
        || msg.contains("invalid value")
        || msg.contains("unknown variant")
    {
        "check the value's type against the tables in spec/README.md"
    } else if msg.contains("missing field") {
        "add the missing key; spec/README.md lists the required ones"
    } else {
        "fix the YAML syntax at this position"
    };
    Diagnostic::new(Location::new(path, line, column), msg).with_hint(hint)
}

fn path_segments(p: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path as P;
    let mut out = Vec::new();
    let mut cur = p;
    loop {
        match cur {
            P::Root => break,
            P::Seq { parent, index } => {
                out.push(index.to_string());
                cur = parent;
            }
            P::Map { parent, key } => {
                out.push(key.clone());
                cur = parent;
            }
            P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
                cur = parent
            }
        }
    }
    out.reverse();
    out
}

enum Ctx {
    Top,
    Operation,
    Param,
    Body,
    Response,
    Schema,
    EnumValue,
}

/// What kind of map the unknown key sits in, from the shape of its path.
fn context(key_path: &[String]) -> Ctx {
    let parent = &key_path[..key_path.len().saturating_sub(1)];
    let p: Vec<&str> = parent.iter().map(String::as_str).collect();
    match p.as_slice() {
        [] => Ctx::Top,
        ["operations", _] => Ctx::Operation,
        ["operations", _, "params", _] => Ctx::Param,
        ["operations", _, "body"] => Ctx::Body,
        ["operations", _, "responses", _] => Ctx::Response,
        [.., "enum", _] => Ctx::EnumValue,
        _ => Ctx::Schema,
    }
}

/// The keys the AST type at this place accepts, read from its serde derive.
fn allowed_keys(key_path: &[String]) -> &'static [&'static str] {
    use introspect::keys;
    match context(key_path) {
        Ctx::Top => keys::<ast::GroupFile>(),
        Ctx::Operation => keys::<ast::Operation>(),
        Ctx::Param => keys::<ast::Param>(),
        Ctx::Body => keys::<ast::Body>(),
        Ctx::Response => keys::<ast::Response>(),
        Ctx::Schema => ast::schema_keys(),
        Ctx::EnumValue => keys::<ast::DocumentedEnumValue>(),
    }
}

fn context_name(key_path: &[String]) -> &'static str {
    match context(key_path) {
        Ctx::Top => "at the top of a group file",
        Ctx::Operation => "in an operation",
        Ctx::Param => "in a parameter",
        Ctx::Body => "in a request body",
        Ctx::Response => "in a response",
        Ctx::Schema => "in a type",
        Ctx::EnumValue => "in an enum value",
    }
}
