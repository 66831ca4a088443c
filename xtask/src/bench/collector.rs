//! The collector rows of the benchmark table (not written yet).

use super::Row;

pub fn rows() -> anyhow::Result<Vec<Row>> {
    anyhow::bail!("the collector benchmark is not written yet")
}

pub fn soak(_seconds: u64) -> anyhow::Result<()> {
    anyhow::bail!("the soak test is not written yet")
}
