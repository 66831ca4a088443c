//! The campaign sender's own SMTP connections, with `TCP_NODELAY`.
//!
//! lettre writes a message's body, then its `CRLF.CRLF` end as a second small write on a socket left with
//! Nagle's algorithm on: that write waits for the server's acknowledgement of the body, which the server delays
//! (40 ms on Linux) since it has nothing to answer until the end arrives. Every message then costs ~45 ms per
//! connection — 4 connections, ~85 messages/s at best, whatever the server. lettre's transport opens its sockets
//! itself, so a campaign opens its own ([`AsyncSmtpConnection::connect_with_transport`] on a socket with
//! `TCP_NODELAY`), STARTTLS and AUTH as lettre's URL says, and keeps them for the next messages.
//!
//! Only `smtp://HOST[:PORT][/EHLO-NAME][?tls=required|opportunistic]` is read here (credentials from the
//! environment, as for `--smtp`); `smtps://` (implicit TLS) and credentials in the URL stay with lettre's
//! transport ([`Connections::from_url`] answers `None`).

use crate::mail::sender::{SendFailure, redact_addresses, smtp_failure};
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::sync::Mutex;
use std::time::Duration;

/// How long one SMTP exchange (connection, or one message) may take, as for `serve`'s emails.
const TIMEOUT: Duration = Duration::from_secs(15);

/// An error while connecting, in STARTTLS or at AUTH: the relay's, never the recipient's, so never for good.
fn relay_failure(e: lettre::transport::smtp::Error) -> SendFailure {
    SendFailure::Temporary(format!("relais SMTP / SMTP relay: {}", redact_addresses(&e.to_string())))
}

/// How the connection is encrypted.
#[derive(Clone)]
enum Tls {
    /// Plain SMTP (loopback, a relay on the same host).
    None,
    /// STARTTLS, refused if the server does not offer it.
    Required(TlsParameters),
    /// STARTTLS when the server offers it.
    Opportunistic(TlsParameters),
}

/// A relay and the connections open to it.
pub struct Connections {
    host: String,
    port: u16,
    tls: Tls,
    hello: ClientId,
    credentials: Option<Credentials>,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Connections({}:{})", self.host, self.port)
    }
}

impl Connections {
    /// The connections for `url`, with `credentials` (user, password) if any; `None` for what this module does
    /// not read (`smtps://`, credentials or an IPv6 literal in the URL), which lettre's transport carries.
    pub fn from_url(url: &str, credentials: Option<(String, String)>) -> Result<Option<Connections>, String> {
        let Some(rest) = url.strip_prefix("smtp://") else { return Ok(None) };
        let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = address.split_once('/').unwrap_or((address, ""));
        if authority.contains('@') || authority.starts_with('[') {
            return Ok(None);
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port.parse::<u16>().map_err(|_| format!("SMTP port `{port}`"))?)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err("SMTP URL without a host".to_owned());
        }
        let parameters = || crate::mail::relay_tls::parameters(host);
        let tls = match query.split('&').find_map(|pair| pair.strip_prefix("tls=")) {
            None => Tls::None,
            Some("required") => Tls::Required(parameters()?),
            Some("opportunistic") => Tls::Opportunistic(parameters()?),
            Some(other) => return Err(format!("SMTP URL: unknown tls={other}")),
        };
        let default_port = if matches!(tls, Tls::None) { 25 } else { 587 };
        let path = path.trim_matches('/');
        Ok(Some(Connections {
            host: host.to_owned(),
            port: port.unwrap_or(default_port),
            tls,
            hello: if path.is_empty() { ClientId::default() } else { ClientId::Domain(path.to_owned()) },
            credentials: credentials.map(|(user, password)| Credentials::new(user, password)),
            idle: Mutex::new(Vec::new()),
        }))
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendFailure> {
        let network = |e: std::io::Error| SendFailure::Temporary(format!("SMTP connection: {e}"));
        let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await.map_err(network)?;
        // The point of this module: each write leaves at once.
        stream.set_nodelay(true).map_err(network)?;
        let mut conn =
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello).await.map_err(relay_failure)?;
        match &self.tls {
            Tls::None => {}
            Tls::Required(parameters) => conn.starttls(parameters.clone(), &self.hello).await.map_err(relay_failure)?,
            Tls::Opportunistic(parameters) if conn.can_starttls() => {
                conn.starttls(parameters.clone(), &self.hello).await.map_err(relay_failure)?;
            }
            Tls::Opportunistic(_) => {}
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await.map_err(relay_failure)?;
        }
        Ok(conn)
    }

    /// Sends one message from `from` to `to` on an idle connection (or a new one), saying whether a failure is
    /// for good; the text is safe to log (addresses redacted).
    pub async fn send(&self, from: &str, to: &str, message: &[u8]) -> Result<(), SendFailure> {
        let to: Address = to.parse().map_err(|_| SendFailure::Permanent("recipient address".to_owned()))?;
        let from: Address = from.parse().map_err(|_| SendFailure::Permanent("sender address".to_owned()))?;
        let envelope = Envelope::new(Some(from), vec![to])
            .map_err(|e| SendFailure::Temporary(redact_addresses(&e.to_string())))?;
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let mut conn = match idle {
            Some(conn) if !conn.has_broken() => conn,
            _ => tokio::time::timeout(TIMEOUT, self.connect())
                .await
                .map_err(|_| SendFailure::Temporary("SMTP connection: no answer within 15 s".to_owned()))??,
        };
        let sent = tokio::time::timeout(TIMEOUT, conn.send(&envelope, message)).await;
        let sent = match sent {
            Ok(sent) => sent.map(drop).map_err(smtp_failure),
            Err(_) => return Err(SendFailure::Temporary("SMTP: no answer within 15 s".to_owned())),
        };
        // lettre closes a connection on any refusal; one that is still whole serves the next message.
        if !conn.has_broken() {
            self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(conn);
        }
        sent
    }
}

#[cfg(test)]
mod tests {
    use super::{Connections, Tls};

    fn read(url: &str) -> Option<(String, u16, &'static str)> {
        let c = Connections::from_url(url, None).unwrap()?;
        let tls = match c.tls {
            Tls::None => "none",
            Tls::Required(_) => "required",
            Tls::Opportunistic(_) => "opportunistic",
        };
        Some((c.host, c.port, tls))
    }

    #[test]
    fn urls_read_as_lettre_reads_them_or_are_left_to_it() {
        assert_eq!(read("smtp://127.0.0.1:2525"), Some(("127.0.0.1".into(), 2525, "none")));
        assert_eq!(read("smtp://relay.ecole.fr"), Some(("relay.ecole.fr".into(), 25, "none")));
        assert_eq!(read("smtp://relay.ecole.fr?tls=required"), Some(("relay.ecole.fr".into(), 587, "required")));
        assert_eq!(read("smtp://relay:2587/ecole.fr?tls=opportunistic"), Some(("relay".into(), 2587, "opportunistic")));
        for lettre in ["smtps://relay.ecole.fr", "smtp://user:secret@relay", "smtp://[::1]:25"] {
            assert!(read(lettre).is_none(), "{lettre}");
        }
        for bad in ["smtp://relay:port", "smtp://relay?tls=maybe", "smtp://:25"] {
            assert!(Connections::from_url(bad, None).is_err(), "{bad}");
        }
    }
}
