//! Values made once for each document of a batch of pairs.

use rayon::prelude::*;

/// One value for each distinct document of a batch, made in parallel:
/// a document in several pairs of the batch is read and prepared once.
pub(super) struct ByDoc<T> {
    docs: Vec<u32>,
    values: Vec<T>,
}

impl<T: Send> ByDoc<T> {
    /// `make(d)` for each distinct document `d` of `docs`.
    pub(super) fn new(mut docs: Vec<u32>, make: impl Fn(u32) -> T + Sync) -> Self {
        docs.par_sort_unstable();
        docs.dedup();
        let values = docs.par_iter().map(|&d| make(d)).collect();
        ByDoc { docs, values }
    }

    /// The value of document `d`, one of those it was made for.
    pub(super) fn get(&self, d: u32) -> &T {
        &self.values[self
            .docs
            .binary_search(&d)
            .expect("a document of the batch")]
    }
}

#[cfg(test)]
mod tests {
    use super::ByDoc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn each_document_made_once() {
        let made = AtomicUsize::new(0);
        let by = ByDoc::new(vec![7, 3, 7, 9, 3, 3], |d| {
            made.fetch_add(1, Ordering::Relaxed);
            d * 10
        });
        assert_eq!(made.load(Ordering::Relaxed), 3);
        assert_eq!([*by.get(3), *by.get(7), *by.get(9)], [30, 70, 90]);
    }

    #[test]
    #[should_panic(expected = "a document of the batch")]
    fn a_document_outside_the_batch_is_a_bug() {
        ByDoc::new(vec![1, 2], |d| d).get(5);
    }
}
