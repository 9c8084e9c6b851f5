//! A statement of data-modifying `WITH` clauses over arrays, as a group commit writes its rows
//! (see `rows`): each clause named in turn, each array bound and cast to its type.

use sqlx::{Postgres, QueryBuilder};

pub(super) struct Statement<'a> {
    pub q: QueryBuilder<'a, Postgres>,
    clauses: usize,
}

impl Default for Statement<'_> {
    fn default() -> Self {
        Statement {
            q: QueryBuilder::new(""),
            clauses: 0,
        }
    }
}

impl<'a> Statement<'a> {
    /// Opens the next `WITH` clause with `sql`; the caller closes it with `)`. Its name, for
    /// reading what it returns.
    pub fn clause(&mut self, sql: &str) -> String {
        let name = format!("w{}", self.clauses);
        self.q
            .push(if self.clauses == 0 { "WITH " } else { ", " })
            .push(format_args!("{name} AS ("))
            .push(sql);
        self.clauses += 1;
        name
    }

    /// `UNNEST(` … `)` of the columns `add` binds, each cast to its array type.
    pub fn unnest(&mut self, add: impl FnOnce(&mut Columns<'_, 'a>)) {
        self.q.push("UNNEST(");
        add(&mut Columns {
            q: &mut self.q,
            first: true,
        });
        self.q.push(")");
    }
}

pub(super) struct Columns<'q, 'a> {
    q: &'q mut QueryBuilder<'a, Postgres>,
    first: bool,
}

impl<'a> Columns<'_, 'a> {
    pub fn col<T>(&mut self, values: Vec<T>, sql_type: &str) -> &mut Self
    where
        Vec<T>: sqlx::Encode<'a, Postgres> + sqlx::Type<Postgres> + Send + 'a,
    {
        if !std::mem::take(&mut self.first) {
            self.q.push(", ");
        }
        self.q
            .push_bind(values)
            .push("::")
            .push(sql_type)
            .push("[]");
        self
    }
}
