//! `text_enum!`: enums stored as their spelling (with a `CHECK` in the schema), with
//! `as_str`, `FromStr` (a clear error naming the accepted values), `Display` and serde.

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::StoreError;
            fn from_str(s: &str) -> $crate::StoreResult<Self> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::StoreError::Invalid(format!(
                        concat!("unknown ", stringify!($name), " {:?}; expected one of: ", $($text, " "),+),
                        other
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
