//! Resources a watched command just touched, keyed by the path its watcher polls: each is in
//! progress for two polls, then in the state the watcher expects (or gone, for a deletion).

/// How many polls of a touched resource still answer "in progress".
pub const POLLS_IN_PROGRESS: u8 = 2;

/// At most this many resources are remembered; the oldest is forgotten first.
const MAX_WATCHED: usize = 256;

/// Where a touched resource ends up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The field at `path` (`$.stateName`) holds `value`, and `pending` until then.
    Field {
        path: String,
        pending: String,
        value: String,
    },
    /// The resource is answered 404 (after a deletion).
    Gone,
}

/// What a poll of a remembered resource sees now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// The object, with this field (JSON path) set to this value.
    Field(String, String),
    /// The object as usual (a deletion still in progress).
    Present,
    Gone,
}

/// One remembered resource.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Watched {
    path: String,
    polls_left: u8,
    outcome: Outcome,
}

/// The remembered resources, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watches {
    watched: Vec<Watched>,
}

impl Watches {
    /// A watched command touched the resource at `path` (decoded, as a poll's path).
    pub fn touch(&mut self, path: String, outcome: Outcome) {
        self.watched.retain(|w| w.path != path);
        if self.watched.len() >= MAX_WATCHED {
            self.watched.remove(0);
        }
        self.watched.push(Watched {
            path,
            polls_left: POLLS_IN_PROGRESS,
            outcome,
        });
    }

    /// A GET of `path`: `None` when no watched command touched it.
    pub fn poll(&mut self, path: &str) -> Option<Seen> {
        let watched = self.watched.iter_mut().find(|w| w.path == path)?;
        let in_progress = watched.polls_left > 0;
        watched.polls_left = watched.polls_left.saturating_sub(1);
        Some(match (&watched.outcome, in_progress) {
            (Outcome::Field { path, pending, .. }, true) => {
                Seen::Field(path.clone(), pending.clone())
            }
            (Outcome::Field { path, value, .. }, false) => Seen::Field(path.clone(), value.clone()),
            (Outcome::Gone, true) => Seen::Present,
            (Outcome::Gone, false) => Seen::Gone,
        })
    }
}

/// A plausible "not yet" value in the style of `done` (`IDLE` → `UPDATING` for a state name,
/// `ACTIVE` → `IN_PROGRESS`, `Successful` → `InProgress`, `completed` → `inProgress`).
pub fn pending_value(path: &str, done: &str) -> String {
    let value = if path.ends_with("stateName") {
        "UPDATING"
    } else if done.chars().all(|c| !c.is_ascii_lowercase()) {
        "IN_PROGRESS"
    } else if done.starts_with(|c: char| c.is_ascii_uppercase()) {
        "InProgress"
    } else {
        "inProgress"
    };
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_polls_in_progress_then_done() {
        let mut watches = Watches::default();
        let field = Outcome::Field {
            path: "$.stateName".into(),
            pending: "UPDATING".into(),
            value: "IDLE".into(),
        };
        watches.touch("/a".into(), field);
        watches.touch("/b".into(), Outcome::Gone);
        let seen = |w: &mut Watches, p| w.poll(p);
        let updating = Some(Seen::Field("$.stateName".into(), "UPDATING".into()));
        let idle = Some(Seen::Field("$.stateName".into(), "IDLE".into()));
        assert_eq!(seen(&mut watches, "/a"), updating);
        assert_eq!(seen(&mut watches, "/a"), updating);
        assert_eq!(seen(&mut watches, "/a"), idle);
        assert_eq!(seen(&mut watches, "/a"), idle);
        assert_eq!(seen(&mut watches, "/b"), Some(Seen::Present));
        assert_eq!(seen(&mut watches, "/b"), Some(Seen::Present));
        assert_eq!(seen(&mut watches, "/b"), Some(Seen::Gone));
        assert_eq!(seen(&mut watches, "/c"), None);
    }

    #[test]
    fn bounded() {
        let mut watches = Watches::default();
        for i in 0..MAX_WATCHED + 10 {
            watches.touch(format!("/{i}"), Outcome::Gone);
        }
        assert_eq!(watches.watched.len(), MAX_WATCHED);
        assert_eq!(watches.poll("/0"), None);
        assert_eq!(
            watches.poll(&format!("/{}", MAX_WATCHED + 9)),
            Some(Seen::Present)
        );
    }

    #[test]
    fn pending_values() {
        let cases = [
            ("$.stateName", "IDLE", "UPDATING"),
            ("$.state", "ACTIVE", "IN_PROGRESS"),
            ("$.state", "Successful", "InProgress"),
            ("$.status", "completed", "inProgress"),
        ];
        for (path, done, pending) in cases {
            assert_eq!(pending_value(path, done), pending, "{done}");
        }
    }
}
