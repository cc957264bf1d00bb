//! What a generated profile's `validate()` reports: every broken schema rule at once.

use std::cmp::Ordering;
use std::fmt;

use super::changes::cmp_integer_decimal;

/// One attribute that breaks a rule of the org's schema.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Violation {
    /// The attribute's JSON name.
    pub attribute: &'static str,
    /// The rule it breaks (`required`, `at most 20 characters`, …), in words.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.attribute, self.message)
    }
}

/// Every rule a profile breaks, in the order of its attributes. The generated `validate()`
/// collects them with the hidden helpers below.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// Whether no rule is broken.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many rules are broken.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every violation, in the order of the attributes.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// Whether `attribute` (its JSON name) breaks some rule.
    pub fn contains(&self, attribute: &str) -> bool {
        self.0.iter().any(|v| v.attribute == attribute)
    }

    fn push(&mut self, attribute: &'static str, message: String) {
        self.0.push(Violation { attribute, message });
    }

    /// A required attribute must be set.
    #[doc(hidden)]
    pub fn required(&mut self, attribute: &'static str, set: bool) {
        if !set {
            self.push(attribute, "required, but not set".into());
        }
    }

    /// Every attribute that holds a value of another JSON kind than the schema says
    /// ([`Attribute::Mismatched`](crate::profile::Attribute::Mismatched), sent back unchanged
    /// while it is there): `attributes` lists (JSON name, the kind the schema says, the value
    /// kept), in attribute order.
    #[doc(hidden)]
    pub fn kinds(&mut self, attributes: &[(&'static str, &str, Option<&crate::MismatchedField>)]) {
        for (attribute, expected, kept) in attributes {
            let Some(m) = kept else { continue };
            let found = match &m.value {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::Object(_) => "an object",
            };
            self.push(
                attribute,
                format!(
                    "arrived as {found}, not {expected} as the schema says (kept as received \
                     and sent back unchanged: set the attribute, or clear it)"
                ),
            );
        }
    }

    /// A string's length in characters (as Okta counts it) within `min..=max`.
    #[doc(hidden)]
    pub fn length(
        &mut self,
        attribute: &'static str,
        value: Option<&str>,
        min: Option<u64>,
        max: Option<u64>,
    ) {
        let Some(value) = value else { return };
        let n = u64::try_from(value.chars().count()).unwrap_or(u64::MAX);
        if let Some(min) = min.filter(|m| n < *m) {
            self.push(attribute, format!("{n} characters, fewer than {min}"));
        }
        if let Some(max) = max.filter(|m| n > *m) {
            self.push(attribute, format!("{n} characters, more than {max}"));
        }
    }

    /// One violation per bound `value` is outside of, in the words every range check uses;
    /// `value_vs` orders the value against a bound (`None`: not comparable, such as NaN, which
    /// is outside no bound), `shown` writes the value.
    fn range_by<B: fmt::Display>(
        &mut self,
        attribute: &'static str,
        shown: impl Fn() -> String,
        (min, max): (Option<B>, Option<B>),
        value_vs: impl Fn(&B) -> Option<Ordering>,
    ) {
        if let Some(min) = min.filter(|m| value_vs(m) == Some(Ordering::Less)) {
            let value = shown();
            self.push(attribute, format!("{value} is less than the minimum {min}"));
        }
        if let Some(max) = max.filter(|m| value_vs(m) == Some(Ordering::Greater)) {
            let value = shown();
            self.push(attribute, format!("{value} is more than the maximum {max}"));
        }
    }

    /// An integer within the integer bounds `min..=max` (the schema's `minimum` and `maximum`
    /// as written), compared as integers.
    #[doc(hidden)]
    pub fn range_integer(
        &mut self,
        attribute: &'static str,
        value: Option<i64>,
        min: Option<i64>,
        max: Option<i64>,
    ) {
        let Some(value) = value else { return };
        self.range_by(
            attribute,
            || value.to_string(),
            (min, max),
            |m| Some(value.cmp(m)),
        );
    }

    /// An integer within the decimal bounds `min..=max` (a `minimum` or `maximum` written with a
    /// fraction or an exponent), compared exactly: by the decimal's exact value, never by
    /// rounding the integer to an `f64`.
    #[doc(hidden)]
    pub fn range_integer_decimal(
        &mut self,
        attribute: &'static str,
        value: Option<i64>,
        min: Option<f64>,
        max: Option<f64>,
    ) {
        let Some(value) = value else { return };
        self.range_by(
            attribute,
            || value.to_string(),
            (min, max),
            |m| cmp_integer_decimal(i128::from(value), *m),
        );
    }

    /// An integer the schema's `enum` does not list.
    #[doc(hidden)]
    pub fn listed_integer(&mut self, attribute: &'static str, value: Option<i64>, allowed: &[i64]) {
        if let Some(value) = value.filter(|v| !allowed.contains(v)) {
            self.push(
                attribute,
                format!("{value} is not one of the values the schema lists"),
            );
        }
    }

    /// A number within `min..=max`.
    #[doc(hidden)]
    pub fn range(
        &mut self,
        attribute: &'static str,
        value: Option<f64>,
        min: Option<f64>,
        max: Option<f64>,
    ) {
        let Some(value) = value else { return };
        self.range_by(
            attribute,
            || value.to_string(),
            (min, max),
            |m| value.partial_cmp(m),
        );
    }

    /// A number within integer bounds `min..=max` that an `f64` does not hold exactly (beyond
    /// 2^53), compared exactly: by the number's exact value, never by rounding the bound.
    #[doc(hidden)]
    pub fn range_number_integer(
        &mut self,
        attribute: &'static str,
        value: Option<f64>,
        min: Option<i128>,
        max: Option<i128>,
    ) {
        let Some(value) = value else { return };
        // The value's exact digits: `{}` of 2^64 as an f64 reads `18446744073709552000`.
        let shown = || {
            if value.fract() == 0.0 && value.abs() < 1e38 {
                (value as i128).to_string()
            } else {
                value.to_string()
            }
        };
        self.range_by(attribute, shown, (min, max), |m| {
            cmp_integer_decimal(*m, value).map(Ordering::reverse)
        });
    }

    /// A value of an open enum that the schema does not list (decoded as `Unknown`).
    #[doc(hidden)]
    pub fn listed(&mut self, attribute: &'static str, value: Option<&str>, allowed: &[&str]) {
        if let Some(value) = value.filter(|v| !allowed.contains(v)) {
            self.push(
                attribute,
                format!("{value:?} is not one of the values the schema lists"),
            );
        }
    }

    /// A number the schema's `enum` does not list.
    #[doc(hidden)]
    pub fn listed_number(&mut self, attribute: &'static str, value: Option<f64>, allowed: &[f64]) {
        if let Some(value) = value.filter(|v| !allowed.contains(v)) {
            self.push(
                attribute,
                format!("{value} is not one of the values the schema lists"),
            );
        }
    }

    /// `Ok` when nothing is broken.
    #[doc(hidden)]
    pub fn into_result(self) -> Result<(), Violations> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_reported_once_and_in_order() {
        let mut v = Violations::default();
        v.required("login", false);
        v.required("email", true);
        v.length("city", Some("ab"), Some(3), Some(10));
        v.length("city", Some("äöüäöüäöüä"), Some(3), Some(10));
        v.length("zip", None, Some(3), None);
        v.range("age", Some(-1.0), Some(0.0), Some(150.0));
        v.range("age", Some(151.0), Some(0.0), Some(150.0));
        v.listed("dept", Some("ENG"), &["ENG"]);
        v.listed("dept", Some("HR"), &["ENG"]);
        v.listed_number("level", Some(4.0), &[1.0, 2.0]);
        // Integers against bounds and listed values exactly, beyond 2^53 too.
        let big = 1_i64 << 53;
        v.range_integer("n", Some(big + 1), None, Some(big));
        v.range_integer("n", Some(big), None, Some(big));
        v.range_integer("n", Some(i64::MIN), Some(i64::MIN), None);
        v.range_integer_decimal("m", Some(0), Some(0.5), None);
        v.listed_integer("k", Some(big + 1), &[big]);
        v.listed_integer("k", Some(big), &[big]);
        let names: Vec<&str> = v.iter().map(|x| x.attribute).collect();
        assert_eq!(
            names,
            ["login", "city", "age", "age", "dept", "level", "n", "m", "k"]
        );
        assert_eq!(
            v.iter().next().map(|x| x.to_string()).as_deref(),
            Some("`login`: required, but not set")
        );
        assert!(v.contains("dept") && !v.contains("email"));
        assert!(v.into_result().is_err());
        assert_eq!(Violations::default().into_result(), Ok(()));
    }

    fn messages(v: &Violations) -> Vec<String> {
        v.iter().map(|x| x.message.clone()).collect()
    }

    /// Integer bounds compare as integers at every edge an `f64` would blur: ±2^53 ± 1 and the
    /// ends of `i64`.
    #[test]
    fn integer_bounds_are_exact_at_the_edges() {
        let p = 1_i64 << 53;
        for b in [-p - 1, -p, -p + 1, p - 1, p, p + 1, i64::MIN, i64::MAX] {
            let mut v = Violations::default();
            v.range_integer("n", Some(b), Some(b), Some(b));
            assert!(v.is_empty(), "{b}: {v}");
            if let Some(below) = b.checked_sub(1) {
                v.range_integer("n", Some(below), Some(b), Some(b));
                assert_eq!(
                    messages(&v),
                    [format!("{below} is less than the minimum {b}")]
                );
            }
            let mut v = Violations::default();
            if let Some(above) = b.checked_add(1) {
                v.range_integer("n", Some(above), Some(b), Some(b));
                assert_eq!(
                    messages(&v),
                    [format!("{above} is more than the maximum {b}")]
                );
            }
        }
        let mut v = Violations::default();
        v.range_integer("n", Some(p + 1), None, Some(p));
        assert_eq!(
            v.to_string(),
            "`n`: 9007199254740993 is more than the maximum 9007199254740992"
        );
    }

    /// A decimal bound on an integer attribute compares by the decimal's exact value: `1.5`
    /// lies between 1 and 2, `1.0` is `1`, and `2^63` as a decimal is above `i64::MAX`.
    #[test]
    fn decimal_bounds_of_integers_are_exact() {
        let mut v = Violations::default();
        v.range_integer_decimal("n", Some(1), Some(1.5), None);
        v.range_integer_decimal("n", Some(2), Some(1.5), None);
        v.range_integer_decimal("n", Some(2), None, Some(1.5));
        v.range_integer_decimal("n", Some(1), None, Some(1.5));
        assert_eq!(
            messages(&v),
            [
                "1 is less than the minimum 1.5",
                "2 is more than the maximum 1.5"
            ]
        );
        // `1.0` and `1` bound alike.
        let mut v = Violations::default();
        v.range_integer_decimal("n", Some(1), Some(1.0), Some(1.0));
        v.range_integer("n", Some(1), Some(1), Some(1));
        assert!(v.is_empty(), "{v}");
        v.range_integer_decimal("n", Some(0), Some(1.0), None);
        v.range_integer("n", Some(0), Some(1), None);
        assert_eq!(
            messages(&v),
            [
                "0 is less than the minimum 1",
                "0 is less than the minimum 1"
            ]
        );
        let mut v = Violations::default();
        let p = 1_i64 << 53;
        v.range_integer_decimal("n", Some(p + 1), None, Some(9007199254740992.0));
        v.range_integer_decimal("n", Some(i64::MAX), None, Some(9223372036854775808.0));
        v.range_integer_decimal("n", Some(i64::MIN), Some(-9223372036854775808.0), None);
        assert_eq!(
            messages(&v),
            ["9007199254740993 is more than the maximum 9007199254740992"]
        );
    }

    /// A number against an integer bound an `f64` does not hold compares by the number's
    /// exact value: 2^53 is below a minimum of 2^53 + 1, which an `f64` would round to 2^53.
    #[test]
    fn large_integer_bounds_of_numbers_are_exact() {
        let p = 1_i128 << 53;
        let mut v = Violations::default();
        v.range_number_integer("x", Some(9007199254740992.0), Some(p + 1), None);
        v.range_number_integer("x", Some(9007199254740994.0), Some(p + 1), Some(p + 1));
        v.range_number_integer("x", Some(9007199254740994.0), Some(p + 1), Some(p + 3));
        v.range_number_integer("x", Some(f64::NAN), Some(p + 1), Some(p + 1));
        v.range_number_integer(
            "x",
            Some(18446744073709551616.0),
            None,
            Some(u64::MAX.into()),
        );
        assert_eq!(
            messages(&v),
            [
                "9007199254740992 is less than the minimum 9007199254740993",
                "9007199254740994 is more than the maximum 9007199254740993",
                "18446744073709551616 is more than the maximum 18446744073709551615"
            ]
        );
    }
}
