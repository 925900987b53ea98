fn main() -> std::process::ExitCode {
    // The error and its causes in one line, each said once, as a user reads them;
    // never a stack trace (RUST_BACKTRACE may be set for developers).
    match sitless::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: {}",
                sitless::domain::error_words::error_words(e.as_ref())
            );
            std::process::ExitCode::FAILURE
        }
    }
}
