//! The `neardup` command. All the work is in the library.

// glibc's allocator returns and re-faults memory pages constantly under
// rayon's many short-lived allocations (a sixth of the CPU time went to the
// kernel zeroing pages); mimalloc keeps them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its index in mimalloc v3's
/// `mi_option_t`, the version libmimalloc-sys builds by default).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Never hand freed pages back to the kernel: each stage frees large
    // arrays that the next allocates again, and returning them made the
    // kernel zero the same memory over and over (an eighth of the CPU
    // time of a scan). Peak memory is unchanged: freed pages are reused.
    // SAFETY: sets an atomic option; callable at any time.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    };
    neardup::cli::run()
}
