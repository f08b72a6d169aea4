//! Reads an OpenAPI request's query string: `Action` and `Version`, which every request
//! carries there, and the other parameters, which are a GET action's input. Pure: no I/O and
//! nothing of the rest of the server.

use serde_json::{Map, Value};

/// An OpenAPI query string, decoded.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Query {
    /// The `Action` value; empty when absent.
    pub(super) action: String,
    /// The `Version` value; empty when absent.
    pub(super) version: String,
    /// Every other parameter, in order of appearance.
    params: Vec<(String, String)>,
}

impl Query {
    /// Decodes `raw` (without the leading `?`, still percent-encoded).
    pub(crate) fn parse(raw: &str) -> Self {
        let mut query = Query::default();
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            match &*name {
                "Action" => query.action = value.into_owned(),
                "Version" => query.version = value.into_owned(),
                _ => query.params.push((name.into_owned(), value.into_owned())),
            }
        }
        query
    }

    /// The parameters other than `Action` and `Version` as a JSON object of strings, the
    /// shape a POST action's body has, so a GET action parses them the same way. A repeated
    /// name is refused: which value was meant is not clear.
    pub(crate) fn params_json(&self) -> Result<Vec<u8>, String> {
        let mut object = Map::new();
        for (name, value) in &self.params {
            if object
                .insert(name.clone(), Value::String(value.clone()))
                .is_some()
            {
                return Err(format!(
                    "the query parameter {:?} is given more than once",
                    chorus_proto::clip(name)
                ));
            }
        }
        serde_json::to_vec(&Value::Object(object)).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_and_version_are_set_apart_from_the_parameters() {
        let query =
            Query::parse("Action=GetRoomOnlineUsers&Version=2023-11-01&AppId=app&RoomId=r%201");
        assert_eq!(query.action, "GetRoomOnlineUsers");
        assert_eq!(query.version, "2023-11-01");
        let params: Value = serde_json::from_slice(&query.params_json().unwrap()).unwrap();
        assert_eq!(params, serde_json::json!({"AppId": "app", "RoomId": "r 1"}));
    }

    #[test]
    fn missing_values_are_empty_and_repeats_are_refused() {
        assert_eq!(Query::parse(""), Query::default());
        let query = Query::parse("RoomId=a&RoomId=b");
        assert!(query.params_json().unwrap_err().contains("RoomId"));
    }
}
