//! The bytes of a spreadsheet export → text: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode
//! text"), or Windows-1252 (Excel's "CSV (séparateur : point-virgule)" on a French Windows). A file that is
//! partly one and partly the other (two exports pasted together) is refused: guessing would turn every accented
//! name of one half into mojibake.

use super::ImportError;
use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8.
    Utf8,
    /// UTF-16 (little or big endian), told by its BOM.
    Utf16,
    /// Windows-1252 (a superset of Latin-1).
    Windows1252,
}

impl Encoding {
    /// Its usual name.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16 => "UTF-16",
            Encoding::Windows1252 => "Windows-1252",
        }
    }
}

/// Decodes a whole file.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), ImportError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_owned(), Encoding::Utf8)),
            Err(_) => Err(mixed(rest)),
        };
    }
    for (bom, encoding) in [(&b"\xFF\xFE"[..], UTF_16LE), (&b"\xFE\xFF"[..], UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, malformed) = encoding.decode_without_bom_handling(rest);
            if malformed {
                return Err(ImportError::Encoding { line: 1, detail: "UTF-16" });
            }
            return Ok((text.into_owned(), Encoding::Utf16));
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), Encoding::Utf8));
    }
    if first_line(bytes, |line| !line.is_ascii() && std::str::from_utf8(line).is_ok()).is_some() {
        return Err(mixed(bytes));
    }
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    Ok((text.into_owned(), Encoding::Windows1252))
}

/// The 1-based number of the first line for which `test` holds.
fn first_line(bytes: &[u8], test: impl Fn(&[u8]) -> bool) -> Option<u64> {
    bytes.split(|&b| b == b'\n').position(test).map(|i| i as u64 + 1)
}

/// Some lines are UTF-8 with accents, some are not UTF-8 at all: name one of each.
fn mixed(bytes: &[u8]) -> ImportError {
    let other = first_line(bytes, |line| std::str::from_utf8(line).is_err()).unwrap_or(1);
    let utf8 = first_line(bytes, |line| !line.is_ascii() && std::str::from_utf8(line).is_ok());
    match utf8 {
        Some(utf8_line) => ImportError::MixedEncoding { utf8_line, other_line: other },
        // A BOM says UTF-8, and a line is not: the BOM is the UTF-8 witness.
        None => ImportError::MixedEncoding { utf8_line: 1, other_line: other },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_encoding_a_spreadsheet_writes_is_read() {
        assert_eq!(decode("Nom;Prénom\n".as_bytes()).unwrap(), ("Nom;Prénom\n".into(), Encoding::Utf8));
        assert_eq!(decode(b"\xEF\xBB\xBFNom\n").unwrap(), ("Nom\n".into(), Encoding::Utf8));
        assert_eq!(decode(b"Nom;Pr\xE9nom\n").unwrap(), ("Nom;Prénom\n".into(), Encoding::Windows1252));
        assert_eq!(decode(b"\xFF\xFEN\0o\0m\0").unwrap(), ("Nom".into(), Encoding::Utf16));
    }

    #[test]
    fn a_file_half_utf8_half_windows_1252_names_a_line_of_each() {
        let bytes = b"Nom;Pr\xC3\xA9nom\nDupont;Jean\nLef\xE8vre;Zo\xE9\n";
        match decode(bytes) {
            Err(ImportError::MixedEncoding { utf8_line: 1, other_line: 3 }) => {}
            other => panic!("{other:?}"),
        }
        match decode(b"\xEF\xBB\xBFNom\nLef\xE8vre\n") {
            Err(ImportError::MixedEncoding { utf8_line: 1, other_line: 2 }) => {}
            other => panic!("{other:?}"),
        }
    }
}
