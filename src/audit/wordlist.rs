//! Wordlists read in chunks of whole lines, so that a list of any size is searched in constant
//! memory: a chunk is at most [`CHUNK_LEN`] bytes, and only a few are in flight at once.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::exit::{Exit, failure};

/// The size of a chunk, and so the longest line that is tried; a longer one is skipped (and
/// counted), whatever its length, without being held in memory.
pub(super) const CHUNK_LEN: usize = 1 << 20;

/// A wordlist, opened before the search starts so that a bad name fails at once.
pub(super) struct Wordlist {
    /// As given on the command line; `-` is stdin.
    pub(super) name: String,
    /// Its size in bytes, when it is a regular file (for the progress bar's ETA).
    pub(super) len: Option<u64>,
    reader: Box<dyn Read + Send>,
}

impl Wordlist {
    /// Opens `path` (`-`: stdin). A file that cannot be opened, or a directory, is a usage
    /// error (2).
    pub(super) fn open(path: &Path) -> anyhow::Result<Self> {
        let name = path.display().to_string();
        if path == Path::new("-") {
            return Ok(Self {
                name,
                len: None,
                reader: Box::new(io::stdin()),
            });
        }
        let file = File::open(path).map_err(|e| {
            failure(
                Exit::Usage,
                anyhow::anyhow!("cannot open wordlist {name}: {e}"),
            )
        })?;
        let meta = file.metadata().ok();
        if meta.as_ref().is_some_and(std::fs::Metadata::is_dir) {
            return Err(failure(
                Exit::Usage,
                anyhow::anyhow!("wordlist {name} is a directory"),
            ));
        }
        Ok(Self {
            name,
            len: meta.filter(std::fs::Metadata::is_file).map(|m| m.len()),
            reader: Box::new(file),
        })
    }

    /// Reads the whole list, handing each chunk of whole lines to `each` (which returns false
    /// to stop early). Returns the lines skipped for being longer than [`CHUNK_LEN`].
    pub(super) fn chunks(mut self, mut each: impl FnMut(Chunk) -> bool) -> io::Result<u64> {
        let mut line = 1u64;
        let mut too_long = 0u64;
        // Bytes of a line longer than a chunk are being thrown away until its end.
        let mut skipping = false;
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let mut bytes = Vec::with_capacity(CHUNK_LEN);
            bytes.append(&mut carry);
            let eof = fill(&mut self.reader, &mut bytes)?;
            if skipping {
                match memchr::memchr(b'\n', &bytes) {
                    Some(end) => {
                        bytes.drain(..=end);
                        line += 1;
                        skipping = false;
                    }
                    None if eof => return Ok(too_long),
                    None => continue,
                }
            }
            let cut = if eof {
                bytes.len()
            } else {
                match memchr::memrchr(b'\n', &bytes) {
                    Some(last) => last + 1,
                    // A short read after a skipped line: read on.
                    None if bytes.len() < CHUNK_LEN => {
                        carry = bytes;
                        continue;
                    }
                    // One line fills the whole chunk: skip it to its end.
                    None => {
                        too_long += 1;
                        skipping = true;
                        continue;
                    }
                }
            };
            carry.extend_from_slice(&bytes[cut..]);
            bytes.truncate(cut);
            let lines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
            let chunk = Chunk {
                first_line: line,
                bytes,
            };
            line += lines;
            if !chunk.bytes.is_empty() && !each(chunk) {
                return Ok(too_long);
            }
            if eof {
                return Ok(too_long);
            }
        }
    }
}

/// Reads until `bytes` holds [`CHUNK_LEN`] bytes or the input ends; true at the end.
fn fill(reader: &mut impl Read, bytes: &mut Vec<u8>) -> io::Result<bool> {
    while bytes.len() < CHUNK_LEN {
        let start = bytes.len();
        bytes.resize(CHUNK_LEN, 0);
        match reader.read(&mut bytes[start..]) {
            Ok(0) => {
                bytes.truncate(start);
                return Ok(true);
            }
            Ok(n) => bytes.truncate(start + n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => bytes.truncate(start),
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Whole lines of a wordlist (the last one may lack its line break).
pub(super) struct Chunk {
    /// The line number of the first line, from 1.
    pub(super) first_line: u64,
    pub(super) bytes: Vec<u8>,
}

impl Chunk {
    /// Each line with its line number, without the line break (`\n` or `\r\n`); empty lines
    /// are left out.
    pub(super) fn lines(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let bytes = self.bytes.strip_suffix(b"\n").unwrap_or(&self.bytes);
        bytes
            .split(|&b| b == b'\n')
            .zip(self.first_line..)
            .map(|(line, number)| (number, line.strip_suffix(b"\r").unwrap_or(line)))
            .filter(|(_, line)| !line.is_empty())
    }
}

/// Whether a wordlist's path is `-`, stdin.
pub(super) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: Vec<u8>) -> (Vec<(u64, Vec<u8>)>, u64) {
        let list = Wordlist {
            name: "t".into(),
            len: None,
            reader: Box::new(io::Cursor::new(input)),
        };
        let mut lines = Vec::new();
        let too_long = list
            .chunks(|chunk| {
                lines.extend(chunk.lines().map(|(n, l)| (n, l.to_vec())));
                true
            })
            .unwrap();
        (lines, too_long)
    }

    #[test]
    fn lines_and_their_numbers() {
        let (lines, too_long) = read(b"a\r\n\nb\xff\nc".to_vec());
        assert_eq!(
            lines,
            [
                (1, b"a".to_vec()),
                (3, b"b\xff".to_vec()),
                (4, b"c".to_vec())
            ]
        );
        assert_eq!(too_long, 0);
    }

    /// Lines cut across chunk boundaries keep their bytes and numbers; a line longer than a
    /// chunk is skipped whole, and counted.
    #[test]
    fn across_chunks() {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for n in 1..=300_000u64 {
            if n == 1000 {
                input.extend(std::iter::repeat_n(b'x', CHUNK_LEN * 2 + 5));
                input.push(b'\n');
                continue;
            }
            let line = format!("word-{n}").into_bytes();
            input.extend_from_slice(&line);
            input.push(b'\n');
            expected.push((n, line));
        }
        let (lines, too_long) = read(input);
        assert_eq!(too_long, 1);
        assert_eq!(lines.len(), expected.len());
        assert!(lines == expected);
    }
}
