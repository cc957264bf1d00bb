//! `client.profiles()`: users, groups and app users with a generated profile, through the
//! same requests as every other call (retries, rate limits, lenient decoding, `customize`).

use http::Method;
use serde_json::{json, Map, Value};

use super::changes::writable;
use super::envelope::{AppUser, Group, User};
use super::{Profile, UserTypes};
use crate::request::{Customize, Json, Paged};
use crate::runtime::client::Client;
use crate::runtime::request::Request;

/// Reads and writes users, groups and app users with a profile struct generated from the
/// org's schema; from [`Client::profiles`].
///
/// Every method returns a [`Customize`] request: add query parameters (`search`, `limit`,
/// `activate`, …) or a timeout, then `send()` (`into_stream()` for listings).
///
/// **Partial update or full replace.** [`update_user`](Self::update_user) is the safe default:
/// a `POST` that sends only the attributes the edit changed ([`User::changes`]), so attributes
/// this program never looked at, and those a newer schema added, stay as they are. A full
/// replace ([`replace_user`](Self::replace_user), [`replace_group`](Self::replace_group)) is a
/// `PUT`: Okta sets **every attribute it does not receive to `null`**. It sends the whole
/// profile as decoded (attributes the struct does not know included, from
/// `additional_properties`), so a replace of an object read just before loses nothing; a
/// replace of a profile built in code clears every attribute left unset. Groups have only the
/// full replace.
///
/// **Read-only attributes** (`mutability: READ_ONLY`) are never sent as edited. A partial
/// update and a create leave them out. A full replace writes them back with the value
/// received: the documents this crate is built from say only that a `PUT` has
/// "strict-update semantics", not whether Okta keeps or clears a read-only attribute the body
/// leaves out, so the replace asks for no change to them either way. A profile built in code
/// has no received value, and its replace leaves them out.
#[derive(Clone, Debug)]
pub struct Profiles {
    client: Client,
}

impl Client {
    /// Users, groups and app users with a profile struct generated from the org's schema:
    /// see [`profile`](crate::profile).
    pub fn profiles(&self) -> Profiles {
        Profiles {
            client: self.clone(),
        }
    }
}

