//! All-or-nothing directory writes: fill a hidden staging sibling, then swap it into place with
//! renames, so readers (and a user who pressed Ctrl-C) only ever see a complete old or a complete
//! new results folder.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::OutputError;

/// Marks a staging directory: `.<name>.partial-<pid>`.
const PARTIAL: &str = "partial-";
/// Marks a replaced directory awaiting removal: `.<name>.old-<pid>`.
const OLD: &str = "old-";

/// Creates the staging directory `<parent>/.<name>.partial-<pid>`, lets `fill` write into it and
/// renames it over `dir`. An existing directory at `dir` is replaced; anything else there (a file,
/// say) is an error rather than user data silently thrown away. Stale staging and old siblings
/// of `dir` left by killed runs are removed first; missing parents are created. On error the
/// staging directory is removed and `dir` is left as it was.
pub fn write_dir_atomically<F>(dir: &Path, fill: F) -> Result<(), OutputError>
where
    F: FnOnce(&Path) -> Result<(), OutputError>,
{
    let (parent, name) = split(dir)?;
    fs::create_dir_all(&parent).map_err(OutputError::io(&parent))?;
    refuse_non_directory(dir)?;
    remove_stale_siblings(&parent, name)?;

    let pid = std::process::id();
    let staging = sibling(&parent, name, PARTIAL, pid);
    fs::create_dir(&staging).map_err(OutputError::io(&staging))?;

    let written = fill(&staging).and_then(|()| swap_into_place(&staging, dir, &parent, name, pid));
    if written.is_err() {
        // Best effort: the original error matters more than a failed clean-up, and the next run
        // removes whatever is left as a stale sibling.
        let _ = fs::remove_dir_all(&staging);
    }
    written
}

/// The parent directory (`.` for a bare name) and final component of `dir`.
fn split(dir: &Path) -> Result<(PathBuf, &OsStr), OutputError> {
    let name = dir.file_name().ok_or_else(|| OutputError::Io {
        path: dir.display().to_string(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "results folder path must end in a directory name"),
    })?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// Errors if something other than a directory occupies `dir`.
fn refuse_non_directory(dir: &Path) -> Result<(), OutputError> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(OutputError::Io {
            path: dir.display().to_string(),
            source: io::Error::new(
                io::ErrorKind::NotADirectory,
                "exists and is not a directory; refusing to replace it",
            ),
        }),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(OutputError::io(dir)(e)),
    }
}

/// `<parent>/.<name>.<tag><pid>`.
fn sibling(parent: &Path, name: &OsStr, tag: &str, pid: u32) -> PathBuf {
    let mut file = OsString::from(".");
    file.push(name);
    file.push(".");
    file.push(tag);
    file.push(pid.to_string());
    parent.join(file)
}

/// Removes `.<name>.partial-*` and `.<name>.old-*` left in `parent` by runs that were killed.
fn remove_stale_siblings(parent: &Path, name: &OsStr) -> Result<(), OutputError> {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let prefix = prefix.to_string_lossy().into_owned();

    for entry in fs::read_dir(parent).map_err(OutputError::io(parent))? {
        let entry = entry.map_err(OutputError::io(parent))?;
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        if rest.starts_with(PARTIAL) || rest.starts_with(OLD) {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(OutputError::io(&path))?;
        }
    }
    Ok(())
}

/// Renames `staging` to `dir`, moving an existing `dir` aside first and deleting it afterwards.
fn swap_into_place(staging: &Path, dir: &Path, parent: &Path, name: &OsStr, pid: u32) -> Result<(), OutputError> {
    // rename(2) cannot replace a non-empty directory, so the old one has to step aside first;
    // the window in which `dir` is missing is two renames long.
    let old = sibling(parent, name, OLD, pid);
    let had_old = match fs::rename(dir, &old) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(OutputError::io(dir)(e)),
    };

    if let Err(e) = fs::rename(staging, dir) {
        if had_old {
            // Put the previous results back so a failed run changes nothing.
            let _ = fs::rename(&old, dir);
        }
        return Err(OutputError::io(dir)(e));
    }

    if had_old {
        // The new results are in place; a failure here only leaves a hidden sibling that the
        // next run removes, so it must not turn a successful write into an error.
        let _ = fs::remove_dir_all(&old);
    }
    Ok(())
}
