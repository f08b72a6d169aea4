//! Declaration macros that give each contract concept one home: a single list produces the
//! Rust type, its wire form and its TypeScript twin, so the three can never drift apart.

/// Declares a contract enum. `string` enums travel as their string value, integer enums as
/// their number. Each member names its TypeScript key, which the contract fixes independently
/// of the wire value (`AUDIO_DEVICE_TEST_FAILED` travels as `AUDIO_DEVICE_RECORD_FAILED`).
macro_rules! contract_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $ts:literal : string {
            $( $(#[$vmeta:meta])* $variant:ident ($key:literal) = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every member, in contract order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The member's value on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The member whose wire value is `value`.
            pub fn from_wire(value: &str) -> Option<Self> {
                match value { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::typescript::TsEnum for $name {
            fn ts_key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            fn ts_declaration() -> String {
                let mut out = format!("export enum {} {{\n", $ts);
                $( out.push_str(&format!("  {} = {:?},\n", $key, $wire)); )+
                out.push_str("}\n");
                out
            }
        }

        crate::macros::ts_named!($name, $ts);
    };
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $ts:literal : $repr:ident {
            $( $(#[$vmeta:meta])* $variant:ident ($key:literal) = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde_repr::Serialize_repr, serde_repr::Deserialize_repr,
        )]
        #[repr($repr)]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $wire, )+
        }

        impl $name {
            /// Every member, in contract order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The member's value on the wire.
            pub const fn value(self) -> $repr {
                self as $repr
            }

            /// The member whose wire value is `value`.
            pub fn from_value(value: $repr) -> Option<Self> {
                match value { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl crate::typescript::TsEnum for $name {
            fn ts_key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            fn ts_declaration() -> String {
                let mut out = format!("export enum {} {{\n", $ts);
                $( out.push_str(&format!("  {} = {},\n", $key, $wire)); )+
                out.push_str("}\n");
                out
            }
        }

        crate::macros::ts_named!($name, $ts);
    };
}

/// Lets ts-rs refer to a contract enum by its TypeScript name; the declaration itself comes
/// from [`crate::typescript::TsEnum`].
macro_rules! ts_named {
    ($name:ident, $ts:literal) => {
        impl ts_rs::TS for $name {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;

            fn name(_: &ts_rs::Config) -> String {
                $ts.to_owned()
            }

            fn inline(cfg: &ts_rs::Config) -> String {
                Self::name(cfg)
            }
        }
    };
}

/// Declares the signalling methods: one line per method gives the [`crate::Request`] enum,
/// the method names, a parser with precise errors, and the TypeScript `Methods` map
/// (method -> params and result) the Web SDK is typed against.
macro_rules! requests {
    ( $( $(#[$vmeta:meta])* $method:literal => $variant:ident($params:ty) -> $result:ty, )+ ) => {
        /// A request from a client, by method. Its wire form is
        /// `{"id": N, "method": "<name>", "params": {...}}`.
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(tag = "method", content = "params")]
        pub enum Request {
            $( $(#[$vmeta])* #[serde(rename = $method)] $variant($params), )+
        }

        impl Request {
            /// Every method name, in declaration order.
            pub const METHODS: &'static [&'static str] = &[$($method),+];

            /// The method's wire name.
            pub fn method(&self) -> &'static str {
                match self { $(Request::$variant(_) => $method),+ }
            }

            /// Parses `params` (JSON text) for `method`.
            pub fn parse(method: &str, params: &str) -> Result<Self, crate::FrameError> {
                match method {
                    $($method => serde_json::from_str(params)
                        .map(Request::$variant)
                        .map_err(|e| crate::FrameError::BadParams { method: $method, reason: crate::clip::clip_quoted(&e.to_string()) }),)+
                    other => Err(crate::FrameError::UnknownMethod(crate::clip::clip(other))),
                }
            }
        }

        pub(crate) fn ts_methods() -> String {
            use ts_rs::TS as _;
            let cfg = crate::typescript::ts_config();
            let mut out = String::from("export interface Methods {\n");
            $( out.push_str(&format!(
                "  {}: {{ params: {}; result: {} }};\n",
                $method, <$params>::name(&cfg), <$result>::name(&cfg)
            )); )+
            out.push_str("}\n");
            out
        }

        pub(crate) fn ts_request_decls() -> Vec<String> {
            use ts_rs::TS as _;
            let cfg = crate::typescript::ts_config();
            vec![$(<$params>::decl(&cfg), <$result>::decl(&cfg)),+]
        }
    };
}

/// Declares the server events, like [`requests!`] does the methods. Event names are the
/// contract's callback names (`onUserJoined`), so the Web SDK forwards them unchanged.
macro_rules! events {
    ( $( $(#[$vmeta:meta])* $name:literal => $variant:ident($data:ty), )+ ) => {
        /// An event pushed by the server. Its wire form is `{"event": "<name>", "data": {...}}`.
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(tag = "event", content = "data")]
        pub enum Event {
            $( $(#[$vmeta])* #[serde(rename = $name)] $variant($data), )+
        }

        impl Event {
            /// Every event name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The event's wire name.
            pub fn name(&self) -> &'static str {
                match self { $(Event::$variant(_) => $name),+ }
            }

            /// Parses `data` (JSON text) for the event `name`.
            pub fn parse(name: &str, data: &str) -> Result<Self, crate::FrameError> {
                match name {
                    $($name => serde_json::from_str(data)
                        .map(Event::$variant)
                        .map_err(|e| crate::FrameError::BadParams { method: $name, reason: crate::clip::clip_quoted(&e.to_string()) }),)+
                    other => Err(crate::FrameError::UnknownEvent(crate::clip::clip(other))),
                }
            }
        }

        pub(crate) fn ts_events() -> String {
            use ts_rs::TS as _;
            let cfg = crate::typescript::ts_config();
            let mut out = String::from("export interface Events {\n");
            $( out.push_str(&format!("  {}: {};\n", $name, <$data>::name(&cfg))); )+
            out.push_str("}\n");
            out
        }

        pub(crate) fn ts_event_decls() -> Vec<String> {
            use ts_rs::TS as _;
            let cfg = crate::typescript::ts_config();
            vec![$(<$data>::decl(&cfg)),+]
        }
    };
}

pub(crate) use {contract_enum, events, requests, ts_named};
