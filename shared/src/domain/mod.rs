//! Domain types that cannot hold invalid values (parse, don't validate).
//!
//! Each type's only constructor is `parse` (or an infallible `new` where every value is
//! valid); each error enum carries a stable `code()` and a Chinese message a clerk can act on.
pub mod address_code;
pub mod capitals;
pub mod credit_code;
pub mod email;
pub mod gender;
pub mod mask;
pub mod mobile;
pub mod money;
pub mod normalize;
pub mod occupation;
pub mod office_phone;
pub mod passport;
pub mod person_id;
pub mod renewal;
pub mod resident_id;
pub mod tax_id;

pub use capitals::to_capitals;
pub use credit_code::{CreditCode, CreditCodeError};
pub use email::{Email, EmailError};
pub use gender::{Gender, GenderError};
pub use mask::{mask_id_number, mask_middle, mask_name};
pub use mobile::{Mobile, MobileError};
pub use money::{Fen, MoneyError};
pub use normalize::{normalize_token, normalized};
pub use occupation::Occupation;
pub use office_phone::{OfficePhone, OfficePhoneError};
pub use passport::Passport;
pub use person_id::{IdType, PersonId};
pub use renewal::{CoverStanding, RenewalTerms};
pub use resident_id::{IdError, IdKind, ResidentId};
pub use tax_id::{TaxId, TaxIdError};
