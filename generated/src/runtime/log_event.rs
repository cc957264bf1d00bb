//! The System Log event object, typed: the one model written by hand rather than taken from the
//! catalog, whose documents give System Log events no schema. The fields are those of Okta's
//! public System Log reference. Like the generated models, every struct here is lossless: it
//! decodes through the runtime's wire serde (`okta-client-core`'s `wire` module), so unknown
//! fields are kept in order, a value of another kind is kept raw, explicit `null`s are
//! remembered, and encoding writes it all back as it arrived.

use std::fmt;
use std::ops::Deref;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::MapAccess;
use serde::ser::SerializeMap;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::field::MismatchedFields;
use super::nullable::ExplicitNulls;
use super::wire::{WireKept, WireModel, WireReader, WireRest, WireWriter};

/// Writes a struct whose described fields are all optional, its wire serde and its `with_…`
/// setters; every struct of the System Log event is such a struct.
macro_rules! log_model {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident: $ty:ty = $json:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[doc = ""]
                #[doc = concat!("JSON: `", $json, "`.")]
                pub $field: Option<$ty>,
            )*
            /// Fields not described here, kept as received (in order) and written back unchanged.
            pub additional_properties: Map<String, Value>,
            /// The fields that arrived as an explicit `null`; while unset they are written back
            /// as `null`.
            pub explicit_nulls: ExplicitNulls,
            /// The fields whose values did not fit their documented types, kept as received;
            /// while unset they are written back unchanged.
            pub mismatched_fields: MismatchedFields,
        }

        impl $name {
            /// An empty value: every field unset.
            pub fn new() -> Self {
                Self::default()
            }
        }

        impl WireModel for $name {
            const NAME: &'static str = stringify!($name);
            const FIELDS: &'static [&'static str] = &[$($json),*];

            fn empty() -> Self {
                Self::default()
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn read<'de, A: MapAccess<'de>>(
                &mut self,
                r: WireReader<'_, 'de, A>,
            ) -> Result<(), A::Error> {
                let slot = r.slot();
                let mut i = 0usize;
                $(
                    if slot == i {
                        return r.option(&mut self.$field);
                    }
                    i += 1;
                )*
                r.skip()
            }

            fn write<S: SerializeMap>(&self, w: &mut WireWriter<'_, S>) -> Result<(), S::Error> {
                $( w.option($json, &self.$field)?; )*
                Ok(())
            }

            fn keep(&mut self, (additional, nulls, mismatched): WireKept) {
                self.additional_properties = additional;
                self.explicit_nulls = nulls;
                self.mismatched_fields = mismatched;
            }

            fn rest(&self) -> WireRest<'_> {
                (
                    &self.additional_properties,
                    Some(&self.explicit_nulls),
                    Some(&self.mismatched_fields),
                )
            }
        }

        okta_client_core::wire_serde!($name);
    };
}

log_model! {
    /// One System Log event, as `GET /api/v1/logs` lists it and as event hooks deliver it (in
    /// `data.events`): the same object, with the same `uuid`.
    SystemLogEvent {
        /// The event's unique id: the key of de-duplication.
        uuid: String = "uuid",
        /// When the event happened (ISO 8601, UTC, milliseconds); see
        /// [`published_at`](Self::published_at).
        published: String = "published",
        /// The event type, such as `user.session.start` (the System Log's catalog of types).
        event_type: String = "eventType",
        /// The version of the event's format (`"0"`).
        version: String = "version",
        /// `DEBUG`, `INFO`, `WARN` or `ERROR` (other values are kept as received).
        severity: String = "severity",
        /// The event type of Okta's older Events API, where there is one.
        legacy_event_type: String = "legacyEventType",
        /// A human-readable description of the event.
        display_message: String = "displayMessage",
        /// Who performed the action.
        actor: LogActor = "actor",
        /// The client (browser, app, device) the request came from.
        client: LogClient = "client",
        /// The request's route through proxies.
        request: LogRequest = "request",
        /// What came of the action.
        outcome: LogOutcome = "outcome",
        /// The entities the action was performed on.
        target: Vec<LogTarget> = "target",
        /// The request or job the event belongs to.
        transaction: LogTransaction = "transaction",
        /// Event-type-specific details.
        debug_context: LogDebugContext = "debugContext",
        /// How the actor authenticated.
        authentication_context: LogAuthenticationContext = "authenticationContext",
        /// What is known of the network the request came from.
        security_context: LogSecurityContext = "securityContext",
    }
}

