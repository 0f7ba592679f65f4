fn main() -> std::process::ExitCode {
    preflight::cli::main()
}
