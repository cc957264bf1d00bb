//! A user's crate: the structs generated from the org's profile schemas
//! (`tests/fixtures/profile/`) by `build.rs`, included as the README says. The tests in
//! `tests/` use them with okta-client against a local server.

include!(concat!(env!("OUT_DIR"), "/okta_profiles.rs"));
