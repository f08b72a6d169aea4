//! File descriptors: the limit on how many a benchmark may hold, and the kernel's table of
//! them, which is grown ahead of time so its growth is not timed.
//!
//! Linux grows a process's fd table by doubling it, and in a multi-threaded process each
//! growth waits for an RCU grace period (`synchronize_rcu` in `expand_fdtable`), which stalls
//! every thread of the process that opens or accepts a socket meanwhile, for 10-30 ms here. The
//! first time a server reaches 256, 512, 1024, ... open sockets it pays that once; a server
//! that has been up for a while has long since paid it.

use anyhow::{Context as _, bail};

/// Raises this process's soft RLIMIT_NOFILE to its hard limit (children inherit it) and fails
/// when that is still below `needed`. Returns the new soft limit.
pub(crate) fn raise_nofile(needed: u64) -> anyhow::Result<u64> {
    let soft = rlimit::increase_nofile_limit(u64::MAX).context("cannot raise RLIMIT_NOFILE")?;
    if soft < needed {
        bail!(
            "the open files limit is {soft} but about {needed} are needed; raise the hard limit \
             (ulimit -Hn) or ask for fewer connections"
        );
    }
    Ok(soft)
}

/// Makes the fd table large enough for `count` descriptors by opening that many and closing
/// them again: the kernel never shrinks the table.
pub(crate) fn pregrow_fd_table(count: usize) -> anyhow::Result<()> {
    let files = (0..count)
        .map(|_| std::fs::File::open("/dev/null"))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot open {count} files to grow the fd table"))?;
    drop(files);
    Ok(())
}
