//! The catalogue's routes, read once from the Go CLI's command table (the same data the
//! `atlas` binary is generated from), and the matching of a request to one of them.

use std::sync::OnceLock;

use atlas_catalogue::{Route, Watcher};

/// The Go CLI's command table, as the catalogue crate keeps it.
const TABLE_JSON: &str = include_str!("../../catalogue/data/api-commands.json");

/// One command's route, its template cut into segments.
pub struct Entry {
    pub operation_id: String,
    pub verb: String,
    /// `(version, response formats)`, oldest first.
    pub versions: Vec<(String, Vec<String>)>,
    pub watcher: Option<Watcher>,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    /// `{name}` with what follows it in the segment, if anything (`{logName}.gz`,
    /// `{userId}:addRole`).
    Param(String, String),
}

/// What a request's method and path find in the table.
pub enum Lookup<'t> {
    /// The route, with its path parameters (decoded) in the template's order.
    Route(&'t Entry, Vec<(String, String)>),
    /// Some route has this path, none this method.
    WrongMethod,
    NotFound,
}

/// Every route of the table.
pub struct Table {
    entries: Vec<Entry>,
}

/// The table, parsed on first use (it is checked data: a failure is a bug).
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let routes = atlas_catalogue::routes(TABLE_JSON).expect("the command table parses");
        Table {
            entries: routes.into_iter().map(Entry::new).collect(),
        }
    })
}

impl Entry {
    fn new(route: Route) -> Entry {
        let segments = route
            .url
            .split('/')
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.split_once('}')) {
                    Some((name, suffix)) => Segment::Param(name.to_string(), suffix.to_string()),
                    None => Segment::Literal(s.to_string()),
                },
            )
            .collect();
        Entry {
            versions: route
                .versions
                .into_iter()
                .map(|v| (v.version, v.response_content_types))
                .collect(),
            operation_id: route.operation_id,
            verb: route.verb,
            watcher: route.watcher,
            segments,
        }
    }

    /// The path parameters if `path` (decoded segments) fits the template.
    fn fit(&self, path: &[String]) -> Option<Vec<(String, String)>> {
        if path.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, value) in self.segments.iter().zip(path) {
            match segment {
                Segment::Literal(text) if text == value => {}
                Segment::Literal(_) => return None,
                Segment::Param(name, suffix) => match value.strip_suffix(suffix.as_str()) {
                    Some(own) if !own.is_empty() => params.push((name.clone(), own.to_string())),
                    _ => return None,
                },
            }
        }
        Some(params)
    }

    /// Literal segments first: `clusters/tenantUpgrade` wins over `clusters/{clusterName}`.
    fn specificity(&self) -> Vec<bool> {
        self.segments
            .iter()
            .map(|s| {
                matches!(s, Segment::Literal(_))
                    || matches!(s, Segment::Param(_, suffix) if !suffix.is_empty())
            })
            .collect()
    }

    /// The template with `value` of each parameter (`None` if one is missing).
    pub fn fill(&self, value: impl Fn(&str) -> Option<String>) -> Option<String> {
        let parts: Option<Vec<String>> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(text) => Some(text.clone()),
                Segment::Param(name, suffix) => value(name).map(|v| format!("{v}{suffix}")),
            })
            .collect();
        Some(parts?.join("/"))
    }

    /// A list operation: its answer is a page of results.
    pub fn is_list(&self) -> bool {
        self.verb == "GET" && self.operation_id.starts_with("list")
    }
}

impl Table {
    /// The most specific route of `method` whose template fits `path` (decoded segments of
    /// the whole path, the leading empty one included).
    pub fn find(&self, method: &str, path: &[String]) -> Lookup<'_> {
        let mut path_known = false;
        let mut best: Option<(&Entry, Vec<(String, String)>)> = None;
        for entry in &self.entries {
            let Some(params) = entry.fit(path) else {
                continue;
            };
            path_known = true;
            if entry.verb == method
                && best
                    .as_ref()
                    .is_none_or(|(b, _)| entry.specificity() > b.specificity())
            {
                best = Some((entry, params));
            }
        }
        match best {
            Some((entry, params)) => Lookup::Route(entry, params),
            None if path_known => Lookup::WrongMethod,
            None => Lookup::NotFound,
        }
    }

    pub fn by_operation(&self, operation_id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.operation_id == operation_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split('/').map(str::to_string).collect()
    }

    #[test]
    fn the_whole_table_is_served() {
        assert_eq!(table().entries.len(), 527);
    }

    #[test]
    fn literal_segments_win_and_methods_are_told_apart() {
        let g = "b0123456789abcdef012345b";
        let Lookup::Route(entry, params) = table().find(
            "GET",
            &path(&format!("/api/atlas/v2/groups/{g}/clusters/c1")),
        ) else {
            panic!("no route");
        };
        assert_eq!(entry.operation_id, "getGroupCluster");
        assert_eq!(
            params,
            [
                ("groupId".into(), g.into()),
                ("clusterName".into(), "c1".into())
            ]
        );
        let found = table().find("POST", &path(&format!("/api/atlas/v2/groups/{g}/clusters")));
        assert!(matches!(found, Lookup::Route(e, _) if e.operation_id == "createGroupCluster"));
        let found = table().find("PUT", &path(&format!("/api/atlas/v2/groups/{g}/clusters")));
        assert!(matches!(found, Lookup::WrongMethod));
        assert!(matches!(
            table().find("GET", &path("/api/atlas/v2/nowhere")),
            Lookup::NotFound
        ));
    }

    #[test]
    fn a_parameter_may_carry_a_suffix_in_its_segment() {
        let g = "b0123456789abcdef012345b";
        let find = |method, p: &str| match table().find(method, &path(p)) {
            Lookup::Route(entry, params) => Some((entry.operation_id.clone(), params)),
            _ => None,
        };
        let (id, params) = find(
            "GET",
            &format!("/api/atlas/v2/groups/{g}/clusters/h1/logs/mongodb.gz"),
        )
        .unwrap();
        assert_eq!(id, "downloadGroupClusterLog");
        assert_eq!(params[2], ("logName".into(), "mongodb".into()));
        let (id, params) = find(
            "POST",
            &format!("/api/atlas/v2/orgs/{g}/users/u1:removeRole"),
        )
        .unwrap();
        assert_eq!(id, "removeOrgUserRole");
        assert_eq!(params[1], ("userId".into(), "u1".into()));
        assert!(
            find(
                "GET",
                &format!("/api/atlas/v2/groups/{g}/clusters/h1/logs/.gz")
            )
            .is_none()
        );
    }
}
