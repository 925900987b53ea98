fn main() -> std::process::ExitCode {
    // The error and its causes in one line each, as a user reads them;
    // never a stack trace (RUST_BACKTRACE may be set for developers).
    match sitless::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
