//! Translates a parsed [`Expr`] into a tantivy query.
//!
//! Only text contributes to the score: filters are wrapped to score zero, so a query of
//! filters alone ranks everything equally and the tie-break (newest call first, then time
//! in the call) orders the list.

use std::ops::Bound;

use chrono::NaiveDate;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::query::{Expr, Filter};
use super::schema::{keyword_term_text, Fields};

const MS_PER_MINUTE: i64 = 60_000;

pub(crate) fn compile(expr: &Expr, fields: &Fields, utc_offset_minutes: i32) -> Box<dyn Query> {
    Compiler {
        fields,
        utc_offset_minutes,
    }
    .expr(expr)
}

struct Compiler<'a> {
    fields: &'a Fields,
    utc_offset_minutes: i32,
}

impl Compiler<'_> {
    fn expr(&self, expr: &Expr) -> Box<dyn Query> {
        match expr {
            Expr::Text(tokens) => self.text(tokens),
            Expr::Filter(filter) => Box::new(ConstScoreQuery::new(self.filter(filter), 0.0)),
            Expr::Not(inner) => self.all_except(vec![self.expr(inner)]),
            Expr::And(children) => {
                let (negated, positive): (Vec<&Expr>, Vec<&Expr>) =
                    children.iter().partition(|c| matches!(c, Expr::Not(_)));
                let excluded = negated.iter().filter_map(|c| match c {
                    Expr::Not(inner) => Some(self.expr(inner)),
                    _ => None,
                });
                if positive.is_empty() {
                    return self.all_except(excluded.collect());
                }
                let clauses = positive
                    .iter()
                    .map(|c| (Occur::Must, self.expr(c)))
                    .chain(excluded.map(|q| (Occur::MustNot, q)))
                    .collect();
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Or(children) => Box::new(BooleanQuery::new(
                children
                    .iter()
                    .map(|c| (Occur::Should, self.expr(c)))
                    .collect(),
            )),
        }
    }

    /// Every segment but those matching `excluded`: tantivy matches nothing for a query
    /// made only of exclusions, so start from all documents.
    fn all_except(&self, excluded: Vec<Box<dyn Query>>) -> Box<dyn Query> {
        let all: Box<dyn Query> = Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0));
        Box::new(BooleanQuery::new(
            std::iter::once((Occur::Must, all))
                .chain(excluded.into_iter().map(|q| (Occur::MustNot, q)))
                .collect(),
        ))
    }

    fn text(&self, tokens: &[String]) -> Box<dyn Query> {
        let terms: Vec<Term> = tokens
            .iter()
            .map(|t| Term::from_field_text(self.fields.text, t))
            .collect();
        match <[Term; 1]>::try_from(terms) {
            Ok([term]) => Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
            Err(terms) => Box::new(PhraseQuery::new(terms)),
        }
    }

    fn filter(&self, filter: &Filter) -> Box<dyn Query> {
        let f = self.fields;
        match filter {
            Filter::Agent(name) => keyword(f.agent, name),
            Filter::Queue(name) => keyword(f.queue, name),
            Filter::Language(code) => keyword(f.language, code),
            Filter::Speaker(speaker) => term(Term::from_field_u64(
                f.channel,
                u64::from(speaker.channel()),
            )),
            Filter::Call(id) => term(Term::from_field_i64(f.call_id, *id)),
            Filter::Date(date) => self.started_between(
                Bound::Included(self.local_midnight(*date)),
                Bound::Excluded(self.local_midnight(date.succ_opt().unwrap_or(NaiveDate::MAX))),
            ),
            Filter::After(date) => self.started_between(
                Bound::Included(self.local_midnight(*date)),
                Bound::Unbounded,
            ),
            Filter::Before(date) => self.started_between(
                Bound::Unbounded,
                Bound::Excluded(self.local_midnight(*date)),
            ),
        }
    }

    fn started_between(&self, from: Bound<i64>, to: Bound<i64>) -> Box<dyn Query> {
        let field = self.fields.started_at;
        let term = |ms| Term::from_field_i64(field, ms);
        Box::new(RangeQuery::new(from.map(term), to.map(term)))
    }

    /// The instant (Unix ms) at which `date` begins in the deployment's time zone.
    fn local_midnight(&self, date: NaiveDate) -> i64 {
        let utc_midnight = date.and_time(chrono::NaiveTime::MIN).and_utc();
        utc_midnight.timestamp_millis() - i64::from(self.utc_offset_minutes) * MS_PER_MINUTE
    }
}

fn term(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

fn keyword(field: Field, value: &str) -> Box<dyn Query> {
    term(Term::from_field_text(field, &keyword_term_text(value)))
}
