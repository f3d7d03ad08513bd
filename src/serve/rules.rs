//! Namespace rules: `--namespace NS --require POINTER=VALUE` admits a socket to NS only when
//! its session holds VALUE at POINTER.

use serde_json::Value;

use crate::store::Session;

/// `POINTER=VALUE`: the session's value at a JSON pointer (RFC 6901) must equal VALUE.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Requirement {
    pub(crate) pointer: String,
    /// VALUE read as JSON (`3`, `true`, `"x"`), or as a string when it is not JSON.
    pub(crate) value: Value,
    /// As written on the command line; the refusal names it.
    pub(crate) text: String,
}

impl Requirement {
    /// Reads `POINTER=VALUE`, e.g. `/user/role=admin` or `/level=3`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let (pointer, value) = text
            .split_once('=')
            .ok_or("expected POINTER=VALUE, e.g. /user/role=admin")?;
        if !pointer.starts_with('/') {
            return Err("the JSON pointer must start with '/', e.g. /user/role=admin".to_owned());
        }
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        Ok(Self {
            pointer: pointer.to_owned(),
            value,
            text: text.to_owned(),
        })
    }

    /// Whether the session meets the rule.
    pub(crate) fn is_met_by(&self, session: &Session) -> bool {
        session.pointer(&self.pointer) == Some(&self.value)
    }
}

/// The refusal of the first rule the session does not meet: `Requirement not met: RULE.`, as
/// written on the command line (never the session's data); `None` when it meets them all.
pub(crate) fn unmet(rules: &[Requirement], session: &Session) -> Option<String> {
    rules
        .iter()
        .find(|rule| !rule.is_met_by(session))
        .map(|rule| format!("Requirement not met: {}.", rule.text))
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use serde_json::json;

    use super::*;

    #[test]
    fn rules_compare_json_values_at_pointers() {
        let data = json!({"user": {"role": "admin", "level": 3}, "a/b": true});
        let Value::Object(data) = data else {
            unreachable!()
        };
        let session = Session::new(data, None, SystemTime::now());
        let met = |rule: &str| Requirement::parse(rule).map(|r| r.is_met_by(&session));
        assert_eq!(met("/user/role=admin"), Ok(true));
        assert_eq!(met("/user/role=\"admin\""), Ok(true));
        assert_eq!(met("/user/level=3"), Ok(true));
        assert_eq!(met("/user/level=\"3\""), Ok(false));
        assert_eq!(met("/a~1b=true"), Ok(true));
        assert_eq!(met("/user/role=root"), Ok(false));
        assert_eq!(met("/nothing=x"), Ok(false));
        assert!(met("user/role=admin").is_err());
        assert!(met("/user/role").is_err());
        let rules = ["/user/level=3", "/user/role=root", "/nothing=x"]
            .map(|rule| Requirement::parse(rule).unwrap());
        assert_eq!(
            unmet(&rules, &session).as_deref(),
            Some("Requirement not met: /user/role=root.")
        );
        assert_eq!(unmet(&rules[..1], &session), None);
    }
}
