//! The `neardup` command. All the work is in the library.

fn main() -> std::process::ExitCode {
    neardup::cli::run()
}
