//! Every bad typed value and every schema that is not one shape, in one file, at once.
//!
//! serde stops at the first value it cannot read, so a file with a misspelt method and a
//! misspelt type name would otherwise be fixed one error per run. When serde fails, the loader
//! walks the same text once more and checks each typed value with the parser serde itself uses
//! ([`super::scalars`], [`ast::shape_problems`]), so the two can never disagree.

use super::ast::{self, BodyEncoding, Method, ParamIn, PathTemplate, Problem, SchemaType, Status};
use super::source_map::{SourceMap, YamlPath};

/// What is wrong with a file serde could not read.
pub enum Findings {
    /// The text is not YAML (line, column, message): the one thing to fix first, as the
    /// values read before that point may be fragments.
    Syntax(usize, usize, String),
    /// Each bad value with the path of its key.
    Values(Vec<(YamlPath, Problem)>),
}

pub fn check(text: &str) -> Findings {
    let map = SourceMap::build_with_scalars(text);
    match map.syntax_error() {
        Some((line, column, message)) => Findings::Syntax(line, column, message.to_string()),
        None => Findings::Values(problems(&map)),
    }
}

fn problems(map: &SourceMap) -> Vec<(YamlPath, Problem)> {
    let mut paths: Vec<&YamlPath> = map.paths().collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        if let Some(value) = map.scalar(path) {
            if let Err(p) = check_scalar(path, value) {
                out.push((path.clone(), p));
            }
        }
        if is_schema(path) {
            out.extend(schema_problems(map, path));
        }
    }
    out
}

fn check_scalar(path: &[String], value: &str) -> Result<(), Problem> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["operations", _, "method"] => Method::parse(value).map(drop),
        ["operations", _, "path"] => PathTemplate::parse(value).map(drop),
        ["operations", _, "params", _, "in"] => ParamIn::parse(value).map(drop),
        ["operations", _, "body", "content_type"] => BodyEncoding::parse(value).map(drop),
        ["operations", _, "responses", _, "status"] => Status::parse(value).map(drop),
        [rest @ .., "type"] if is_schema_strs(rest) => SchemaType::parse(value).map(drop),
        _ => Ok(()),
    }
}

fn schema_problems(map: &SourceMap, path: &YamlPath) -> Vec<(YamlPath, Problem)> {
    let key = |k: &str| {
        let mut p = path.clone();
        p.push(k.to_string());
        p
    };
    let type_path = key("type");
    let keys = ast::ShapeKeys {
        has_ref: map.contains(&key("ref")),
        has_type: map.contains(&type_path),
        kind: map
            .scalar(&type_path)
            .and_then(|v| SchemaType::parse(v).ok()),
        has_items: map.contains(&key("items")),
        has_properties: map.contains(&key("properties")),
    };
    ast::shape_problems(keys)
        .into_iter()
        .map(|(k, p)| (k.map(key).unwrap_or_else(|| path.clone()), p))
        .collect()
}

fn is_schema(path: &[String]) -> bool {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    is_schema_strs(&p)
}

/// Whether the node at `p` is read as a [`ast::Schema`].
fn is_schema_strs(p: &[&str]) -> bool {
    match p {
        ["schemas", _]
        | ["operations", _, "params", _, "schema"]
        | ["operations", _, "body", "schema"]
        | ["operations", _, "responses", _, "schema"] => true,
        [rest @ .., "items"] => is_schema_strs(rest),
        [rest @ .., "properties", _] => is_schema_strs(rest),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_bad_value_of_a_file() {
        let text = "\
group: A
operations:
  - name: GetA
    method: FETCH
    path: /a/x{id}
    params:
      - {name: id, in: qeury}
    responses:
      - {status: 700, schema: {type: strin}}
      - {status: 200, schema: {type: array}}
schemas:
  B: {ref: A, type: object}
  C: {description: nothing}
";
        let Findings::Values(found) = check(text) else {
            panic!("valid YAML")
        };
        let found: Vec<String> = found
            .into_iter()
            .map(|(p, e)| format!("{}: {}", p.join("."), e.message))
            .collect();
        assert_eq!(
            found,
            [
                "operations.0.method: invalid HTTP method `FETCH`",
                "operations.0.params.0.in: invalid parameter location `qeury`",
                "operations.0.path: path segment `x{id}` mixes text and a parameter",
                "operations.0.responses.0.schema.type: unknown type `strin`",
                "operations.0.responses.0.status: `700` is not an HTTP status code",
                "operations.0.responses.1.schema.type: an array needs `items`",
                "schemas.B.ref: a type has both `ref` and `type`",
                "schemas.C: a type needs `ref` or `type`",
            ]
        );
    }

    #[test]
    fn a_property_named_type_is_a_schema_not_a_type_name() {
        let text =
            "schemas:\n  A:\n    type: object\n    properties:\n      type: {type: string}\n";
        assert!(matches!(check(text), Findings::Values(v) if v.is_empty()));
    }

    #[test]
    fn text_that_is_not_yaml_is_a_syntax_error_first() {
        let text = "operations:\n  - method: GET\n    path: /a\n  summary: x: y\n";
        assert!(matches!(check(text), Findings::Syntax(4, _, _)));
    }
}
