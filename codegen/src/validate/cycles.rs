//! Reference cycles no value or no Rust type can satisfy.

use std::collections::{HashMap, HashSet};

use super::{Site, Validator};
use crate::load::ast::{self, Shape};
use crate::load::LoadedFile;

impl Validator<'_> {
    /// A cycle of required references (A requires a B which requires an A) describes a value
    /// that cannot exist; cycles through optional fields or arrays are fine (they are boxed).
    pub(super) fn required_cycles(&mut self, files: &[LoadedFile]) {
        let mut edges: HashMap<String, Vec<String>> = HashMap::new();
        for f in files {
            for (name, s) in &f.group.schemas {
                let mut out = Vec::new();
                required_refs(s, &mut out);
                edges.insert(name.clone(), out);
            }
        }
        let mut names: Vec<&String> = edges.keys().collect();
        names.sort();
        let mut reported: HashSet<String> = HashSet::new();
        for start in names {
            if reported.contains(start) {
                continue;
            }
            if let Some(cycle) = find_cycle(start, &edges) {
                reported.extend(cycle.iter().cloned());
                let at = self.schemas.get(start).map(Site::at).unwrap_or_default();
                self.error(
                    at,
                    format!("schemas form a cycle of required references: {} → {start}", cycle.join(" → ")),
                    "no JSON value can satisfy it; make one of these properties optional (the generator then boxes it) or an array",
                );
            }
        }
    }

    /// A named schema that is a reference or an array becomes a Rust type alias, and Rust type
    /// aliases cannot refer to themselves, even through `Vec`: `A: {ref: A}` or `A → B → A`
    /// with no struct or enum in between has no Rust type.
    pub(super) fn alias_cycles(&mut self, files: &[LoadedFile]) {
        let mut edges: HashMap<String, Vec<String>> = HashMap::new();
        for f in files {
            for (name, s) in &f.group.schemas {
                let mut out = Vec::new();
                alias_targets(s, &mut out);
                edges.insert(name.clone(), out);
            }
        }
        let mut names: Vec<&String> = edges.keys().collect();
        names.sort();
        let mut reported: HashSet<String> = HashSet::new();
        for start in names {
            if reported.contains(start) {
                continue;
            }
            if let Some(cycle) = find_cycle(start, &edges) {
                reported.extend(cycle.iter().cloned());
                let at = self.schemas.get(start).map(Site::at).unwrap_or_default();
                self.error(
                    at,
                    format!(
                        "schemas refer to each other with no object in between: {} → {start}",
                        cycle.join(" → ")
                    ),
                    "such a type has no end; describe one of them as an object with properties (or point one at a schema that is not part of the loop)",
                );
            }
        }
    }
}

/// The named schemas `s` requires directly: required properties that are references, looking
/// through required inline objects.
fn required_refs(s: &ast::Schema, out: &mut Vec<String>) {
    let Shape::Object(Some(properties)) = &s.shape else {
        return;
    };
    for p in properties.values().filter(|p| p.required) {
        match &p.shape {
            Shape::Ref(r) => out.push(r.clone()),
            Shape::Object(_) => required_refs(p, out),
            _ => {}
        }
    }
}

/// The named schemas an alias schema stands for: through `ref` and array `items`, stopping at
/// inline objects with properties and enums, which become types of their own.
fn alias_targets(s: &ast::Schema, out: &mut Vec<String>) {
    if s.enum_values.is_some() {
        return;
    }
    match &s.shape {
        Shape::Ref(r) => out.push(r.clone()),
        Shape::Array(items) => alias_targets(items, out),
        _ => {}
    }
}

/// A path of schemas from `start` back to itself, if there is one.
fn find_cycle(start: &str, edges: &HashMap<String, Vec<String>>) -> Option<Vec<String>> {
    let mut stack: Vec<(String, Vec<String>)> = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen: HashSet<String> = HashSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in edges.get(&node).into_iter().flatten() {
            if next == start {
                return Some(path.clone());
            }
            if seen.insert(next.clone()) {
                let mut p = path.clone();
                p.push(next.clone());
                stack.push((next.clone(), p));
            }
        }
    }
    None
}
