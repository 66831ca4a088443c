//! Whether the notice says only what is true (GDPR art. 5(1)(c), 13(1)(c)): the data categories the purposes
//! declare are the ones the form's fields (and the career profile's) collect, and a service CTA requires only
//! what its service needs.
//!
//! A valid configuration may still fail these (they are not validation errors, so that an existing ledger's
//! configuration keeps loading); `site-kit check` reports them with their place in `consent.toml`.

use super::Config;
use crate::ids::{CtaId, FieldId, PurposeId};
use crate::vocabulary::DataCategory;

/// One gap between what the notice says and what the form does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// A purpose declares a category that no field collects: the notice claims data the form never asks for.
    UncollectedCategory {
        /// The purpose.
        purpose: PurposeId,
        /// Its index in `[[purposes]]`.
        purpose_index: usize,
        /// The category.
        category: DataCategory,
    },
    /// A field collects a category that no purpose declares: data collected for nothing the notice says.
    UndeclaredCategory {
        /// The field.
        field: FieldId,
        /// The category.
        category: DataCategory,
    },
    /// A field of one's own that does not say which category it collects.
    FieldWithoutCategory {
        /// The field.
        field: FieldId,
    },
    /// A service CTA requires a field its service does not need (its boxes are optional: only the service can
    /// justify a required field).
    RequiredBeyondService {
        /// The CTA.
        cta: CtaId,
        /// Its index in `[[ctas]]`.
        cta_index: usize,
        /// The required field.
        field: FieldId,
        /// Whether the CTA lists `needs` at all.
        needs_declared: bool,
    },
}

impl Config {
    /// Every gap between the notice and the form, purposes first, then fields, then CTAs.
    pub fn minimisation(&self) -> Vec<Mismatch> {
        let mut found = Vec::new();
        // The career profile collects its categories too, later, on the manage page.
        let collected: Vec<DataCategory> =
            self.fields.iter().filter_map(|f| f.data).chain(self.profile.iter().map(|f| f.data)).collect();
        for (purpose_index, p) in self.purposes.iter().enumerate() {
            for &category in &p.data {
                if !collected.contains(&category) {
                    found.push(Mismatch::UncollectedCategory { purpose: p.id.clone(), purpose_index, category });
                }
            }
        }
        for f in &self.fields {
            match f.data {
                None => found.push(Mismatch::FieldWithoutCategory { field: f.id.clone() }),
                Some(category) if !self.purposes.iter().any(|p| p.data.contains(&category)) => {
                    found.push(Mismatch::UndeclaredCategory { field: f.id.clone(), category });
                }
                Some(_) => {}
            }
        }
        for f in self.profile.iter().filter(|f| !self.purposes.iter().any(|p| p.data.contains(&f.data))) {
            found.push(Mismatch::UndeclaredCategory { field: f.id.clone(), category: f.data });
        }
        for (cta_index, c) in self.ctas.iter().enumerate() {
            if c.service.is_none() {
                continue;
            }
            for f in self.fields.iter().filter(|f| f.required && f.id.as_str() != "email") {
                let needed = c.needs.as_ref().is_some_and(|needs| needs.contains(&f.id));
                if !needed {
                    found.push(Mismatch::RequiredBeyondService {
                        cta: c.id.clone(),
                        cta_index,
                        field: f.id.clone(),
                        needs_declared: c.needs.is_some(),
                    });
                }
            }
        }
        found
    }
}
