//! An export's text, read without ever opening the file for writing (an export is evidence).
//!
//! The bytes are read into an anonymous mapping of their own rather than a heap buffer: the
//! allocator (mimalloc) keeps a freed 100 MB buffer as its own for reuse, so the file's size
//! stayed on the process's resident memory for the whole transform after the text was dropped.
//! A mapping is given back to the system the moment [`Text`] is dropped. The file itself is not
//! mapped: a log export truncated in place while it is read would end the process with a bus
//! error, where a read returns what was there.

use std::io::Read;
use std::path::Path;

use crate::error::HeirError;

/// The text of an export: in its own mapping when the file is UTF-8 (nearly always), decoded
/// into a string when it is UTF-16 or not valid UTF-8.
pub struct Text(Inner);

enum Inner {
    Mapped { map: memmap2::MmapMut, len: usize },
    Owned(String),
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            // SAFETY: `map[..len]` was checked to be UTF-8 when the text was made, and the
            // mapping is private to this value and only ever lent out shared, so it is unchanged.
            Inner::Mapped { map, len } => unsafe { std::str::from_utf8_unchecked(&map[..*len]) },
            Inner::Owned(s) => s,
        }
    }
}

/// Reads an export (see [`Text`]). Windows tools write UTF-16 (PowerShell 5.1 `Out-File`) and
/// Latin-1 CSVs; UTF-16 with a BOM is decoded, other bytes are replaced rather than refusing the
/// file.
pub fn read_input_bytes(path: &Path) -> Result<Text, HeirError> {
    let io = |e| HeirError::io(format!("reading {}", path.display()), e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len() as usize;
    let mut map = memmap2::MmapMut::map_anon(size.max(1)).map_err(io)?;
    let mut len = 0;
    while len < size {
        match file.read(&mut map[len..size]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    // A file that grew since its size was read: the rest too (a log still being written).
    let mut rest = Vec::new();
    file.read_to_end(&mut rest).map_err(io)?;
    let bytes = &map[..len];
    if rest.is_empty() && !is_utf16(bytes) && std::str::from_utf8(bytes).is_ok() {
        return Ok(Text(Inner::Mapped { map, len }));
    }
    let mut all = bytes.to_vec();
    all.extend_from_slice(&rest);
    drop(map);
    Ok(Text(Inner::Owned(decode(all))))
}

fn is_utf16(b: &[u8]) -> bool {
    b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF])
}

fn decode(bytes: Vec<u8>) -> String {
    if is_utf16(&bytes) {
        let le = bytes[0] == 0xFF;
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        return String::from_utf16_lossy(&units);
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_utf16_latin1_and_empty() {
        let dir = std::env::temp_dir().join(format!("heir-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x");
        for (bytes, want) in [
            (b"[{\"a\":\"\xc3\xa9\"}]".to_vec(), "[{\"a\":\"é\"}]"),
            (b"\xff\xfe[\x00]\x00".to_vec(), "[]"),
            (b"a,\xe9\n".to_vec(), "a,\u{fffd}\n"),
            (Vec::new(), ""),
        ] {
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(&*read_input_bytes(&path).unwrap(), want);
        }
        assert!(read_input_bytes(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
