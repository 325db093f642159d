//! TLS roots: the operating system's trust store by default, as curl does,
//! or a PEM bundle given with `set_ca_file`.

use std::sync::Arc;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use crate::error::{Error, Result};

/// Reads every certificate of a PEM file, as DER.
pub fn read_pem_certificates(path: &str) -> Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::invalid(format!("cannot read CA file {path:?}: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&bytes) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert.der().to_vec()),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::invalid(format!(
                    "CA file {path:?} is not valid PEM: {e}"
                )))
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::invalid(format!(
            "CA file {path:?} holds no PEM certificate"
        )));
    }
    Ok(certs)
}

pub fn tls_config(ca_certs: Option<&[Vec<u8>]>) -> TlsConfig {
    let roots = match ca_certs {
        Some(ders) => RootCerts::Specific(Arc::new(
            ders.iter()
                .map(|d| Certificate::from_der(d).to_owned())
                .collect(),
        )),
        None => RootCerts::PlatformVerifier,
    };
    TlsConfig::builder().root_certs(roots).build()
}
