//! Owner-only permissions for everything in the data directory: the database, its WAL and
//! shared-memory files and the secrets hold buyers' names, e-mails, messages and tokens.

use std::fs;
use std::io;
use std::path::Path;

/// Mode of the data directory and the directories inside it.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file in the data directory.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and its parents) if needed and makes it owner-only.
pub(crate) fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)?;
    set_mode(dir, DIR_MODE)
}

/// Makes `file` owner-only if it exists; a missing file is fine.
pub(crate) fn tighten_file(file: &Path) -> io::Result<()> {
    match set_mode(file, FILE_MODE) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Creates `file` empty and owner-only unless it exists, so SQLite (which gives its WAL and
/// shared-memory files the database file's mode) never makes a world-readable file.
pub(crate) fn create_file(file: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(file)?;
    tighten_file(file)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}
