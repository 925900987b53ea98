fn main() -> anyhow::Result<()> {
    sitless::cli::main()
}
