//! The writer's lock: `archive.ndx.lock`, created with `create_new` (so
//! exactly one process can hold it) and removed when dropped.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A held lock on one index; released on drop.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

/// The lock file of the index at `index`.
pub fn lock_path(index: &Path) -> PathBuf {
    let mut name = index.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    index.with_file_name(name)
}

impl Lock {
    /// Takes the lock of the index at `index`, or says who holds it.
    pub fn acquire(index: &Path) -> Result<Lock> {
        let path = lock_path(index);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                let since = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                // The content is only informative; the file's existence is
                // the lock.
                let _ = writeln!(f, "pid {} since {since}", std::process::id());
                Ok(Lock { path })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                Err(Error::Index {
                    path: index.to_path_buf(),
                    message: format!(
                        "locked by another writer ({}: {}); if no other neardup is writing \
                         this index (a crashed run leaves the lock behind), remove the lock \
                         with: rm '{}'",
                        path.display(),
                        if holder.is_empty() { "empty" } else { holder },
                        path.display()
                    ),
                })
            }
            Err(e) => Err(Error::io(&path, e)),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let index = dir.path().join("a.ndx");
        let held = Lock::acquire(&index).expect("first");
        let e = Lock::acquire(&index).expect_err("second");
        assert!(e.to_string().contains("rm "), "{e}");
        drop(held);
        assert!(!lock_path(&index).exists());
        drop(Lock::acquire(&index).expect("after release"));
    }
}
