//! What the tests and benchmarks share, written once: an alumnus' [`device`] key that signs as a browser's
//! WebCrypto does, the [`payload`] of a valid submission, and the collector binary run as a [`process`].
//!
//! Dev-only: the collector's, the consent crate's and the end-to-end tests use it, and so does `cargo xtask bench`.

pub mod device;
pub mod payload;
pub mod process;

pub use device::Device;
pub use payload::{Alumnus, ORIGIN, SITE};
pub use process::{Serve, free_port, wait_until};
