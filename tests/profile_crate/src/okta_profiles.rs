//! The structs `build.rs` generated from the saved schemas.

include!(concat!(env!("OUT_DIR"), "/okta_profiles.rs"));
