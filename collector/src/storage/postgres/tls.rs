//! TLS to PostgreSQL, for a database on another host. `sslmode=require` in the URL (or libpq's `verify-ca` /
//! `verify-full`) encrypts the connection with rustls and always checks the server's certificate and host name,
//! against the Web PKI roots and the PEM file `sslrootcert=FILE` names (a private CA): libpq's `verify-full` in
//! every case, since an encrypted connection to a server nobody verified protects nothing from the one in the
//! middle. Without `sslmode`, or with `disable` / `prefer`, the connection stays plain, as before (a Unix socket,
//! a private network).

use crate::storage::StoreError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// What a URL asks of TLS, with the URL left for the client library.
#[derive(Debug)]
pub struct TlsOptions {
    /// The URL without `sslrootcert`, with `verify-ca` / `verify-full` as `require` (what tokio-postgres parses).
    pub url: String,
    /// Whether the connection must be encrypted.
    pub required: bool,
    /// The CA certificates (PEM) to trust besides the Web PKI roots.
    pub root_cert: Option<PathBuf>,
}

/// `%XX` escapes of a URL query value, decoded (a path in `sslrootcert=%2Fetc%2F…`).
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits the TLS options off a `postgres://` URL.
pub fn options(url: &str) -> TlsOptions {
    let Some((base, query)) = url.split_once('?') else {
        return TlsOptions { url: url.to_owned(), required: false, root_cert: None };
    };
    let (mut kept, mut required, mut root_cert) = (Vec::new(), false, None);
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslrootcert" => root_cert = Some(PathBuf::from(percent_decoded(value))),
            "sslmode" if matches!(value, "require" | "verify-ca" | "verify-full") => {
                required = true;
                kept.push("sslmode=require".to_owned());
            }
            _ => kept.push(pair.to_owned()),
        }
    }
    let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    TlsOptions { url, required, root_cert }
}

/// The rustls connector: Web PKI roots, plus the certificates of `root_cert`.
pub fn connector(root_cert: Option<&Path>) -> Result<MakeRustlsConnect, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = root_cert {
        use rustls::pki_types::pem::PemObject;
        let unreadable = |e: &dyn std::fmt::Display| {
            StoreError::Database(format!("sslrootcert {}: not a readable PEM certificate file ({e})", path.display()))
        };
        let mut found = 0;
        for cert in rustls::pki_types::CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
            roots.add(cert.map_err(|e| unreadable(&e))?).map_err(|e| unreadable(&e))?;
            found += 1;
        }
        if found == 0 {
            return Err(unreadable(&"no certificate in it"));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Database(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::options;

    #[test]
    fn tls_options_leave_the_url_tokio_postgres_parses() {
        let o = options("postgres://u@db/x?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=3");
        assert_eq!(o.url, "postgres://u@db/x?sslmode=require&connect_timeout=3");
        assert!(o.required);
        assert_eq!(o.root_cert.as_deref(), Some(std::path::Path::new("/etc/ca.pem")));
        let plain = options("postgres:///x?host=/run/postgresql");
        assert_eq!((plain.url.as_str(), plain.required), ("postgres:///x?host=/run/postgresql", false));
        assert!(!options("postgres://u@db/x?sslmode=prefer").required);
        assert_eq!(options("postgres://u@db/x?sslrootcert=ca.pem").url, "postgres://u@db/x");
    }
}
