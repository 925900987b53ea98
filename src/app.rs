pub struct WindowOptions {
    pub db: std::path::PathBuf,
    pub demo: Option<crate::engine::DemoOptions>,
    pub config: crate::config::Config,
}
pub fn run_window(_o: &WindowOptions) -> anyhow::Result<()> {
    anyhow::bail!("todo")
}
