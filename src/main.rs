//! The `neardup` command. All the work is in the library.

// glibc's allocator returns and re-faults memory pages constantly under
// rayon's many short-lived allocations (a sixth of the CPU time went to the
// kernel zeroing pages); mimalloc keeps them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    neardup::cli::run()
}