log_model! {
    /// Who performed the action (`actor`): a user, an app, the system.
    LogActor {
        /// The actor's id.
        id: String = "id",
        /// The actor's type, such as `User` or `PublicClientApp`.
        actor_type: String = "type",
        /// Another id of the actor, such as a login or an email address.
        alternate_id: String = "alternateId",
        /// The actor's display name.
        display_name: String = "displayName",
        /// Further details, by name.
        detail_entry: Map<String, Value> = "detailEntry",
    }
}

log_model! {
    /// An entity the action was performed on (an item of `target`).
    LogTarget {
        /// The target's id.
        id: String = "id",
        /// The target's type, such as `User` or `AppInstance`.
        target_type: String = "type",
        /// Another id of the target, such as a login.
        alternate_id: String = "alternateId",
        /// The target's display name.
        display_name: String = "displayName",
        /// Further details, by name.
        detail_entry: Map<String, Value> = "detailEntry",
        /// The attributes the action changed, where Okta reports them.
        change_details: Map<String, Value> = "changeDetails",
    }
}

log_model! {
    /// The client the request came from (`client`).
    LogClient {
        /// The client's software.
        user_agent: LogUserAgent = "userAgent",
        /// Where the client is.
        geographical_context: LogGeographicalContext = "geographicalContext",
        /// The network zone the client's address is in, by name (`null` when none).
        zone: String = "zone",
        /// The client's IP address.
        ip_address: String = "ipAddress",
        /// The kind of device, such as `Computer` or `Mobile`.
        device: String = "device",
        /// The id of the client app, for OAuth clients.
        id: String = "id",
    }
}

log_model! {
    /// The client's software (`client.userAgent`).
    LogUserAgent {
        /// The `User-Agent` header as received.
        raw_user_agent: String = "rawUserAgent",
        /// The operating system, as Okta recognised it.
        os: String = "os",
        /// The browser, as Okta recognised it.
        browser: String = "browser",
    }
}

log_model! {
    /// Where a client or an address is (`geographicalContext`).
    LogGeographicalContext {
        /// The coordinates.
        geolocation: LogGeolocation = "geolocation",
        /// The city.
        city: String = "city",
        /// The state or province.
        state: String = "state",
        /// The country.
        country: String = "country",
        /// The postal code.
        postal_code: String = "postalCode",
    }
}

log_model! {
    /// Coordinates (`geolocation`).
    LogGeolocation {
        /// Latitude, in degrees.
        lat: f64 = "lat",
        /// Longitude, in degrees.
        lon: f64 = "lon",
    }
}

log_model! {
    /// The request's route (`request`).
    LogRequest {
        /// The addresses the request passed through, the client's first.
        ip_chain: Vec<LogIpAddress> = "ipChain",
    }
}

log_model! {
    /// One address of a request's route (an item of `request.ipChain`).
    LogIpAddress {
        /// The address.
        ip: String = "ip",
        /// Where the address is.
        geographical_context: LogGeographicalContext = "geographicalContext",
        /// `V4` or `V6`.
        version: String = "version",
        /// The source of the address, where known.
        source: String = "source",
    }
}

log_model! {
    /// What came of the action (`outcome`).
    LogOutcome {
        /// `SUCCESS`, `FAILURE`, `SKIPPED`, `ALLOW`, `DENY`, `CHALLENGE` or `UNKNOWN` (other
        /// values are kept as received).
        result: String = "result",
        /// Why, where Okta says.
        reason: String = "reason",
    }
}

