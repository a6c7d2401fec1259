//! Progress reporting, kept abstract so the library never draws on a
//! terminal itself; the CLI implements it with indicatif.

/// Receives progress from the pipeline's long stages.
pub trait Progress: Sync {
    /// A stage starts; `total` is its amount of work (bytes, documents or
    /// pairs) when known.
    fn start(&self, _stage: &'static str, _total: Option<u64>) {}
    /// `n` more units of the current stage are done.
    fn advance(&self, _n: u64) {}
    /// The current stage is done.
    fn finish(&self) {}
}

/// Progress that goes nowhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}
