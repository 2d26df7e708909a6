//! The `citytwin` binary: parses arguments and hands over to [`citytwin::cli`].

fn main() -> std::process::ExitCode {
    citytwin::cli::main()
}
