//! A route's effective policy: `[cors]`, the stage's table and the route's
//! own keys merged (the last that sets a key wins), with the origins made of
//! the lists they come from and `CORS_ORIGINS`.

use crate::policy::document::{List, Located, Section};
use crate::policy::problem::Location;

/// The policy of one route (or the default) with every key resolved.
pub(super) struct Effective<'a> {
    /// `[cors]` or the route's path, for messages.
    pub(super) label: String,
    pub(super) at: Location,
    /// Where `[cors]` is: problems every route inherits are reported there once.
    pub(super) root_at: Location,
    pub(super) production: bool,
    /// The origins: the first list's items, then the second's, then the
    /// environment's (read on demand: most checks reuse a remembered result
    /// and never walk a long list).
    pub(super) origins_parts: (Option<&'a List>, Option<&'a List>, &'a [Located<String>]),
    pub(super) origins_list: Option<&'a List>,
    /// The lists `origins` was made of (own, or inherited and extra), by
    /// address: equal keys mean equal origins.
    pub(super) origins_from: (bool, usize, usize),
    pub(super) credentials: Option<&'a Located<bool>>,
    pub(super) methods: Option<&'a List>,
    pub(super) request_headers: Option<&'a List>,
    pub(super) expose_headers: Option<&'a List>,
    pub(super) max_age: Option<&'a Located<i64>>,
    pub(super) local_network: Option<&'a Located<bool>>,
    pub(super) debug: Option<&'a Located<bool>>,
    pub(super) shadow: Option<&'a Located<bool>>,
}

fn pick<'a, T>(
    layers: &[&'a Section],
    get: impl Fn(&'a Section) -> Option<&'a T>,
) -> Option<&'a T> {
    layers.iter().rev().find_map(|s| get(s))
}

/// The effective policy of `route` (or of the default, `None`) under `stage`.
pub(super) fn effective<'a>(
    base: &'a Section,
    stage: Option<&'a Section>,
    route: Option<&'a Section>,
    env: &'a [Located<String>],
    production: bool,
) -> Effective<'a> {
    let mut layers = vec![base];
    layers.extend(stage);
    layers.extend(route);
    let own_origins = route.and_then(|r| r.origins.as_ref());
    let address = |l: Option<&List>| list_address(l).unwrap_or(0);
    let (origins_parts, origins_list, origins_from) = match own_origins {
        Some(list) => (
            (Some(list), None, &[][..]),
            Some(list),
            (true, address(Some(list)), 0),
        ),
        None => {
            let inherited = stage
                .and_then(|s| s.origins.as_ref())
                .or(base.origins.as_ref());
            let extra = stage.and_then(|s| s.extra_origins.as_ref());
            (
                (inherited, extra, env),
                inherited.or(extra),
                (false, address(inherited), address(extra)),
            )
        }
    };
    let label = match route.and_then(|r| r.path.as_ref()) {
        Some(p) => format!("route `{}`", p.value),
        None if route.is_some() => "a route".to_owned(),
        None => "[cors]".to_owned(),
    };
    let at = route
        .or(stage)
        .and_then(|s| s.at.clone())
        .or_else(|| base.at.clone())
        .unwrap_or(Location::Nowhere);
    Effective {
        label,
        at,
        root_at: base.at.clone().unwrap_or(Location::Nowhere),
        production,
        origins_parts,
        origins_list,
        origins_from,
        credentials: pick(&layers, |s| s.credentials.as_ref()),
        methods: pick(&layers, |s| s.methods.as_ref()),
        request_headers: pick(&layers, |s| s.request_headers.as_ref()),
        expose_headers: pick(&layers, |s| s.expose_headers.as_ref()),
        max_age: pick(&layers, |s| s.max_age.as_ref()),
        local_network: pick(&layers, |s| s.local_network.as_ref()),
        debug: pick(&layers, |s| s.debug.as_ref()),
        shadow: pick(&layers, |s| s.shadow.as_ref()),
    }
}

impl<'a> Effective<'a> {
    /// The origins, in order.
    pub(super) fn origins(&self) -> impl Iterator<Item = &'a Located<String>> + 'a {
        let (first, second, env) = self.origins_parts;
        let items = |l: Option<&'a List>| l.map_or(&[][..], |l| l.value.as_slice());
        items(first).iter().chain(items(second)).chain(env)
    }

    pub(super) fn no_origins(&self) -> bool {
        self.origins().next().is_none()
    }
}

/// Whether a flag is set and true.
pub(super) fn value(flag: Option<&Located<bool>>) -> bool {
    flag.is_some_and(|f| f.value)
}

/// A list by its address in the document: lists inherited by several
/// routes and stages are the same list.
pub(super) fn list_address(list: Option<&List>) -> Option<usize> {
    list.map(|l| l as *const List as usize)
}
