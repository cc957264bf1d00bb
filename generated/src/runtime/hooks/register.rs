//! Registering the event hook in one idempotent call, through the catalog's EventHook
//! operations: create or update it by name, have Okta verify it, activate it.

use std::fmt;

use futures::TryStreamExt;
use serde_json::{json, Map, Value};

use crate::models::EventHook;
use crate::runtime::client::Client;
use crate::runtime::error::Error;
use crate::runtime::secret::Secret;

/// The event hook as it should be; give it to [`register`](Self::register).
///
/// Okta never returns the secret header's value, so a hook whose visible settings (URI, event
/// types, the header's name, extra headers) already match is left alone: to change only the
/// secret, set [`replace_secret`](Self::replace_secret).
#[derive(Clone)]
#[must_use]
pub struct HookRegistration {
    name: String,
    uri: String,
    event_types: Vec<String>,
    auth_header: String,
    secret: Secret,
    headers: Vec<(String, String)>,
    replace_secret: bool,
}

impl fmt::Debug for HookRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret is never shown; extra headers may hold credentials too.
        f.debug_struct("HookRegistration")
            .field("name", &self.name)
            .field("uri", &self.uri)
            .field("event_types", &self.event_types)
            .field("auth_header", &self.auth_header)
            .field("headers", &self.headers.len())
            .finish_non_exhaustive()
    }
}

/// What [`HookRegistration::register`] did, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HookChange {
    /// No hook had the name: it was created.
    Created,
    /// The hook's settings differed (the names of the fields that did): it was replaced.
    Updated(Vec<&'static str>),
    /// Okta verified the hook (it called the receiver's verification `GET`).
    Verified,
    /// The hook was activated.
    Activated,
}

/// The outcome of [`HookRegistration::register`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Registered {
    /// The hook's id.
    pub id: String,
    /// What was changed; empty when the hook was already as asked, verified and active.
    pub changes: Vec<HookChange>,
}

impl HookRegistration {
    /// The hook named `name` (unique in the org), calling `uri` (HTTPS; Okta refuses others),
    /// with the header `auth_header` (such as `Authorization`) carrying `secret` on each call.
    pub fn new(
        name: impl Into<String>,
        uri: impl Into<String>,
        auth_header: impl Into<String>,
        secret: impl Into<String>,
    ) -> HookRegistration {
        HookRegistration {
            name: name.into(),
            uri: uri.into(),
            event_types: Vec::new(),
            auth_header: auth_header.into(),
            secret: Secret::new(secret),
            headers: Vec::new(),
            replace_secret: false,
        }
    }

    /// The event types to subscribe to (such as `user.lifecycle.create`).
    pub fn event_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.event_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// An extra header Okta sends with each call.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the hook's channel even when its visible settings match, so that a new secret
    /// takes effect (Okta then verifies the hook again).
    pub fn replace_secret(mut self, replace: bool) -> Self {
        self.replace_secret = replace;
        self
    }

    fn channel(&self) -> Map<String, Value> {
        let headers: Vec<Value> = self
            .headers
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        let channel = json!({
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": self.uri,
                "headers": headers,
                "authScheme": {
                    "type": "HEADER",
                    "key": self.auth_header,
                    "value": crate::runtime::secret::expose(&self.secret),
                },
            },
        });
        match channel {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn events(&self) -> Value {
        json!({"type": "EVENT_TYPE", "items": self.event_types})
    }

    /// The fields of `hook` that differ from this registration.
    fn differences(&self, hook: &EventHook) -> Vec<&'static str> {
        let mut out = Vec::new();
        let config = hook
            .channel
            .as_ref()
            .and_then(|c| c.get("config"))
            .cloned()
            .unwrap_or(Value::Null);
        if config.get("uri").and_then(Value::as_str) != Some(self.uri.as_str()) {
            out.push("uri");
        }
        let mut have: Vec<&str> = hook
            .events
            .as_ref()
            .and_then(|e| e.get("items"))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut want: Vec<&str> = self.event_types.iter().map(String::as_str).collect();
        have.sort_unstable();
        want.sort_unstable();
        if have != want {
            out.push("event_types");
        }
        let key = config
            .get("authScheme")
            .and_then(|a| a.get("key"))
            .and_then(Value::as_str);
        if !key.is_some_and(|k| k.eq_ignore_ascii_case(&self.auth_header)) {
            out.push("auth_header");
        }
        let have: Vec<(&str, &str)> = config
            .get("headers")
            .and_then(Value::as_array)
            .map(|hs| {
                hs.iter()
                    .map(|h| {
                        (
                            h.get("key").and_then(Value::as_str).unwrap_or(""),
                            h.get("value").and_then(Value::as_str).unwrap_or(""),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let want: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if have != want {
            out.push("headers");
        }
        if self.replace_secret {
            out.push("secret");
        }
        out
    }

    /// Makes the org's hook match this registration: creates it, or replaces it when its
    /// settings differ; asks Okta to verify it unless it is verified (Okta then calls the
    /// receiver, which must be serving); activates it unless it is active. Safe to run on every
    /// start: a hook already as asked is left alone, and [`Registered::changes`] is empty.
    ///
    /// The hook is found by name among `GET /api/v1/eventHooks`; two hooks of the same name
    /// fail with [`Error::Config`]. Every call is the catalog's EventHook operation.
    pub async fn register(&self, client: &Client) -> Result<Registered, Error> {
        if self.event_types.is_empty() {
            return Err(Error::Config(
                "event hook registration: no event types".into(),
            ));
        }
        let api = client.event_hook();
        let hooks: Vec<EventHook> = api.list_event_hooks().into_stream().try_collect().await?;
        let mut named = hooks.into_iter().filter(|h| {
            h.additional_properties.get("name").and_then(Value::as_str) == Some(self.name.as_str())
        });
        let existing = named.next();
        if named.next().is_some() {
            return Err(Error::Config(format!(
                "event hook registration: more than one hook is named {:?}",
                self.name
            )));
        }
        let mut changes = Vec::new();
        let mut body = EventHook::new()
            .with_channel(self.channel())
            .with_events(self.events());
        body.additional_properties
            .insert("name".into(), Value::String(self.name.clone()));
        let hook = match existing {
            None => {
                changes.push(HookChange::Created);
                api.create_event_hook(body).send().await?.body
            }
            Some(hook) => {
                let diff = self.differences(&hook);
                if diff.is_empty() {
                    hook
                } else {
                    let id = hook.id.clone().unwrap_or_default();
                    changes.push(HookChange::Updated(diff));
                    api.replace_event_hook(id, body).send().await?.body
                }
            }
        };
        let id = hook.id.clone().ok_or_else(|| {
            Error::Config("event hook registration: Okta returned a hook without an id".into())
        })?;
        let verified = hook
            .additional_properties
            .get("verificationStatus")
            .and_then(Value::as_str)
            == Some("VERIFIED");
        let mut status = hook.status.clone();
        if !verified {
            let hook = api.verify_event_hook(id.clone()).send().await?.body;
            changes.push(HookChange::Verified);
            status = hook.status.or(status);
        }
        if status.as_deref() != Some("ACTIVE") {
            api.activate_event_hook(id.clone()).send().await?;
            changes.push(HookChange::Activated);
        }
        Ok(Registered { id, changes })
    }
}
