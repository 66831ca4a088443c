//! The header row → the site's fields: `--map "Nom=last_name,…"` first, then the names French schools' exports
//! use (Nom, Prénom, Courriel, E-mail, Promotion, Année, Formation, Programme, Cursus…), then a field's own id
//! or label. Headers compare without case, accents, spaces or punctuation ("Adresse e-mail" = "adresse email").
//! Columns mapped to nothing are not imported (only the site's fields are held) and are listed in the report.

use super::ImportError;
use consent::Config;

/// Header names (normalised) and the default field each stands for.
const DEFAULTS: &[(&str, &str)] = &[
    ("nom", "last_name"),
    ("nomdefamille", "last_name"),
    ("nomdusage", "last_name"),
    ("nomusuel", "last_name"),
    ("nomdenaissance", "last_name"),
    ("lastname", "last_name"),
    ("surname", "last_name"),
    ("familyname", "last_name"),
    ("prenom", "first_name"),
    ("prenomusuel", "first_name"),
    ("firstname", "first_name"),
    ("givenname", "first_name"),
    ("courriel", "email"),
    ("email", "email"),
    ("mail", "email"),
    ("adresseemail", "email"),
    ("adressemail", "email"),
    ("adresseelectronique", "email"),
    ("adressecourriel", "email"),
    ("emailaddress", "email"),
    ("emailpersonnel", "email"),
    ("courrielpersonnel", "email"),
    ("promotion", "promo"),
    ("promo", "promo"),
    ("annee", "promo"),
    ("anneedediplome", "promo"),
    ("anneedediplomation", "promo"),
    ("anneedesortie", "promo"),
    ("anneediplome", "promo"),
    ("graduationyear", "promo"),
    ("classyear", "promo"),
    ("year", "promo"),
    ("formation", "programme"),
    ("programme", "programme"),
    ("program", "programme"),
    ("cursus", "programme"),
    ("filiere", "programme"),
    ("diplome", "programme"),
    ("parcours", "programme"),
    ("specialite", "programme"),
];

/// Where each field's value is in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// (column index, header as written, field id), in column order.
    pub mapped: Vec<(usize, String, String)>,
    /// Headers of the columns not imported.
    pub ignored: Vec<String>,
}

impl Columns {
    /// The index of the column holding `field`.
    pub fn of(&self, field: &str) -> Option<usize> {
        self.mapped.iter().find(|(_, _, f)| f == field).map(|(i, _, _)| *i)
    }
}

/// A header as compared: lowercase, without accents, spaces or punctuation.
pub fn normalise(header: &str) -> String {
    header
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' => Some('e'),
            'î' | 'ï' | 'í' => Some('i'),
            'ô' | 'ö' | 'ó' => Some('o'),
            'ù' | 'û' | 'ü' | 'ú' => Some('u'),
            'ç' => Some('c'),
            'ÿ' => Some('y'),
            'œ' => Some('o'),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// Parses `--map "Nom=last_name,Mail perso=email"`.
pub fn parse_map(map: &str) -> Result<Vec<(String, String)>, ImportError> {
    map.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((header, field)) if !header.trim().is_empty() && !field.trim().is_empty() => {
                Ok((header.trim().to_owned(), field.trim().to_owned()))
            }
            _ => Err(ImportError::Map(format!(
                "« {pair} » n'est pas de la forme « En-tête=champ » — `{pair}` is not of the form `Header=field`"
            ))),
        })
        .collect()
}

