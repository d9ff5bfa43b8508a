//! Values written as one JSON string through their `Display`.

/// Serialises a value through its `Display` as one string: written into a buffer on the stack first when it fits
/// (a year, an amount, a ref: a page writes hundreds), so the serializer sees one `&str` rather than each piece
/// the formatter writes; a longer text is collected as before.
pub(crate) fn serialize_display<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: std::fmt::Display + ?Sized,
    S: serde::Serializer,
{
    use std::fmt::Write;
    struct Short {
        bytes: [u8; 48],
        len: usize,
    }
    impl Write for Short {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            let end = self.len + text.len();
            let free = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
            free.copy_from_slice(text.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    let mut short = Short {
        bytes: [0; 48],
        len: 0,
    };
    match write!(short, "{value}") {
        // Whole `&str`s were copied in, so the bytes are UTF-8.
        Ok(()) => match std::str::from_utf8(&short.bytes[..short.len]) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => serializer.collect_str(value),
        },
        Err(_) => serializer.collect_str(value),
    }
}
