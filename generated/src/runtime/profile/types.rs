//! Users of several user types in one listing: the enum `okta-codegen` generates over the
//! org's user types (one variant per type, each with the struct of its schema) decodes each
//! user with the struct its `type.id` names.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::envelope::User;
use super::Profile;

/// The enum generated over the org's user types (`okta_codegen::profile::Builder::user_types`):
/// a user decodes into the variant of its `type.id`, whose [`User`] has the profile struct of
/// that type's schema; a user of a type the enum does not know is kept whole, as received.
/// Read them with [`Profiles::get_typed_user`](super::Profiles::get_typed_user) and
/// [`list_typed_users`](super::Profiles::list_typed_users).
pub trait UserTypes:
    serde::Serialize + serde::de::DeserializeOwned + Clone + std::fmt::Debug + Send + 'static
{
    /// The `type.id` of every user type the enum has a variant for, in the order given.
    const TYPE_IDS: &'static [&'static str];
}

/// A user's `type.id` (when it is a string) and the whole user object.
#[doc(hidden)]
pub(crate) type TypedObject = (Option<String>, Map<String, Value>);

/// A user object split into its `type.id` (when it is a string) and the whole object.
#[doc(hidden)]
pub fn user_type_of<'de, D: Deserializer<'de>>(d: D) -> Result<TypedObject, D::Error> {
    let user = Map::<String, Value>::deserialize(d)?;
    let type_id = user
        .get("type")
        .and_then(|t| t.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok((type_id, user))
}

/// A user object as a [`User`] with the profile struct `P`.
#[doc(hidden)]
pub fn decode_user<P: Profile, E: serde::de::Error>(
    user: Map<String, Value>,
) -> Result<User<P>, E> {
    User::<P>::deserialize(Value::Object(user)).map_err(E::custom)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_type_id_is_read_only_when_it_is_a_string() {
        let (id, user) = user_type_of(json!({"id": "00u1", "type": {"id": "oty1"}})).unwrap();
        assert_eq!(id.as_deref(), Some("oty1"));
        assert_eq!(user["id"], "00u1");
        for odd in [
            json!({"id": "00u1"}),
            json!({"type": "oty1"}),
            json!({"type": {"id": 7}}),
        ] {
            assert_eq!(user_type_of(odd).unwrap().0, None);
        }
        assert!(user_type_of(json!([1])).is_err());
    }
}
