//! Writing files so that a crash or a full disk never leaves a half-written file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write “{path}”: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed and
/// synced, then renamed over the target. On any error the target is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], with the content produced by a writer callback.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// Creates a folder (and its parents) with a clear error.
pub fn create_dir_all(path: &Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(path).map_err(|source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} {path} is a folder, not a file")]
    IsDir { what: &'static str, path: PathBuf },
    #[error("{what} {path} is {size} bytes, over the {limit_mb} MB limit")]
    TooLarge {
        what: &'static str,
        path: PathBuf,
        size: u64,
        limit_mb: u64,
    },
    #[error("{what} {path} is not UTF-8 text")]
    NotUtf8 { what: &'static str, path: PathBuf },
}

/// Reads a file of at most `max_bytes`, checking the size before reading a byte, so a huge
/// file is refused instead of filling memory.
pub fn read_limited(path: &Path, what: &'static str, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        what,
        path: path.to_path_buf(),
        source,
    };
    #[cfg(target_arch = "wasm32")]
    if let Some(bytes) = crate::browser::read(path) {
        if bytes.len() as u64 > max_bytes {
            return Err(ReadError::TooLarge {
                what,
                path: path.to_path_buf(),
                size: bytes.len() as u64,
                limit_mb: max_bytes / (1024 * 1024),
            });
        }
        return Ok(bytes.as_ref().clone());
    }
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ReadError::IsDir {
            what,
            path: path.to_path_buf(),
        });
    }
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge {
            what,
            path: path.to_path_buf(),
            size: meta.len(),
            limit_mb: max_bytes / (1024 * 1024),
        });
    }
    std::fs::read(path).map_err(io)
}

/// [`read_limited`] for UTF-8 text.
pub fn read_text_limited(
    path: &Path,
    what: &'static str,
    max_bytes: u64,
) -> Result<String, ReadError> {
    let bytes = read_limited(path, what, max_bytes)?;
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8 {
        what,
        path: path.to_path_buf(),
    })
}
