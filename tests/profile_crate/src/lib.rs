//! A user's crate: the structs generated from the org's profile schemas
//! (`tests/fixtures/profile/`) by `build.rs`, in the module `okta_profiles` as the README shows
//! it (`mod okta_profiles;` and a file that includes the generated code). The tests in
//! `tests/` use them with okta-client against a local server.

pub mod okta_profiles;

pub use okta_profiles::*;
