//! Trust for an SMTP relay behind a private certificate authority (a school's own mail server): the roots in
//! `SMTP_CA_FILE` (PEM) are trusted beside the Web PKI's, for every SMTP connection the collector makes — `serve`'s
//! emails, each site's relay, campaigns — as PostgreSQL's `sslrootcert` is for the database. The server's name is
//! always checked; there is no switch that accepts any certificate.

use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use std::path::Path;

/// The environment variable naming the PEM file of extra roots.
pub const CA_FILE_VARIABLE: &str = "SMTP_CA_FILE";

/// The TLS parameters for `host`: the Web PKI's roots, and those of `SMTP_CA_FILE` when it is set.
pub fn parameters(host: &str) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(path) = std::env::var_os(CA_FILE_VARIABLE) {
        let shown = Path::new(&path).display().to_string();
        let pem = std::fs::read(&path).map_err(|e| format!("{CA_FILE_VARIABLE}={shown}: {e}"))?;
        if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(format!("{CA_FILE_VARIABLE}={shown}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"));
        }
        let roots = Certificate::from_pem(&pem).map_err(|e| format!("{CA_FILE_VARIABLE}={shown}: {e}"))?;
        builder = builder.add_root_certificate(roots);
    }
    builder.build().map_err(|e| e.to_string())
}

/// For a URL lettre reads: the TLS it asks for, rebuilt with [`parameters`] when `SMTP_CA_FILE` is set; `None`
/// to keep what lettre made of the URL (no such file, or a plain `smtp://` URL).
pub fn for_lettre_url(url: &str) -> Result<Option<Tls>, String> {
    if std::env::var_os(CA_FILE_VARIABLE).is_none() {
        return Ok(None);
    }
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = address.split('/').next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let mode = query.split('&').find_map(|pair| pair.strip_prefix("tls="));
    Ok(match (scheme, mode) {
        ("smtps", _) => Some(Tls::Wrapper(parameters(host)?)),
        (_, Some("required")) => Some(Tls::Required(parameters(host)?)),
        (_, Some("opportunistic")) => Some(Tls::Opportunistic(parameters(host)?)),
        _ => None,
    })
}
