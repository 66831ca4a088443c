//! Emails: what they say ([`compose`]) and how they leave ([`sender`]): a durable queue in the database,
//! drained by a task that writes `.eml` files to an outbox folder and/or sends over SMTP with retries.

pub mod compose;
pub mod sender;

pub use compose::{MailError, confirmation, manage_link};
pub use sender::{MailTransport, run_sender};
