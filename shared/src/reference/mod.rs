//! Reference data: the agency tree, offices, address book, unit natures, certificate types, regions, activity catalogue seed.

pub mod activity;
pub mod agency;
pub mod office;
pub mod printable;
pub mod region;
pub mod unit;

pub use activity::{ActivitySeed, SubCategorySeed, activity_seeds};
pub use agency::{
    AddressBookEntry, Agency, AgencyTreeNode, FULL_NAME_SEPARATOR, ROOT_AGENCY_CODE, ROOT_ANCESTOR_NAMES, address_book,
    agencies, agency, ancestors, full_name, is_selectable, is_within, path, tree,
};
pub use office::{Office, SERVED_OFFICE_CODE, office, offices, served_office};
pub use region::{
    PROVINCE_CODE, Region, RegionTreeNode, is_county_level, region, region_path_names, region_tree, regions,
};
pub use unit::{UNIT_CERTIFICATE_TYPES, UNIT_NATURES, is_unit_certificate_type, is_unit_nature};
