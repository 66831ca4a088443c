//! The README inside every bundle: what it proves and how an auditor checks it offline, French then English.

/// The README of the bundle about `subject_id`.
pub(super) fn text(subject_id: &str) -> String {
    format!(
        "\
PREUVE DE CONSENTEMENT — personne {subject_id}
==============================================

Ce paquet démontre le consentement d'une personne (RGPD art. 7(1)). Il contient :

  submissions/ID.json     chaque soumission signée, exactement telle que reçue (signature ECDSA P-256 de
                          l'appareil de la personne sur le texte `payload`) ;
  notices/VERSION.json    le texte intégral de chaque version de la notice d'information montrée ; son
                          empreinte SHA-256 est la version elle-même ;
  events.json             les événements du registre concernant la personne, avec leurs empreintes, et
                          l'événement qui suit chacun dans la chaîne (son prev_hash pointe vers lui) ;
  chain.json              le résultat de la vérification de la chaîne, de l'origine à la tête ;
  receipts/ID.json        les reçus signés par le collecteur (Ed25519) à l'enregistrement ;
  subject.json            les données détenues, les choix par finalité et chaque enregistrement ;
  index.html              le tout, lisible dans un navigateur ;
  manifest.json / .sig    l'empreinte de chaque fichier, signée par le collecteur.

Vérifier hors ligne :

  1. Obtenez la clé publique du collecteur par un autre canal (https://COLLECTEUR/.well-known/consent-receipt-key)
     et comparez-la à collector-public-key.txt.
  2. collector proof verify CE_FICHIER.zip --key CLÉ
     vérifie la signature du manifeste et chaque fichier, chaque empreinte et chaque lien de la chaîne, la
     signature de l'appareil sur chaque soumission, le texte de chaque notice, chaque reçu. Un seul octet
     modifié, et la vérification échoue.
  3. Chaque reçu se vérifie aussi seul : collector receipt verify receipts/ID.json --key CLÉ
     (et, sur le serveur, --data DOSSIER pour vérifier qu'il nomme bien l'événement du registre).
  4. Sur le serveur, collector verify --data DOSSIER recalcule toute la chaîne.

Sans l'outil : sha256sum de chaque fichier = manifest.json ; sha256(body) de chaque événement = hash ;
sha256 du texte d'une notice = sa version ; sha256(payload) d'une soumission = payload_sha256 de son événement
« submitted », sha256 du fichier entier = son data_sha256.


PROOF OF CONSENT — subject {subject_id}
======================================

This bundle demonstrates one person's consent (GDPR art. 7(1)). It holds:

  submissions/ID.json     each signed submission exactly as received (ECDSA P-256 signature by the person's
                          device over the `payload` text);
  notices/VERSION.json    the full text of each notice version shown; its SHA-256 is the version itself;
  events.json             the subject's ledger events with their hashes, and the event that follows each in the
                          chain (its prev_hash points at it);
  chain.json              the result of the chain check from genesis to head;
  receipts/ID.json        the receipts the collector signed (Ed25519) when each submission was recorded;
  subject.json            the data held, the choices per purpose and every record;
  index.html              all of it, readable in a browser;
  manifest.json / .sig    every file's hash, signed by the collector.

Verify offline:

  1. Get the collector's public key through another channel (https://COLLECTOR/.well-known/consent-receipt-key)
     and compare it with collector-public-key.txt.
  2. collector proof verify THIS_FILE.zip --key KEY
     checks the manifest's signature and every file, every hash and chain link, the device signature on each
     submission, each notice's text, each receipt. Change one byte and verification fails.
  3. Each receipt also verifies on its own: collector receipt verify receipts/ID.json --key KEY
     (and, on the server, --data DIR to check that it names the ledger's event).
  4. On the server, collector verify --data DIR recomputes the whole chain.

Without the tool: sha256sum of each file = manifest.json; sha256(body) of each event = hash; sha256 of a
notice's text = its version; sha256(payload) of a submission = its submitted event's payload_sha256, sha256 of
the whole file = its data_sha256.
"
    )
}
