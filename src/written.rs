//! Values kept as the person wrote them: parsed on load, stored (and shown) in their words.

/// `Serialize` as the text kept in the type's `written` field, and `Deserialize` through the
/// type's `parse`, so a stored value reads back as itself and one that no longer parses is
/// refused where it stands, in the parser's words.
macro_rules! serde_as_written {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.written)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                <$t>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use serde_as_written;
