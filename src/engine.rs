pub struct DemoOptions {
    pub speed: f64,
    pub seed: u64,
    pub script: Option<crate::sensor::demo::DemoScript>,
}