fn profile_json<P: Profile>(profile: &P) -> Map<String, Value> {
    match serde_json::to_value(profile) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

impl Profiles {
    fn json<T>(&self, request: Request) -> Customize<Json<T>> {
        Customize::new(self.client.clone(), request)
    }

    /// `GET /api/v1/users/{id}` (an id or a login).
    pub fn get_user<P: Profile>(&self, id: &str) -> Customize<Json<User<P>>> {
        self.json(Request::new(
            "GetUser",
            Method::GET,
            "/api/v1/users/{userId}",
            &[id],
        ))
    }

    /// `GET /api/v1/users`, paginated; add `search`, `filter` or `limit` with
    /// [`query`](Customize::query).
    pub fn list_users<P: Profile>(&self) -> Customize<Paged<User<P>>> {
        let request = Request::new("ListUsers", Method::GET, "/api/v1/users", &[]);
        Customize::new(self.client.clone(), request)
    }

    /// `GET /api/v1/users/{id}` into the generated enum over the org's user types: the user
    /// decodes with the struct of its `type.id` ([`UserTypes`]).
    pub fn get_typed_user<U: UserTypes>(&self, id: &str) -> Customize<Json<U>> {
        self.json(Request::new(
            "GetUser",
            Method::GET,
            "/api/v1/users/{userId}",
            &[id],
        ))
    }

    /// `GET /api/v1/users`, paginated, into the generated enum over the org's user types: each
    /// user decodes with the struct of its `type.id` ([`UserTypes`]), so one listing yields
    /// employees and contractors each with their own struct.
    pub fn list_typed_users<U: UserTypes>(&self) -> Customize<Paged<U>> {
        let request = Request::new("ListUsers", Method::GET, "/api/v1/users", &[]);
        Customize::new(self.client.clone(), request)
    }

    /// `POST /api/v1/users`: creates a user with `profile` (read-only attributes left out).
    /// Okta activates new users unless told `.query("activate", false)`.
    pub fn create_user<P: Profile>(&self, profile: &P) -> Customize<Json<User<P>>> {
        let mut request = Request::new("CreateUser", Method::POST, "/api/v1/users", &[]);
        let body = writable(profile_json(profile), P::READ_ONLY);
        request.json(&json!({ "profile": body }));
        self.json(request)
    }

    /// `POST /api/v1/users/{id}`, a partial update: sends only the attributes of
    /// `user.profile` that changed since it was received ([`User::changes`]); attributes
    /// cleared since are sent as `null`. Returns the user as Okta has it afterwards. Without
    /// a change ([`User::has_changes`]) the request still goes out, with an empty profile,
    /// and Okta answers with the user unchanged.
    pub fn update_user<P: Profile>(&self, user: &User<P>) -> Customize<Json<User<P>>> {
        let mut request = Request::new(
            "UpdateUser",
            Method::POST,
            "/api/v1/users/{userId}",
            &[&user.id],
        );
        request.json(&json!({ "profile": user.changes() }));
        self.json(request)
    }

    /// `PUT /api/v1/users/{id}`, a full replace: sends the whole of `user.profile`
    /// ([`User::writable_profile`]: what the edit left alone exactly as received, read-only
    /// attributes as received), and **Okta sets every attribute not sent to `null`**. Prefer
    /// [`update_user`](Self::update_user).
    pub fn replace_user<P: Profile>(&self, user: &User<P>) -> Customize<Json<User<P>>> {
        let mut request = Request::new(
            "ReplaceUser",
            Method::PUT,
            "/api/v1/users/{userId}",
            &[&user.id],
        );
        request.json(&json!({ "profile": user.writable_profile() }));
        self.json(request)
    }

    /// `GET /api/v1/groups/{id}`.
    pub fn get_group<P: Profile>(&self, id: &str) -> Customize<Json<Group<P>>> {
        self.json(Request::new(
            "GetGroup",
            Method::GET,
            "/api/v1/groups/{groupId}",
            &[id],
        ))
    }

    /// `GET /api/v1/groups`, paginated.
    pub fn list_groups<P: Profile>(&self) -> Customize<Paged<Group<P>>> {
        let request = Request::new("ListGroups", Method::GET, "/api/v1/groups", &[]);
        Customize::new(self.client.clone(), request)
    }

    /// `POST /api/v1/groups`: creates a group with `profile` (read-only attributes left out).
    pub fn create_group<P: Profile>(&self, profile: &P) -> Customize<Json<Group<P>>> {
        let mut request = Request::new("AddGroup", Method::POST, "/api/v1/groups", &[]);
        let body = writable(profile_json(profile), P::READ_ONLY);
        request.json(&json!({ "profile": body }));
        self.json(request)
    }

    /// `PUT /api/v1/groups/{id}`, Okta's only group update, a full replace: sends the whole
    /// of `group.profile` ([`Group::writable_profile`]); **every attribute not sent becomes
    /// `null`**. Edit a group read just before, never one built in code.
    pub fn replace_group<P: Profile>(&self, group: &Group<P>) -> Customize<Json<Group<P>>> {
        let mut request = Request::new(
            "ReplaceGroup",
            Method::PUT,
            "/api/v1/groups/{groupId}",
            &[&group.id],
        );
        request.json(&json!({ "profile": group.writable_profile() }));
        self.json(request)
    }

    /// `GET /api/v1/apps/{appId}/users/{userId}`: a user's profile in one app.
    pub fn get_app_user<P: Profile>(
        &self,
        app_id: &str,
        user_id: &str,
    ) -> Customize<Json<AppUser<P>>> {
        self.json(Request::new(
            "GetApplicationUser",
            Method::GET,
            "/api/v1/apps/{appId}/users/{userId}",
            &[app_id, user_id],
        ))
    }

    /// `GET /api/v1/apps/{appId}/users`, paginated: every user assigned to the app.
    pub fn list_app_users<P: Profile>(&self, app_id: &str) -> Customize<Paged<AppUser<P>>> {
        let request = Request::new(
            "ListApplicationUsers",
            Method::GET,
            "/api/v1/apps/{appId}/users",
            &[app_id],
        );
        Customize::new(self.client.clone(), request)
    }
}
