//! Where the emitted code goes and what its containers are called: file paths, Rust modules,
//! cargo features, client accessors and API struct names. The IR says what the API *is*; this
//! says how it is laid out in okta-client, so a different layout never touches `ir`.

use indexmap::IndexMap;

use crate::ir::{Api, Group, Model};
use crate::naming;

/// The folders the generator writes into, relative to the output root (what
/// [`crate::write::sync`] is given): okta-client's folder, and optionally the test crate's
/// folder of emitted tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// okta-client's folder (`generated`).
    pub client: String,
    /// Where the per-operation and per-model tests go (`tests/tests/generated`); `None` emits
    /// no tests (a scratch crate that only needs to compile).
    pub tests: Option<String>,
}

impl Layout {
    /// This repository's layout.
    pub fn repository() -> Layout {
        Layout {
            client: "generated".into(),
            tests: Some("tests/tests/generated".into()),
        }
    }

    /// okta-client alone, in `client` under the output root.
    pub fn client_only(client: impl Into<String>) -> Layout {
        Layout {
            client: client.into(),
            tests: None,
        }
    }

    /// The folders whose `@generated` files the generator owns (and may remove).
    pub fn owned_dirs(&self) -> Vec<String> {
        let mut dirs = vec![self.models_dir(), self.operations_dir()];
        dirs.extend(self.tests.clone());
        dirs
    }

    /// The single files the generator owns.
    pub fn owned_files(&self) -> Vec<String> {
        vec![self.openapi(), self.manifest()]
    }

    pub fn manifest(&self) -> String {
        format!("{}/Cargo.toml", self.client)
    }

    pub fn openapi(&self) -> String {
        format!("{}/openapi.json", self.client)
    }

    fn models_dir(&self) -> String {
        format!("{}/src/models", self.client)
    }

    fn operations_dir(&self) -> String {
        format!("{}/src/operations", self.client)
    }

    pub fn models_mod(&self) -> String {
        format!("{}/mod.rs", self.models_dir())
    }

    pub fn operations_mod(&self) -> String {
        format!("{}/mod.rs", self.operations_dir())
    }

    pub fn model_file(&self, stem: &str) -> String {
        format!("{}/{stem}.rs", self.models_dir())
    }

    pub fn group_file(&self, group: &GroupPlan) -> String {
        format!("{}/{}.rs", self.operations_dir(), group.module)
    }

    /// The emitted test file `name` (`operations.rs`), if tests are emitted.
    pub fn test_file(&self, name: &str) -> Option<String> {
        self.tests.as_ref().map(|t| format!("{t}/{name}"))
    }
}

/// How one API group appears in okta-client.
#[derive(Clone, Debug)]
pub struct GroupPlan {
    /// Rust module and file stem (`event_hook`).
    pub module: String,
    /// Cargo feature (`event-hook`).
    pub feature: String,
    /// The accessor on the client (`event_hook()`).
    pub accessor: String,
    /// The API struct (`EventHookApi`).
    pub api_type: String,
}

impl GroupPlan {
    pub fn of(g: &Group) -> GroupPlan {
        let module = naming::module_name(&g.name);
        GroupPlan {
            accessor: module.clone(),
            module,
            feature: naming::feature_name(&g.name),
            api_type: format!("{}Api", naming::type_name(&g.name)),
        }
    }
}

/// The layout of one API: each group's plan (in `api.groups` order) and each model file with
/// its models (in catalog order).
pub struct Plan<'a> {
    pub groups: Vec<GroupPlan>,
    pub model_files: IndexMap<String, Vec<&'a Model>>,
}

impl<'a> Plan<'a> {
    pub fn new(api: &'a Api) -> Plan<'a> {
        let mut model_files: IndexMap<String, Vec<&Model>> = IndexMap::new();
        for m in &api.models {
            // A model lives in the file of the schema or operation it is defined in.
            model_files
                .entry(naming::model_file(&m.home))
                .or_default()
                .push(m);
        }
        Plan {
            groups: api.groups.iter().map(GroupPlan::of).collect(),
            model_files,
        }
    }
}

/// The cargo feature of the group named `group` (what [`GroupPlan::feature`] holds).
pub fn feature(group: &str) -> String {
    naming::feature_name(group)
}