log_model! {
    /// The request or job the event belongs to (`transaction`).
    LogTransaction {
        /// The transaction's id (a request's `X-Okta-Request-Id`).
        id: String = "id",
        /// `WEB` (a request) or `JOB` (a background job).
        transaction_type: String = "type",
        /// Further details, by name.
        detail: Map<String, Value> = "detail",
    }
}

log_model! {
    /// Event-type-specific details (`debugContext`).
    LogDebugContext {
        /// The details, by name (which ones depends on the event type).
        debug_data: Map<String, Value> = "debugData",
    }
}

log_model! {
    /// How the actor authenticated (`authenticationContext`).
    LogAuthenticationContext {
        /// Who checked the credentials: `OKTA_AUTHENTICATION_PROVIDER`, `ACTIVE_DIRECTORY`,
        /// `LDAP`, `FEDERATION`, `SOCIAL` or `FACTOR_PROVIDER`.
        authentication_provider: String = "authenticationProvider",
        /// Who issued the credential, such as `OKTA_CREDENTIAL_PROVIDER`, `RSA`, `DUO`, `GOOGLE`.
        credential_provider: String = "credentialProvider",
        /// The kind of credential, such as `PASSWORD`, `OTP`, `SMS`, `ASSERTION`, `JWT`.
        credential_type: String = "credentialType",
        /// The issuer of the credential, for federated sign-ins.
        issuer: LogIssuer = "issuer",
        /// The session id at the identity provider, for federated sign-ins.
        external_session_id: String = "externalSessionId",
        /// The interface used, such as `Outlook` or `Office365`.
        interface: String = "interface",
        /// The step of a multi-step authentication, from 0.
        authentication_step: i64 = "authenticationStep",
        /// The id of the session the event belongs to.
        root_session_id: String = "rootSessionId",
    }
}

log_model! {
    /// The issuer of a credential (`authenticationContext.issuer`).
    LogIssuer {
        /// The issuer's id.
        id: String = "id",
        /// The issuer's type.
        issuer_type: String = "type",
    }
}

log_model! {
    /// What is known of the network the request came from (`securityContext`).
    LogSecurityContext {
        /// The autonomous system number.
        as_number: i64 = "asNumber",
        /// The organisation that owns the autonomous system.
        as_org: String = "asOrg",
        /// The internet service provider.
        isp: String = "isp",
        /// The domain of the address.
        domain: String = "domain",
        /// Whether the address is a known proxy.
        is_proxy: bool = "isProxy",
    }
}

impl SystemLogEvent {
    /// [`published`](Self::published) as a time; `None` when it is absent or not an ISO 8601
    /// UTC time (`2026-12-01T10:00:00.123Z`; an offset other than `Z` is honoured too).
    pub fn published_at(&self) -> Option<SystemTime> {
        parse_rfc3339(self.published.as_deref()?)
    }
}

/// A System Log event with its JSON as received: the typed [`SystemLogEvent`] (also through
/// `Deref`), and the exact bytes ([`raw`](Self::raw)) for what the typed model does not say or
/// for passing the event on unchanged. Encoding writes the raw JSON.
#[derive(Clone)]
pub struct LogEvent {
    event: SystemLogEvent,
    raw: Box<RawValue>,
}

impl LogEvent {
    /// Decodes one event from its JSON, which must be an object; any object decodes (a field
    /// of another kind than documented is kept raw in the typed model's `mismatched_fields`).
    pub fn from_raw(raw: Box<RawValue>) -> Result<LogEvent, serde_json::Error> {
        let event = crate::json::from_slice::<SystemLogEvent>(raw.get().as_bytes())?;
        Ok(LogEvent { event, raw })
    }

    /// Decodes one event from JSON text (an object).
    pub fn from_slice(json: &[u8]) -> Result<LogEvent, serde_json::Error> {
        LogEvent::from_raw(serde_json::from_slice(json)?)
    }

    /// Wraps a JSON value (an object), keeping it as its compact text.
    pub fn from_value(value: &Value) -> Result<LogEvent, serde_json::Error> {
        LogEvent::from_raw(serde_json::value::to_raw_value(value)?)
    }

