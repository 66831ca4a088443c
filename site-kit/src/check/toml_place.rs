//! Where a value sits in `consent.toml`: findings about a valid configuration point at the exact key or array
//! item (`purposes[2].data[1]`), read from the spans of the TOML parser.

use crate::error::line_col;
use toml::de::{DeTable, DeValue};

/// One step of a path into the document.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    /// A table key.
    Key(&'a str),
    /// An array index.
    Index(usize),
    /// The item of an array equal to this string.
    Item(&'a str),
}

/// The parsed document, to locate several paths.
pub struct Places<'s> {
    src: &'s str,
    root: Option<DeValue<'s>>,
}

impl<'s> Places<'s> {
    /// Parses `src` (a document that does not parse locates nothing).
    pub fn new(src: &'s str) -> Self {
        let root = DeTable::parse(src).ok().map(|t| DeValue::Table(t.into_inner()));
        Places { src, root }
    }

    /// Index in the array of tables `key` (`[[fields]]`) of the table whose `id` is `id`.
    pub fn index_of(&self, key: &str, id: &str) -> Option<usize> {
        let DeValue::Array(items) = self.root.as_ref()?.get(key)?.get_ref() else { return None };
        items.iter().position(
            |t| matches!(t.get_ref().get("id").map(|v| v.get_ref()), Some(DeValue::String(s)) if s.as_ref() == id),
        )
    }

    /// (line, column), 1-based, of the value at `path`, or of the deepest step found on the way, or (1, 1).
    pub fn at(&self, path: &[Step<'_>]) -> (usize, usize) {
        let Some(mut value) = self.root.as_ref() else { return (1, 1) };
        let mut found = None;
        for step in path {
            let next = match *step {
                Step::Key(key) => value.get(key),
                Step::Index(i) => value.get(i),
                Step::Item(item) => match value {
                    DeValue::Array(items) => {
                        items.iter().find(|v| matches!(v.get_ref(), DeValue::String(s) if s.as_ref() == item))
                    }
                    _ => None,
                },
            };
            let Some(next) = next else { break };
            found = Some(next.span().start);
            value = next.get_ref();
        }
        found.map_or((1, 1), |offset| line_col(self.src, offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_keys_and_items() {
        let src =
            "site = \"x\"\n\n[[purposes]]\nid = \"a\"\n\n[[purposes]]\nid = \"b\"\ndata = [\"identity\", \"career\"]\n";
        let places = Places::new(src);
        let data = [Step::Key("purposes"), Step::Index(1), Step::Key("data")];
        assert_eq!(places.at(&data), (8, 8));
        assert_eq!(places.at(&[data[0], data[1], data[2], Step::Item("career")]), (8, 21));
        assert_eq!(places.at(&[Step::Key("purposes"), Step::Index(1), Step::Key("id")]), (7, 6));
        assert_eq!(places.at(&[Step::Key("nope")]), (1, 1));
        assert_eq!(Places::new("= broken").at(&data), (1, 1));
        assert_eq!((places.index_of("purposes", "b"), places.index_of("purposes", "c")), (Some(1), None));
    }
}
