//! Emails: what the durable queue holds ([`job`]), what they say ([`compose`]) and how they leave
//! ([`sender`]): a task that composes each due job, writes `.eml` files to an outbox folder and/or sends over
//! SMTP, with retries and backoff across restarts.

pub mod compose;
pub mod job;
pub mod one_click;
pub mod outbox;
pub mod profile_reminder;
pub mod relay_tls;
pub mod sender;

pub use compose::{MailError, confirmation, manage_link};
pub use job::MailJob;
pub use sender::{MailContext, MailTransport, run_sender};
