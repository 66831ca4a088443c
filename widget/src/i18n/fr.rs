//! Les textes du widget en français (première langue).

use super::Strings;

/// Les textes français.
pub static STRINGS: Strings = Strings {
    required: "obligatoire",
    optional: "facultatif",
    purposes_legend: "J'accepte que mes données soient utilisées pour\u{a0}:",
    purposes_optional: "Ces cases sont facultatives\u{a0}: votre demande est traitée même si vous n'en cochez aucune.",
    privacy_ack: "J'ai lu la ",
    privacy_link: "politique de confidentialité",
    submit: "Envoyer",
    close: "Fermer",
    sending: "Envoi en cours…",
    fix_errors: "Certains champs sont à corriger.",
    tick_one: "Vous n'avez coché aucune finalité\u{a0}: rien n'a été enregistré. Cochez au moins une case pour continuer.",
    check_mailbox: "Vérifiez votre boîte mail pour confirmer.",
    record_id: "Numéro de votre demande\u{a0}: ",
    network_retry: "Connexion impossible. Vos réponses sont conservées\u{a0}; nouvel essai dans ",
    network_gave_up: "Connexion impossible. Vos réponses sont conservées\u{a0}: réessayez quand la connexion sera rétablie.",
    maybe_received: "Votre demande a probablement été reçue, mais nous n'avons pas pu le confirmer. Vérifiez votre boîte mail.",
    config_failed: "Le formulaire n'a pas pu être chargé. Réessayez plus tard.",
    no_crypto: "Votre navigateur ne permet pas de signer ce formulaire (page non sécurisée ou navigateur trop ancien).",
    consented_on: "Vous avez consenti le ",
    consented_to: "\u{a0}:",
    withdrawn: "Vous avez retiré votre consentement.",
    pending: "En attente de confirmation par courriel.",
    change: "Modifier",
    withdraw: "Retirer mon consentement",
    save_changes: "Enregistrer mes choix",
    cancel: "Annuler",
    changed: "Vos choix ont été enregistrés.",
    withdrawn_done: "Votre consentement a été retiré. Plus aucune communication ne vous sera envoyée.",
    refused: "refusé",
    accepted: "accepté",
    read_more: "Politique de confidentialité",
    your_consent: "Votre consentement",
};
