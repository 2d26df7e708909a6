//! Build identity: sets `CITYTWIN_BUILD` to the git commit the binary was built from (12 hex
//! digits), with `-dirty-<8 hex>` when tracked files differ from it (the hex is a hash of
//! `git diff HEAD` over the sources, so two different uncommitted states get different ids), or `unknown`
//! outside a git checkout. Sweeps refuse to mix runs of different builds, and summary.json
//! records it, so a result can be traced to the code that produced it.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::Command;

/// What the binary is built from.
const SOURCES: [&str; 4] = ["src", "Cargo.toml", "Cargo.lock", "build.rs"];

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
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
    // covers exactly these) and, below, where HEAD points (a commit with no file change).
    for p in SOURCES {
        println!("cargo:rerun-if-changed={p}");
    }
    // Not the index, which git touches often: only what moves when a commit is made or checked
    // out (HEAD and the current branch's ref).
    let git_dir = git(&["rev-parse", "--git-dir"]).map(|d| d.trim().to_string());
    if let Some(d) = &git_dir {
        let branch = git(&["rev-parse", "--symbolic-full-name", "HEAD"]).map(|b| b.trim().to_string());
        for f in ["HEAD".to_string(), "packed-refs".to_string()].into_iter().chain(branch) {
            if Path::new(d).join(&f).is_file() {
                println!("cargo:rerun-if-changed={d}/{f}");
            }
        }
    }
    let id = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) if git_dir.is_some() => {
            let commit = commit.trim().to_string();
            let mut args = vec!["diff", "HEAD", "--no-ext-diff", "--"];
            args.extend(SOURCES);
            match git(&args) {
                Some(diff) if !diff.is_empty() => {
                    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
                    diff.hash(&mut h);
                    format!("{commit}-dirty-{:08x}", h.finish() as u32)
                }
                _ => commit,
            }
        }
        _ => "unknown".to_string(),
    };
    println!("cargo:rustc-env=CITYTWIN_BUILD={id}");
}