/// Maps the header row to the site's fields.
pub fn map_columns(config: &Config, headers: &[String], map: &[(String, String)]) -> Result<Columns, ImportError> {
    let fields: Vec<&str> = config.fields().iter().map(|f| f.id.as_str()).collect();
    let known = fields.join(", ");
    for (header, field) in map {
        if !fields.contains(&field.as_str()) {
            return Err(ImportError::Map(format!(
                "--map {header}={field} : le site n'a pas de champ « {field} » (champs : {known}) — the site has no \
                 field `{field}` (fields: {known})"
            )));
        }
        if !headers.iter().any(|h| normalise(h) == normalise(header)) {
            return Err(ImportError::Map(format!(
                "--map {header}={field} : pas de colonne « {header} » dans l'en-tête (colonnes : {}) — no column \
                 `{header}` in the header",
                headers.join(", ")
            )));
        }
    }
    let mut mapped: Vec<(usize, String, String)> = Vec::new();
    let mut ignored = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let key = normalise(header);
        let field = map
            .iter()
            .find(|(h, _)| normalise(h) == key)
            .map(|(_, f)| f.clone())
            .or_else(|| DEFAULTS.iter().find(|(h, f)| *h == key && fields.contains(f)).map(|(_, f)| (*f).to_owned()))
            .or_else(|| {
                config
                    .fields()
                    .iter()
                    .find(|f| {
                        normalise(f.id.as_str()) == key
                            || normalise(f.label.get(consent::Locale::Fr)) == key
                            || normalise(f.label.get(consent::Locale::En)) == key
                    })
                    .map(|f| f.id.to_string())
            });
        match field {
            Some(field) if !key.is_empty() => {
                if let Some((_, other, _)) = mapped.iter().find(|(_, _, f)| *f == field) {
                    return Err(ImportError::Map(format!(
                        "les colonnes « {other} » et « {header} » désignent toutes deux le champ « {field} » ; \
                         choisissez avec --map — columns `{other}` and `{header}` both map to field `{field}`; \
                         choose one with --map"
                    )));
                }
                mapped.push((index, header.clone(), field));
            }
            _ => ignored.push(header.clone()),
        }
    }
    if !mapped.iter().any(|(_, _, f)| f == "email") {
        return Err(ImportError::Map(format!(
            "aucune colonne d'adresse électronique (Courriel, E-mail, Email…) dans l'en-tête (colonnes : {}) ; \
             indiquez-la avec --map \"En-tête=email\" — no email column in the header; name it with --map",
            headers.join(", ")
        )));
    }
    Ok(Columns { mapped, ignored })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school() -> Config {
        Config::from_toml_str(include_str!("../../../examples/ecole-exemple/consent.toml"), "consent.toml").unwrap()
    }

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| (*h).to_owned()).collect()
    }

    #[test]
    fn french_headers_find_their_fields() {
        let h = headers(&["NOM", "Prénom", "Adresse e-mail", "Année de diplôme", "Formation", "Téléphone"]);
        let c = map_columns(&school(), &h, &[]).unwrap();
        let fields: Vec<&str> = c.mapped.iter().map(|(_, _, f)| f.as_str()).collect();
        assert_eq!(fields, ["last_name", "first_name", "email", "promo", "programme"]);
        assert_eq!(c.ignored, ["Téléphone"]);
    }

    #[test]
    fn the_map_wins_and_is_checked() {
        let h = headers(&["Nom", "Mail perso", "Mail pro"]);
        let map = parse_map("Mail perso=email").unwrap();
        let c = map_columns(&school(), &h, &map).unwrap();
        assert_eq!(c.of("email"), Some(1));
        assert!(matches!(map_columns(&school(), &h, &parse_map("Mail=email").unwrap()), Err(ImportError::Map(_))));
        assert!(matches!(map_columns(&school(), &h, &parse_map("Nom=surname").unwrap()), Err(ImportError::Map(_))));
        assert!(matches!(parse_map("Nom"), Err(ImportError::Map(_))));
        let two = headers(&["Email", "Courriel"]);
        assert!(matches!(map_columns(&school(), &two, &[]), Err(ImportError::Map(m)) if m.contains("--map")));
        assert!(matches!(map_columns(&school(), &headers(&["Nom"]), &[]), Err(ImportError::Map(_))));
    }
}
