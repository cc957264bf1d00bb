//! Where each key and item of a YAML file starts, so that diagnostics about the parsed catalog
//! can point at `file:line:column`. serde_yaml does not keep positions, so the text is walked a
//! second time with yaml-rust2's event parser.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A path into the document: map keys and sequence indexes, as strings.
pub type YamlPath = Vec<String>;

/// Nodes deeper than this are not recorded: serde_yaml refuses such documents anyway (its
/// recursion limit is 128), and recording every level of a path costs time quadratic in the
/// depth, which a hostile 200 KB file of nested `[` would turn into minutes.
pub const MAX_DEPTH: usize = 128;

#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    positions: HashMap<YamlPath, (usize, usize)>,
    /// Scalar values by path, kept only by [`SourceMap::build_with_scalars`].
    scalars: HashMap<YamlPath, String>,
    too_deep: Option<(usize, usize)>,
    /// Where the text stops being YAML, and why.
    syntax_error: Option<(usize, usize, String)>,
}

impl SourceMap {
    pub fn build(text: &str) -> SourceMap {
        Self::walk(text, false)
    }

    /// [`build`](Self::build), also keeping every scalar value: for checking a whole file's
    /// values when serde stopped at the first bad one.
    pub fn build_with_scalars(text: &str) -> SourceMap {
        Self::walk(text, true)
    }

    fn walk(text: &str, keep_scalars: bool) -> SourceMap {
        let mut walker = Walker {
            keep_scalars,
            ..Walker::default()
        };
        let mut parser = Parser::new_from_str(text);
        // A syntax error is reported by serde_yaml with its own position; a partial map is fine.
        let syntax_error = parser.load(&mut walker, false).err().map(|e| {
            let m = e.marker();
            (m.line(), m.col() + 1, e.info().to_string())
        });
        SourceMap {
            positions: walker.positions,
            scalars: walker.scalars,
            too_deep: walker.too_deep,
            syntax_error,
        }
    }

    /// Where and why the text is not YAML (line, column, message); past that point the map
    /// holds nothing.
    pub fn syntax_error(&self) -> Option<(usize, usize, &str)> {
        self.syntax_error
            .as_ref()
            .map(|(l, c, m)| (*l, *c, m.as_str()))
    }

    /// Every key and item path of the document.
    pub fn paths(&self) -> impl Iterator<Item = &YamlPath> {
        self.positions.keys()
    }

    /// Whether the document has this key or item.
    pub fn contains(&self, path: &[String]) -> bool {
        self.positions.contains_key(path)
    }

    /// The scalar at `path` (only kept by [`build_with_scalars`](Self::build_with_scalars)).
    pub fn scalar(&self, path: &[String]) -> Option<&str> {
        self.scalars.get(path).map(String::as_str)
    }

    /// Where the document first nests deeper than [`MAX_DEPTH`], if it does.
    pub fn too_deep(&self) -> Option<(usize, usize)> {
        self.too_deep
    }

    /// 1-based line and column of `path`, or of its nearest ancestor that has one.
    pub fn position(&self, path: &[String]) -> (usize, usize) {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return *pos;
            }
            match p.split_last() {
                Some((_, rest)) => p = rest,
                None => return (1, 1),
            }
        }
    }

    /// Like [`position`](Self::position) for a path given as `a.b.0.c` segments.
    pub fn at(&self, segments: &[&str]) -> (usize, usize) {
        let owned: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
        self.position(&owned)
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { index: usize },
}

#[derive(Default)]
struct Walker {
    stack: Vec<Frame>,
    path: YamlPath,
    positions: HashMap<YamlPath, (usize, usize)>,
    /// Maps whose position has been moved to their first key.
    placed: std::collections::HashSet<YamlPath>,
    keep_scalars: bool,
    scalars: HashMap<YamlPath, String>,
    /// Nesting below `MAX_DEPTH`: counted, not recorded.
    hidden: usize,
    too_deep: Option<(usize, usize)>,
}

