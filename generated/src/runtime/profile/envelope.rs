//! A generated profile inside the object Okta sends it in: a user, a group, an app user.
//!
//! Each envelope types what is cheap to type (`id`, a user's `status`), decodes `profile` into
//! the generated struct `P`, keeps every other member as received (`rest`, written back in
//! order), and remembers the profile as received, so that [`User::changes`] can tell what an
//! edit changed and a partial update sends only that.

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::changes::{as_received, changes, replacement};
use super::Profile;

/// A user's lifecycle status (`status`). Open: a value this crate does not list is kept in
/// `Unknown` and written back unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum UserStatus {
    /// `STAGED`
    Staged,
    /// `PROVISIONED`
    Provisioned,
    /// `ACTIVE`
    Active,
    /// `RECOVERY`
    Recovery,
    /// `PASSWORD_EXPIRED`
    PasswordExpired,
    /// `LOCKED_OUT`
    LockedOut,
    /// `SUSPENDED`
    Suspended,
    /// `DEPROVISIONED`
    Deprovisioned,
    /// A value this version of the crate does not know, kept exactly as received.
    Unknown(crate::UnknownValue),
}

impl UserStatus {
    /// The value as it appears in JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Staged => "STAGED",
            Self::Provisioned => "PROVISIONED",
            Self::Active => "ACTIVE",
            Self::Recovery => "RECOVERY",
            Self::PasswordExpired => "PASSWORD_EXPIRED",
            Self::LockedOut => "LOCKED_OUT",
            Self::Suspended => "SUSPENDED",
            Self::Deprovisioned => "DEPROVISIONED",
            Self::Unknown(other) => other.as_str(),
        }
    }
}

impl From<&str> for UserStatus {
    fn from(value: &str) -> Self {
        match value {
            "STAGED" => Self::Staged,
            "PROVISIONED" => Self::Provisioned,
            "ACTIVE" => Self::Active,
            "RECOVERY" => Self::Recovery,
            "PASSWORD_EXPIRED" => Self::PasswordExpired,
            "LOCKED_OUT" => Self::LockedOut,
            "SUSPENDED" => Self::Suspended,
            "DEPROVISIONED" => Self::Deprovisioned,
            other => Self::Unknown(crate::runtime::enums::unknown_value(other)),
        }
    }
}

crate::runtime::enums::string_enum!(UserStatus);

/// The parts every envelope shares, split from the object as received.
struct Parts<P> {
    id: String,
    profile: P,
    received: Map<String, Value>,
    rest: Map<String, Value>,
}