    /// The typed event.
    pub fn event(&self) -> &SystemLogEvent {
        &self.event
    }

    /// The JSON as received.
    pub fn raw(&self) -> &RawValue {
        &self.raw
    }

    /// The JSON as a `serde_json::Value`.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.raw.get()).unwrap_or(Value::Null)
    }

    /// The event's `uuid`, when it has one.
    pub fn uuid(&self) -> Option<&str> {
        self.event.uuid.as_deref()
    }

    /// The typed event and the JSON.
    pub fn into_parts(self) -> (SystemLogEvent, Box<RawValue>) {
        (self.event, self.raw)
    }
}

impl Deref for LogEvent {
    type Target = SystemLogEvent;

    fn deref(&self) -> &SystemLogEvent {
        &self.event
    }
}

impl PartialEq for LogEvent {
    fn eq(&self, other: &LogEvent) -> bool {
        self.raw.get() == other.raw.get()
    }
}

impl fmt::Debug for LogEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogEvent")
            .field("uuid", &self.event.uuid)
            .field("event_type", &self.event.event_type)
            .field("published", &self.event.published)
            .finish_non_exhaustive()
    }
}

impl serde::Serialize for LogEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for LogEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<LogEvent, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        LogEvent::from_raw(raw).map_err(serde::de::Error::custom)
    }
}

/// An RFC 3339 time (`YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`) as a `SystemTime`; `None` when it
/// is not one, or before 1970.
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u64> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0u64, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0'))
        })
    };
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut nanos = 0u64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 9 {
                nanos = nanos * 10 + u64::from(b[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        for _ in (at - start).min(9)..9 {
            nanos *= 10;
        }
    }
    let offset: i64 = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == b.len() && b[at + 3] == b':' => {
            let m = i64::try_from(digits(at + 1, 2)? * 60 + digits(at + 4, 2)?).ok()?;
            if *sign == b'+' {
                m * 60
            } else {
                -m * 60
            }
        }
        _ => return None,
    };
    // Days since 1970-01-01 of a civil date (proleptic Gregorian).
    let (y, m) = if month <= 2 {
        (year as i64 - 1, month as i64 + 9)
    } else {
        (year as i64, month as i64 - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64 - offset;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, u32::try_from(nanos).ok()?))
}

/// `at` as an RFC 3339 UTC time with milliseconds, as the System Log writes them.
#[cfg_attr(not(all(feature = "hooks", feature = "log")), allow(dead_code))]
pub(crate) fn format_rfc3339(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    // The civil date of a day count since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_to_the_unix_clock() {
        let t =
            |s| parse_rfc3339(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64);
        assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("2026-12-01T10:00:00.123Z"), Some(1_796_119_200_123));
        assert_eq!(t("2000-02-29T00:00:00.5Z"), Some(951_782_400_500));
        assert_eq!(t("2026-12-01T11:00:00+01:00"), t("2026-12-01T10:00:00Z"));
        assert_eq!(t("2026-12-01T09:30:00-00:30"), t("2026-12-01T10:00:00Z"));
        for bad in [
            "",
            "2026-12-01",
            "2026-13-01T00:00:00Z",
            "2026-12-01T00:00:00",
            "2026-12-01T00:00:00.Z",
            "2026-12-01T24:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-12-01T00:00:00Zjunk",
            "２026-12-01T00:00:00Z",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_format_and_parse_back() {
        for ms in [0u64, 951_782_400_500, 1_796_119_200_123, 4_102_444_799_999] {
            let at = UNIX_EPOCH + Duration::from_millis(ms);
            let text = format_rfc3339(at);
            assert_eq!(parse_rfc3339(&text), Some(at), "{text}");
        }
        let at = UNIX_EPOCH + Duration::from_millis(1_796_119_200_123);
        assert_eq!(format_rfc3339(at), "2026-12-01T10:00:00.123Z");
    }
}