impl Walker {
    fn pos(mark: &Marker) -> (usize, usize) {
        (mark.line(), mark.col() + 1)
    }

    /// Called before a node starts; returns whether the node is a map key.
    fn enter_node(&mut self, mark: &Marker, scalar: Option<&str>) -> bool {
        match self.stack.last_mut() {
            Some(Frame::Map { key }) if key.is_none() => {
                let k = scalar.unwrap_or("?").to_string();
                *key = Some(k.clone());
                // A block mapping's start event is not where it is written; its first key is.
                if let Some(pos) = self.positions.get_mut(&self.path) {
                    if !self.placed.contains(&self.path) {
                        *pos = Self::pos(mark);
                        self.placed.insert(self.path.clone());
                    }
                }
                let mut p = self.path.clone();
                p.push(k);
                self.positions.entry(p).or_insert(Self::pos(mark));
                true
            }
            Some(Frame::Map { key: Some(k) }) => {
                self.path.push(k.clone());
                false
            }
            Some(Frame::Seq { index }) => {
                self.path.push(index.to_string());
                let p = self.path.clone();
                self.positions.entry(p).or_insert(Self::pos(mark));
                false
            }
            _ => false,
        }
    }

    /// A scalar or alias: a key, or a complete value.
    fn leaf(&mut self, mark: &Marker, scalar: Option<&str>) {
        if !self.enter_node(mark, scalar) {
            if let (true, Some(v)) = (self.keep_scalars, scalar) {
                self.scalars.insert(self.path.clone(), v.to_string());
            }
            self.leave_value();
        }
    }

    /// Called after a value node ends.
    fn leave_value(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key }) => {
                *key = None;
                self.path.pop();
            }
            Some(Frame::Seq { index }) => {
                *index += 1;
                self.path.pop();
            }
            None => {}
        }
    }
}

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.hidden > 0 || self.stack.len() >= MAX_DEPTH {
            match ev {
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    self.too_deep.get_or_insert(Self::pos(&mark));
                    self.hidden += 1;
                    return;
                }
                Event::MappingEnd | Event::SequenceEnd if self.hidden > 0 => {
                    self.hidden -= 1;
                    return;
                }
                _ if self.hidden > 0 => return,
                _ => {}
            }
        }
        match ev {
            Event::Scalar(value, ..) => self.leaf(&mark, Some(&value)),
            Event::Alias(_) => self.leaf(&mark, None),
            Event::MappingStart(..) => {
                self.enter_node(&mark, None);
                self.stack.push(Frame::Map { key: None });
            }
            Event::SequenceStart(..) => {
                self.enter_node(&mark, None);
                self.stack.push(Frame::Seq { index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.leave_value();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_items() {
        let text =
            "group: A\noperations:\n  - name: X\n    params:\n      - {name: id, in: path}\n";
        let map = SourceMap::build(text);
        assert_eq!(map.at(&["group"]), (1, 1));
        assert_eq!(map.at(&["operations", "0", "name"]), (3, 5));
        assert_eq!(map.at(&["operations", "0", "params", "0", "in"]), (5, 20));
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(map.at(&["operations", "0", "nope"]), (3, 5));
        assert_eq!(map.too_deep(), None);
        assert_eq!(map.scalar(&["group".to_string()]), None);
        let with = SourceMap::build_with_scalars(text);
        let path = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(with.scalar(&path(&["group"])), Some("A"));
        assert_eq!(
            with.scalar(&path(&["operations", "0", "params", "0", "in"])),
            Some("path")
        );
        assert!(with.contains(&path(&["operations", "0", "params"])));
    }

    #[test]
    fn deep_nesting_is_found_not_recorded() {
        let depth = MAX_DEPTH + 10;
        let text = format!("a: {}{}\nb: 1\n", "[".repeat(depth), "]".repeat(depth));
        let map = SourceMap::build(&text);
        assert_eq!(map.too_deep(), Some((1, 4 + MAX_DEPTH - 1)));
        // What follows the deep part is still placed.
        assert_eq!(map.at(&["b"]), (2, 1));
    }
}
