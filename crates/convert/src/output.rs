//! Run outputs: files written under a temporary name, hashed as they are written, readable
//! only by their owner, and renamed into place only when the whole run succeeded.

use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A writer that computes the SHA-256 and length of everything written through it.
#[derive(Debug)]
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The hex SHA-256 and byte count so far, and the inner writer.
    pub fn finish(self) -> (String, u64, W) {
        (hex(&self.hasher.finalize()), self.bytes, self.inner)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written = buf.get(..n).unwrap_or(buf);
        self.hasher.update(written);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A finished output: its name in the run directory, SHA-256 and size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutputInfo {
    /// File name in the run directory.
    pub name: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// An output file being written: `DIR/.NAME.partial` until [`OutputFile::complete`].
#[derive(Debug)]
pub struct OutputFile {
    name: String,
    tmp: PathBuf,
    writer: HashingWriter<BufWriter<File>>,
}

/// Creates a file readable and writable only by its owner (mode 0600 on Unix).
///
/// # Errors
/// Any error creating the file.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

impl OutputFile {
    /// Starts writing `name` in `dir` under a temporary name.
    ///
    /// # Errors
    /// Any error creating the temporary file.
    pub fn create(dir: &Path, name: &str) -> io::Result<OutputFile> {
        let tmp = dir.join(format!(".{name}.partial"));
        let file = create_private(&tmp)?;
        Ok(OutputFile {
            name: name.to_string(),
            tmp,
            writer: HashingWriter::new(BufWriter::with_capacity(256 * 1024, file)),
        })
    }

    /// The output's final file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Flushes the file and syncs it to disk; returns its hash and the temporary path, still
    /// to be renamed with [`PendingOutput::commit`].
    ///
    /// # Errors
    /// Any write or sync error.
    pub fn complete(self) -> io::Result<PendingOutput> {
        let (sha256, bytes, buf) = self.writer.finish();
        let file = buf.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(PendingOutput {
            info: OutputInfo {
                name: self.name,
                sha256,
                bytes,
            },
            tmp: self.tmp,
        })
    }

    /// Removes the temporary file (after a failure).
    pub fn discard(self) {
        let tmp = self.tmp.clone();
        drop(self);
        let _ = std::fs::remove_file(tmp);
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// A complete output still under its temporary name.
#[derive(Debug)]
pub struct PendingOutput {
    /// Name, hash and size.
    pub info: OutputInfo,
    tmp: PathBuf,
}

impl PendingOutput {
    /// Renames the file into place in `dir`.
    ///
    /// # Errors
    /// Any rename error.
    pub fn commit(self, dir: &Path) -> io::Result<OutputInfo> {
        std::fs::rename(&self.tmp, dir.join(&self.info.name))?;
        Ok(self.info)
    }

    /// Removes the temporary file.
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Hashes a file on disk (for `verify`).
///
/// # Errors
/// Any read error.
pub fn hash_file(path: &Path) -> io::Result<OutputInfo> {
    let mut f = File::open(path)?;
    let mut w = HashingWriter::new(io::sink());
    io::copy(&mut f, &mut w)?;
    let (sha256, bytes, _) = w.finish();
    Ok(OutputInfo {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
        bytes,
    })
}

/// Guards a cell of a human-facing CSV (opened in Excel by staff) against formula
/// injection: a cell starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading apostrophe.
///
/// ```
/// use ikou_convert::output::guard_cell;
/// assert_eq!(guard_cell("=SUM(A1)"), "'=SUM(A1)");
/// assert_eq!(guard_cell("山田"), "山田");
/// ```
pub fn guard_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        let (h, n, v) = w.finish();
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(n, 3);
        assert_eq!(v, b"abc");
    }

    #[test]
    fn output_is_private_and_renamed_only_on_commit() {
        let dir = std::env::temp_dir().join(format!("ikou-output-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut o = OutputFile::create(&dir, "a.csv").unwrap();
        o.write_all(b"x,y\r\n").unwrap();
        assert!(!dir.join("a.csv").exists());
        assert!(dir.join(".a.csv.partial").exists());
        let p = o.complete().unwrap();
        let info = p.commit(&dir).unwrap();
        assert_eq!(info.bytes, 5);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("a.csv"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(hash_file(&dir.join("a.csv")).unwrap(), info);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn guard() {
        for s in ["-1", "+81", "@x", "=1"] {
            assert!(guard_cell(s).starts_with('\''));
        }
        assert_eq!(guard_cell(""), "");
    }
}
