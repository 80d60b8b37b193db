//! Record accounting: what a collector did with its input.
//!
//! A transform counts the records it was given ([`Tally::read`]) and names a reason at every
//! place it drops one ([`Tally::skip`]); whatever is not skipped was used. Counting at the place
//! of the drop, not afterwards, is what keeps the figures honest: a new `continue` in a transform
//! without a `skip` next to it is visible in review, and the tests pin the figures on the fixtures.

use std::collections::BTreeMap;

use crate::model::document::Records;

/// How many examples are kept per reason: enough to go and look, few enough for a terminal.
pub const EXAMPLES: usize = 3;

/// The running count of one collection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    read: u64,
    skipped: BTreeMap<String, u64>,
    examples: BTreeMap<String, Vec<String>>,
}

impl Tally {
    /// `n` more records read.
    pub fn read(&mut self, n: usize) {
        self.read += n as u64;
    }

    /// One record read is not used, for `reason`; `example` names it (an id or an event uuid,
    /// never a secret value).
    pub fn skip(&mut self, reason: &str, example: impl Into<String>) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
        let list = self.examples.entry(reason.to_string()).or_default();
        if list.len() < EXAMPLES {
            let example = example.into();
            if !example.is_empty() && !list.contains(&example) {
                list.push(example);
            }
        }
    }

    /// Adds another tally (a collector made of several inputs).
    pub fn absorb(&mut self, other: Tally) {
        self.read += other.read;
        for (reason, n) in other.skipped {
            *self.skipped.entry(reason).or_default() += n;
        }
        for (reason, list) in other.examples {
            for e in list {
                let mine = self.examples.entry(reason.clone()).or_default();
                if mine.len() < EXAMPLES && !mine.contains(&e) {
                    mine.push(e);
                }
            }
        }
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// The document's form: used is read minus skipped (saturating: a transform that skipped a
    /// record it did not count as read must not wrap around).
    pub fn records(&self) -> Records {
        Records {
            read: self.read,
            used: self.read.saturating_sub(self.skipped_total()),
            skipped: self.skipped.clone(),
            examples: self
                .examples
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// The one-line accounting `heir collect` prints last:
/// `okta: read 41 · used 40 · skipped 1 (missing id: 1)`.
pub fn summary(source: &str, r: &Records) -> String {
    let skipped: u64 = r.skipped.values().sum();
    let mut line = format!(
        "{source}: read {} · used {} · skipped {skipped}",
        r.read, r.used
    );
    if skipped > 0 {
        let reasons: Vec<String> = r
            .skipped
            .iter()
            .map(|(reason, n)| format!("{reason}: {n}"))
            .collect();
        line.push_str(&format!(" ({})", reasons.join(", ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_is_read_minus_skipped_and_examples_are_capped() {
        let mut t = Tally::default();
        t.read(10);
        for i in 0..5 {
            t.skip("missing id", format!("#{i}"));
        }
        t.skip("unsuccessful outcome", "evt-1");
        let r = t.records();
        assert_eq!((r.read, r.used), (10, 4));
        assert_eq!(r.skipped["missing id"], 5);
        assert_eq!(r.examples["missing id"], vec!["#0", "#1", "#2"]);
        assert_eq!(
            summary("oktalog", &r),
            "oktalog: read 10 · used 4 · skipped 6 (missing id: 5, unsuccessful outcome: 1)"
        );
        let mut more = Tally::default();
        more.read(2);
        more.skip("missing id", "#9");
        t.absorb(more);
        assert_eq!(t.records().read, 12);
        assert_eq!(t.records().skipped["missing id"], 6);
        assert_eq!(
            summary("okta", &Tally::default().records()),
            "okta: read 0 · used 0 · skipped 0"
        );
    }
}
