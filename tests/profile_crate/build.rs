//! What a user's `build.rs` does: the org's saved schemas → `$OUT_DIR/okta_profiles.rs`.

fn main() {
    let schemas = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/profile");
    okta_codegen::profile::Builder::new()
        .schema(format!("{schemas}/user.json"))
        .schema(format!("{schemas}/group.json"))
        .schema_as(format!("{schemas}/app_user.json"), "ExampleAppUser")
        .schema(format!("{schemas}/contractor.json"))
        .user_types(format!("{schemas}/user_types.json"))
        .generate_to_out_dir()
        .unwrap_or_else(|e| panic!("{e}"));
}
