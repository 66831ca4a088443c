//! The widget rows of the benchmark table (not written yet).

use super::Row;

pub fn rows() -> anyhow::Result<Vec<Row>> {
    anyhow::bail!("the widget benchmark is not written yet")
}
