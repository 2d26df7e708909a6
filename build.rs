//! Build identity: sets `CITYTWIN_BUILD` to the git commit the binary was built from (12 hex
//! digits), with `-dirty-<8 hex>` when its sources differ from that commit (the hex hashes the
//! changed and untracked source files' paths and bytes, so two different uncommitted states get
//! different ids whatever git's diff settings). Where git cannot say (the crate is not tracked,
//! git is missing or refuses the repository), it is `unknown-<8 hex>`, the hash of every source
//! file's path and bytes, so different code still gets different ids. Sweeps refuse to mix runs
//! of different builds, and summary.json records it, so a result can be traced to the code that
//! produced it.

use std::hash::Hasher;
use std::process::Command;

/// What the binary is built from (`data/cities.csv` is compiled in).
const SOURCES: [&str; 5] = ["src", "data", "Cargo.toml", "Cargo.lock", "build.rs"];

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Git's NUL-separated list output (`-z`) as paths; None when git failed.
fn paths(text: Option<String>) -> Option<Vec<String>> {
    Some(text?.split('\0').filter(|l| !l.is_empty()).map(String::from).collect())
}

/// Every file under `SOURCES`, recursively, in a fixed order. Symbolic links are listed, not
/// followed into (a link cycle cannot recurse forever); a linked file still hashes its bytes.
fn source_files() -> Vec<String> {
    fn walk(path: &std::path::Path, out: &mut Vec<String>) {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => {
                std::fs::read_dir(path).into_iter().flatten().flatten().for_each(|e| walk(&e.path(), out))
            }
            Ok(_) => out.push(path.to_string_lossy().into_owned()),
            Err(_) => {}
        }
    }
    let mut out = Vec::new();
    SOURCES.iter().for_each(|s| walk(std::path::Path::new(s), &mut out));
    out.sort();
    out
}

/// 8 hex digits hashing each path and its bytes (a deleted file hashes as its path alone).
fn content_hash(paths: &[String]) -> String {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for p in paths {
        h.write(p.as_bytes());
        h.write(&[0]);
        h.write(&std::fs::read(p).unwrap_or_default());
        h.write(&[0]);
    }
    format!("{:08x}", h.finish() as u32)
}

/// FNV-1a, 64 bits: stable across Rust versions (unlike `DefaultHasher`).
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn main() {
    // Any of these changing can change the id: what the binary is built from (the dirty hash
    // covers exactly these) and, below, what moves when a commit is made or checked out.
    for p in SOURCES {
        println!("cargo:rerun-if-changed={p}");
    }
    // Not the index, which git touches often (each rerun rebuilds the crate): HEAD, its reflog
    // (written at every commit, packed refs or not) and the branch's ref, resolved with
    // --git-path so that worktrees work. Only existing files: a missing one reruns every build.
    let branch = git(&["rev-parse", "--symbolic-full-name", "HEAD"]).map(|b| b.trim().to_string());
    for f in ["HEAD".to_string(), "logs/HEAD".to_string(), "packed-refs".to_string()].into_iter().chain(branch) {
        if let Some(p) = git(&["rev-parse", "--git-path", &f]).map(|p| p.trim().to_string())
            && std::path::Path::new(&p).is_file()
        {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    // Git's answer only if this crate itself is tracked (not merely inside some other repository)
    // and every question was answered.
    let tracked = git(&["ls-files", "--error-unmatch", "Cargo.toml"]).is_some();
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).map(|c| c.trim().to_string()).filter(|_| tracked);
    let changed = commit.as_ref().and_then(|_| {
        let mut changed =
            paths(git(&[&["diff", "-z", "--name-only", "--relative", "HEAD", "--"][..], &SOURCES[..]].concat()))?;
        changed.extend(paths(git(
            &[&["ls-files", "-z", "--others", "--exclude-standard", "--"][..], &SOURCES[..]].concat()
        ))?);
        changed.sort();
        changed.dedup();
        Some(changed)
    });
    let id = match (commit, changed) {
        (Some(commit), Some(changed)) if changed.is_empty() => commit,
        (Some(commit), Some(changed)) => format!("{commit}-dirty-{}", content_hash(&changed)),
        _ => format!("unknown-{}", content_hash(&source_files())),
    };
    println!("cargo:rustc-env=CITYTWIN_BUILD={id}");
}
