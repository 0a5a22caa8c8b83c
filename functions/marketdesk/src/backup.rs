//! `marketdesk backup` and `marketdesk restore`: one file holding the database (SQLite's online
//! backup, so `serve` keeps running) and the secrets file.

use crate::cli::{BackupArgs, RestoreArgs};
use crate::settings::resolve_data_dir;
use marketdesk_core::config::Env;
use marketdesk_local::BackupError;

/// Writes the backup file; says what it holds on stderr.
pub fn backup(args: &BackupArgs, env: &Env) -> Result<(), BackupError> {
    let data_dir = resolve_data_dir(args.data.as_deref(), env);
    let made = marketdesk_local::backup(&data_dir, &args.file)?;
    eprintln!(
        "marketdesk: backed up {} to {} ({} bytes, data version {}{}); the file holds the secrets: keep it private",
        data_dir.display(),
        args.file.display(),
        made.bytes,
        made.data_version,
        if made.secrets { ", with the secrets file" } else { ", no secrets file" },
    );
    Ok(())
}

/// Restores the backup file into the data directory.
pub fn restore(args: &RestoreArgs, env: &Env) -> Result<(), BackupError> {
    let data_dir = resolve_data_dir(args.data.as_deref(), env);
    let restored = marketdesk_local::restore(&args.file, &data_dir, args.force)?;
    eprintln!(
        "marketdesk: restored {} into {} (data version {}{}); start `marketdesk serve --data {}`",
        args.file.display(),
        data_dir.display(),
        restored.data_version,
        if restored.secrets {
            ", with the secrets file"
        } else {
            ""
        },
        data_dir.display(),
    );
    Ok(())
}
