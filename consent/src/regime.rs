//! Who the controller is decides what may be done without consent (DESIGN §1).

use serde::{Deserialize, Serialize};

/// The controller's regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// A school collecting for itself: soft opt-in for its own analogous services (CPCE L.34-5), consent otherwise.
    School,
    /// An association funded mainly by the school: the school is controller, and the notice names the association.
    AssociationUnderSchool,
    /// A financially autonomous association: opt-in for everything, it may not even email alumni to ask.
    Association,
}

/// The legal basis of a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// Consent (GDPR art. 6(1)(a)): one unchecked box, withdrawable at any time.
    #[default]
    OptIn,
    /// The school's contact with its graduates about analogous services unless they object (CPCE L.34-5).
    SoftOptIn,
}

impl Regime {
    /// Whether this regime lets a purpose rest on soft opt-in.
    pub fn allows_soft_opt_in(self) -> bool {
        matches!(self, Regime::School | Regime::AssociationUnderSchool)
    }

    /// Whether the school, not the association, is the controller.
    pub fn school_is_controller(self) -> bool {
        !matches!(self, Regime::Association)
    }

    /// A one-paragraph explanation of what this regime allows, in French.
    pub fn explain_fr(self) -> &'static str {
        match self {
            Regime::School => {
                "L'école est responsable de traitement. Elle peut contacter ses diplômés au sujet de services \
                 analogues à ses formations (le réseau alumni) tant qu'ils ne s'y opposent pas (« soft opt-in », \
                 CPCE art. L.34-5)\u{a0}; toute autre finalité exige un consentement."
            }
            Regime::AssociationUnderSchool => {
                "L'association est financée principalement par l'école\u{a0}: l'école reste responsable de traitement \
                 et peut recourir au « soft opt-in » pour ses services analogues ; sa politique de confidentialité \
                 doit nommer l'association comme destinataire."
            }
            Regime::Association => {
                "L'association est autonome\u{a0}: elle est responsable de traitement et chaque finalité exige un \
                 consentement préalable (opt-in). Elle ne peut pas écrire aux anciens pour leur demander ce \
                 consentement\u{a0}: ils doivent venir à elle (contenus, appels à l'action)."
            }
        }
    }

    /// The same explanation in English.
    pub fn explain_en(self) -> &'static str {
        match self {
            Regime::School => {
                "The school is the controller. It may contact its graduates about services analogous to its \
                 programmes (the alumni network) unless they object (soft opt-in, CPCE L.34-5); every other purpose \
                 needs consent."
            }
            Regime::AssociationUnderSchool => {
                "The association is mainly funded by the school: the school remains the controller and may rely on \
                 soft opt-in for its analogous services; its privacy notice must name the association as a recipient."
            }
            Regime::Association => {
                "The association is autonomous: it is the controller and every purpose needs prior consent (opt-in). \
                 It may not email alumni to ask for that consent: they have to come to it (content, calls to action)."
            }
        }
    }
}
