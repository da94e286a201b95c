//! Dynamic `WHERE` clauses written once for both databases: `$n` placeholders, values bound
//! in order.

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryScalar};
use sqlx::Any;

#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// Clauses joined by `AND`, each with `?` standing for its one value.
#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub binds: Vec<Bind>,
}

impl Where {
    /// Add `clause`, whose single `?` becomes the next `$n`.
    pub fn push(&mut self, clause: &str, bind: Bind) {
        self.binds.push(bind);
        self.clauses
            .push(clause.replace('?', &format!("${}", self.binds.len())));
    }

    /// Add a clause with no value.
    pub fn push_plain(&mut self, clause: &str) {
        self.clauses.push(clause.to_string());
    }

    /// `column IN (…)` over `values`; an empty list matches nothing.
    pub fn push_in(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            self.push_plain("1 = 0");
            return;
        }
        let mut placeholders = Vec::with_capacity(values.len());
        for v in values {
            self.binds.push(Bind::Text(v.clone()));
            placeholders.push(format!("${}", self.binds.len()));
        }
        self.push_plain(&format!("{column} IN ({})", placeholders.join(", ")));
    }

    /// `WHERE …`, or nothing.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The placeholder the next value bound after these would take.
    pub fn next(&self) -> usize {
        self.binds.len() + 1
    }
}

pub(crate) fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    binds: &[Bind],
) -> Query<'q, Any, AnyArguments<'q>> {
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s.clone()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query
}

pub(crate) fn bind_all_scalar<'q, T>(
    mut query: QueryScalar<'q, Any, T, AnyArguments<'q>>,
    binds: &[Bind],
) -> QueryScalar<'q, Any, T, AnyArguments<'q>> {
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s.clone()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query
}