fn split<'de, D: Deserializer<'de>, P: Profile>(d: D, what: &str) -> Result<Parts<P>, D::Error> {
    let mut rest = Map::<String, Value>::deserialize(d)?;
    let id = match rest.shift_remove("id") {
        Some(Value::String(id)) => id,
        Some(other) => {
            return Err(D::Error::custom(format!(
                "{what}: `id` is not a string: {}",
                kind(&other)
            )))
        }
        None => return Err(D::Error::custom(format!("{what} without an `id`"))),
    };
    let received = match rest.shift_remove("profile") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => Map::new(),
        Some(other) => {
            return Err(D::Error::custom(format!(
                "{what} {id}: `profile` is not an object: {}",
                kind(&other)
            )))
        }
    };
    let profile = P::deserialize(&Value::Object(received.clone()))
        .map_err(|e| D::Error::custom(format!("{what} {id}: profile: {e}")))?;
    Ok(Parts {
        id,
        profile,
        received,
        rest,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The profile as a JSON object (a generated profile always serialises to one).
fn profile_json<P: Profile>(profile: &P) -> Map<String, Value> {
    match serde_json::to_value(profile) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Writes `id`, the typed members, `profile`, then `rest` in order.
fn write<S: Serializer, P: Profile>(
    s: S,
    id: &str,
    typed: &[(&str, Option<&str>)],
    (profile, received): (&P, &Map<String, Value>),
    rest: &Map<String, Value>,
) -> Result<S::Ok, S::Error> {
    // What the edit left alone is written as received (a `number` that arrived as `1` stays `1`).
    let profile = as_received(profile_json(profile), &decoded::<P>(received), received);
    let mut m = s.serialize_map(None)?;
    m.serialize_entry("id", id)?;
    for (name, value) in typed {
        if let Some(v) = value {
            m.serialize_entry(name, v)?;
        }
    }
    m.serialize_entry("profile", &profile)?;
    for (k, v) in rest {
        if k != "id" && k != "profile" && !typed.iter().any(|(n, _)| n == k) {
            m.serialize_entry(k, v)?;
        }
    }
    m.end()
}

/// The profile as received, decoded into `P` and encoded again: what the struct held before
/// any edit. Edits are measured against it rather than against the JSON as received, so that
/// what decoding itself changes (an integer too large for an `f64` attribute) is no edit.
fn decoded<P: Profile>(received: &Map<String, Value>) -> Map<String, Value> {
    if received.is_empty() {
        return Map::new();
    }
    match P::deserialize(&Value::Object(received.clone())) {
        Ok(p) => profile_json(&p),
        Err(_) => received.clone(),
    }
}

macro_rules! envelope_methods {
    () => {
        /// The profile attributes the edit changed since the object was received, as the
        /// `profile` of a partial update sends them (attributes cleared since are `null`,
        /// read-only ones never appear). Values compare exactly
        /// ([`same_json`](crate::profile::same_json)): a change to a 64-bit integer is a
        /// change however close the values are. See [`changes`](crate::profile::changes).
        pub fn changes(&self) -> Map<String, Value> {
            changes(
                &decoded::<P>(&self.received),
                &profile_json(&self.profile),
                P::READ_ONLY,
            )
        }

        /// Whether the profile differs from what was received.
        pub fn has_changes(&self) -> bool {
            !self.changes().is_empty()
        }

        /// The profile exactly as received (empty for one built in code).
        pub fn received_profile(&self) -> &Map<String, Value> {
            &self.received
        }

        /// What a full replace sends: the whole profile, every attribute the edit left alone
        /// exactly as received (a `number` that arrived as `1` stays `1`), read-only
        /// attributes as received and never as edited (left out when there is no received
        /// value, as in a profile built in code).
        pub fn writable_profile(&self) -> Map<String, Value> {
            replacement(
                profile_json(&self.profile),
                &decoded::<P>(&self.received),
                &self.received,
                P::READ_ONLY,
            )
        }
    };
}

/// A user (`GET /api/v1/users/{id}`) whose `profile` is the generated struct `P`.
///
/// Edit `user.profile` and send [`Profiles::update_user`](super::Profiles::update_user): only
/// what changed goes out. `rest` holds every other member (`created`, `credentials`, `type`,
/// `_links`, …) as received.
#[derive(Clone, Debug)]
pub struct User<P> {
    /// The user's id (`00u…`).
    pub id: String,
    /// `status`; `None` when absent or not a string (kept raw in `rest` then).
    pub status: Option<UserStatus>,
    /// The typed profile.
    pub profile: P,
    /// Every other member of the user, in the order received, written back unchanged.
    pub rest: Map<String, Value>,
    received: Map<String, Value>,
}

impl<P: Profile> User<P> {
    envelope_methods!();
}

impl<'de, P: Profile> Deserialize<'de> for User<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut parts = split::<D, P>(d, "user")?;
        let status = match parts.rest.get("status") {
            Some(Value::String(s)) => {
                let s = UserStatus::from(s.as_str());
                parts.rest.shift_remove("status");
                Some(s)
            }
            _ => None,
        };
        Ok(User {
            id: parts.id,
            status,
            profile: parts.profile,
            rest: parts.rest,
            received: parts.received,
        })
    }
}

impl<P: Profile> Serialize for User<P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let status = self.status.as_ref().map(UserStatus::as_str);
        write(
            s,
            &self.id,
            &[("status", status)],
            (&self.profile, &self.received),
            &self.rest,
        )
    }
}

/// A group (`GET /api/v1/groups/{id}`) whose `profile` is the generated struct `P`. Okta
/// replaces a group's profile whole (`PUT`): see
/// [`Profiles::replace_group`](super::Profiles::replace_group).
#[derive(Clone, Debug)]
pub struct Group<P> {
    /// The group's id (`00g…`).
    pub id: String,
    /// The typed profile.
    pub profile: P,
    /// Every other member of the group (`type`, `objectClass`, `_links`, …), as received.
    pub rest: Map<String, Value>,
    received: Map<String, Value>,
}

impl<P: Profile> Group<P> {
    envelope_methods!();
}

impl<'de, P: Profile> Deserialize<'de> for Group<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let parts = split::<D, P>(d, "group")?;
        Ok(Group {
            id: parts.id,
            profile: parts.profile,
            rest: parts.rest,
            received: parts.received,
        })
    }
}

impl<P: Profile> Serialize for Group<P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write(
            s,
            &self.id,
            &[],
            (&self.profile, &self.received),
            &self.rest,
        )
    }
}

/// A user assigned to an app (`GET /api/v1/apps/{appId}/users/{userId}`) whose `profile` is
/// the struct generated from the app's user schema (`/api/v1/meta/schemas/apps/{appId}/default`).
#[derive(Clone, Debug)]
pub struct AppUser<P> {
    /// The user's id (`00u…`).
    pub id: String,
    /// The typed app profile.
    pub profile: P,
    /// Every other member (`scope`, `status`, `credentials`, `_links`, …), as received.
    pub rest: Map<String, Value>,
    received: Map<String, Value>,
}

impl<P: Profile> AppUser<P> {
    envelope_methods!();
}

impl<'de, P: Profile> Deserialize<'de> for AppUser<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let parts = split::<D, P>(d, "app user")?;
        Ok(AppUser {
            id: parts.id,
            profile: parts.profile,
            rest: parts.rest,
            received: parts.received,
        })
    }
}

impl<P: Profile> Serialize for AppUser<P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write(
            s,
            &self.id,
            &[],
            (&self.profile, &self.received),
            &self.rest,
        )
    }
}
