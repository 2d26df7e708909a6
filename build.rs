//! Build identity: sets `CITYTWIN_BUILD` to the git commit the binary was built from (12 hex
//! digits), with `-dirty-<8 hex>` when its sources differ from that commit (the hex hashes the
//! changed and untracked source files' paths and bytes, so two different uncommitted states get
//! different ids whatever git's diff settings), or `unknown` when the crate is not tracked by
//! git. Sweeps refuse to mix runs of different builds, and summary.json records it, so a result
//! can be traced to the code that produced it.

use std::hash::Hasher;
use std::process::Command;

/// What the binary is built from.
const SOURCES: [&str; 4] = ["src", "Cargo.toml", "Cargo.lock", "build.rs"];

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Git's list output as paths.
fn paths(text: Option<String>) -> Vec<String> {
    text.unwrap_or_default().lines().filter(|l| !l.is_empty()).map(String::from).collect()
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
    // Unknown unless this crate itself is tracked (not merely inside some other repository).
    let tracked = git(&["ls-files", "--error-unmatch", "Cargo.toml"]).is_some();
    let id = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) if tracked => {
            let commit = commit.trim().to_string();
            let mut changed =
                paths(git(&[&["diff", "--name-only", "--relative", "HEAD", "--"][..], &SOURCES[..]].concat()));
            changed.extend(paths(git(
                &[&["ls-files", "--others", "--exclude-standard", "--"][..], &SOURCES[..]].concat()
            )));
            changed.sort();
            changed.dedup();
            if changed.is_empty() {
                commit
            } else {
                let mut h = Fnv(0xcbf2_9ce4_8422_2325);
                for p in &changed {
                    h.write(p.as_bytes());
                    h.write(&[0]);
                    // A deleted file hashes as its path alone.
                    h.write(&std::fs::read(p).unwrap_or_default());
                    h.write(&[0]);
                }
                format!("{commit}-dirty-{:08x}", h.finish() as u32)
            }
        }
        _ => "unknown".to_string(),
    };
    println!("cargo:rustc-env=CITYTWIN_BUILD={id}");
}
