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
    //
    // No transparent huge pages either: the kernel zeroes a whole 2 MiB
    // page at the first touch of any byte of it, and on this kind of
    // virtual machine that first touch is slow and erratic (a SaudiNewsNet
    // scan spent 0.5 to 1.9 s in the kernel with them, a steady 0.3 s
    // without, and peaked 30 MB lower without).
    // (mimalloc's own option for it is read before `main` runs.)
    // SAFETY: sets an atomic option; `prctl` with these arguments only
    // sets a flag of this process, and its result needs no handling (the
    // scan runs the same with huge pages, a little slower).
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    };
    // A condition the library cannot answer past (an input file that
    // changed while it was scanned, a spill file the system cannot read
    // back) stops the run: said as an error, with the usual exit code 2.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("unexpected failure");
        let at = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("neardup: error: {message}{at}");
    }));
    std::panic::catch_unwind(neardup::cli::run).unwrap_or_else(|_| std::process::ExitCode::from(2))
}
