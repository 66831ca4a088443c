//! The closed vocabularies of the notice: operations, data categories, recipients, retention (DESIGN §3).

use crate::locale::Locale;
use serde::{Deserialize, Serialize};

/// A processing operation (GDPR art. 4(2)), named as the CNIL names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Operation {
    Collecte,
    Enregistrement,
    Organisation,
    Conservation,
    Adaptation,
    Modification,
    Extraction,
    Consultation,
    Utilisation,
    Communication,
    MiseADisposition,
    Rapprochement,
}

impl Operation {
    /// Every operation, in the order of art. 4(2).
    pub const ALL: [Operation; 12] = [
        Operation::Collecte,
        Operation::Enregistrement,
        Operation::Organisation,
        Operation::Conservation,
        Operation::Adaptation,
        Operation::Modification,
        Operation::Extraction,
        Operation::Consultation,
        Operation::Utilisation,
        Operation::Communication,
        Operation::MiseADisposition,
        Operation::Rapprochement,
    ];

    /// The key written in `consent.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Operation::Collecte => "collecte",
            Operation::Enregistrement => "enregistrement",
            Operation::Organisation => "organisation",
            Operation::Conservation => "conservation",
            Operation::Adaptation => "adaptation",
            Operation::Modification => "modification",
            Operation::Extraction => "extraction",
            Operation::Consultation => "consultation",
            Operation::Utilisation => "utilisation",
            Operation::Communication => "communication",
            Operation::MiseADisposition => "mise_a_disposition",
            Operation::Rapprochement => "rapprochement",
        }
    }

    /// The operation's name in `locale`.
    pub fn label(self, locale: Locale) -> &'static str {
        let (fr, en) = match self {
            Operation::Collecte => ("collecte", "collection"),
            Operation::Enregistrement => ("enregistrement", "recording"),
            Operation::Organisation => ("organisation", "organisation"),
            Operation::Conservation => ("conservation", "storage"),
            Operation::Adaptation => ("adaptation", "adaptation"),
            Operation::Modification => ("modification", "alteration"),
            Operation::Extraction => ("extraction", "retrieval"),
            Operation::Consultation => ("consultation", "consultation"),
            Operation::Utilisation => ("utilisation", "use"),
            Operation::Communication => ("communication", "disclosure"),
            Operation::MiseADisposition => ("mise à disposition", "making available"),
            Operation::Rapprochement => ("rapprochement", "alignment or combination"),
        };
        if locale == Locale::En { en } else { fr }
    }
}

/// A category of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    /// Last name, first name, email.
    Identity,
    /// Graduation year (promo) and programme (cursus).
    Academic,
    /// Job, employer, career path.
    Career,
    /// Interests and preferences.
    Interests,
    /// Photograph.
    Photo,
}

impl DataCategory {
    /// Every category.
    pub const ALL: [DataCategory; 5] = [
        DataCategory::Identity,
        DataCategory::Academic,
        DataCategory::Career,
        DataCategory::Interests,
        DataCategory::Photo,
    ];

    /// The key written in `consent.toml`.
    pub fn key(self) -> &'static str {
        match self {
            DataCategory::Identity => "identity",
            DataCategory::Academic => "academic",
            DataCategory::Career => "career",
            DataCategory::Interests => "interests",
            DataCategory::Photo => "photo",
        }
    }

    /// The category described in `locale`.
    pub fn label(self, locale: Locale) -> &'static str {
        let (fr, en) = match self {
            DataCategory::Identity => {
                ("identité (nom, prénom, adresse électronique)", "identity (last name, first name, email)")
            }
            DataCategory::Academic => {
                ("parcours académique (promotion, cursus)", "academic record (class year, programme)")
            }
            DataCategory::Career => ("vie professionnelle (poste, employeur)", "career (position, employer)"),
            DataCategory::Interests => ("centres d'intérêt", "interests"),
            DataCategory::Photo => ("photographie", "photograph"),
        };
        if locale == Locale::En { en } else { fr }
    }
}

/// Who receives the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The association's authorised staff and volunteers.
    Association,
    /// The school's authorised staff.
    School,
    /// Processors acting on the controller's instructions (hosting, emailing).
    Processors,
    /// Partner companies (e.g. for job offers), only as described in the purpose.
    Partners,
    /// Other alumni, through a directory.
    Alumni,
}

impl Recipient {
    /// Every recipient kind.
    pub const ALL: [Recipient; 5] =
        [Recipient::Association, Recipient::School, Recipient::Processors, Recipient::Partners, Recipient::Alumni];

    /// The key written in `consent.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Recipient::Association => "association",
            Recipient::School => "school",
            Recipient::Processors => "processors",
            Recipient::Partners => "partners",
            Recipient::Alumni => "alumni",
        }
    }

    /// The recipient described in `locale`.
    pub fn label(self, locale: Locale) -> &'static str {
        let (fr, en) = match self {
            Recipient::Association => {
                ("les membres habilités de l'association", "the association's authorised members")
            }
            Recipient::School => ("les services habilités de l'école", "the school's authorised departments"),
            Recipient::Processors => (
                "nos sous-traitants techniques (hébergement, envoi de courriels), sur nos instructions",
                "our technical processors (hosting, email delivery), on our instructions",
            ),
            Recipient::Partners => (
                "les entreprises partenaires, pour les offres qui vous concernent",
                "partner companies, for offers relevant to you",
            ),
            Recipient::Alumni => ("les autres diplômés, via l'annuaire", "other alumni, through the directory"),
        };
        if locale == Locale::En { en } else { fr }
    }
}

/// From when a retention period runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RetentionStart {
    /// From the subject's last activity (the CNIL's usual reference for prospects and members).
    #[default]
    LastActivity,
    /// From the consent.
    Consent,
}

/// How long data are kept for a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Length in months (the file may say `years` or `months`).
    pub months: u32,
    /// From when it runs.
    pub from: RetentionStart,
}

impl Retention {
    /// The period as a sentence fragment, e.g. « 2 ans à compter de votre dernière activité ».
    pub fn describe(&self, locale: Locale) -> String {
        let span = if self.months.is_multiple_of(12) {
            let y = self.months / 12;
            match locale {
                Locale::Fr => format!("{y} an{}", if y > 1 { "s" } else { "" }),
                Locale::En => format!("{y} year{}", if y > 1 { "s" } else { "" }),
            }
        } else {
            match locale {
                Locale::Fr => format!("{} mois", self.months),
                Locale::En => format!("{} month{}", self.months, if self.months > 1 { "s" } else { "" }),
            }
        };
        let from = match (self.from, locale) {
            (RetentionStart::LastActivity, Locale::Fr) => "à compter de votre dernière activité",
            (RetentionStart::LastActivity, Locale::En) => "from your last activity",
            (RetentionStart::Consent, Locale::Fr) => "à compter de votre consentement",
            (RetentionStart::Consent, Locale::En) => "from your consent",
        };
        format!("{span} {from}")
    }

    /// The period in seconds (a month counted as 30.44 days), for purge deadlines.
    pub fn seconds(&self) -> i64 {
        i64::from(self.months) * 2_629_746
    }
}

/// What a form field holds, which decides its input type and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text, one line.
    Text,
    /// An email address.
    Email,
    /// A year, e.g. the graduation year.
    Year,
}
