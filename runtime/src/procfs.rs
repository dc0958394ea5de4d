//! Process facts from `/proc`: which node runs under which pid, and what it costs.

use nix::sys::signal::kill;
use nix::unistd::{sysconf, Pid, SysconfVar};

/// One line of `/proc/<pid>/stat`, the fields we use.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stat {
    comm: String,
    state: char,
    ppid: u32,
    cpu_ticks: u64,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Parses `/proc/<pid>/stat`; the command name may contain spaces and parentheses.
fn parse_stat(text: &str) -> Option<Stat> {
    let (head, rest) = text.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(0) ppid(1) ... utime(11) stime(12).
    let state = fields.first()?.chars().next()?;
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Stat {
        comm,
        state,
        ppid,
        cpu_ticks: utime + stime,
    })
}

/// Whether a process with this pid exists and is not a zombie.
pub fn is_running(pid: u32) -> bool {
    kill(Pid::from_raw(pid as i32), None).is_ok() && stat(pid).is_some_and(|s| s.state != 'Z')
}

/// Pids of the live children of `parent` whose command name is `name` (e.g. `mm-capture`).
pub fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            stat(pid).is_some_and(|s| s.ppid == parent && s.comm == name && s.state != 'Z')
        })
        .collect()
}

/// CPU time the process has used, user plus system, in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let ticks_per_second = sysconf(SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|&t| t > 0)?;
    Some(stat(pid)?.cpu_ticks as f64 / ticks_per_second as f64)
}

/// Resident memory of the process in bytes (shared-memory pages it touched included).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Open file descriptors of the process (the entries of `/proc/<pid>/fd`).
pub fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// Sets this process's scheduling niceness (0 = normal, 19 = lowest priority), so that heavy
/// work such as inference only takes CPU time the frame path leaves idle.
pub fn set_niceness(niceness: i32) -> std::io::Result<()> {
    // SAFETY: setpriority only reads its integer arguments; `0` means this process.
    let result = unsafe { nix::libc::setpriority(nix::libc::PRIO_PROCESS, 0, niceness) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_spaces_and_parentheses() {
        let text =
            "42 (mm (odd) name) S 7 42 42 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 3 0 1000 0 0";
        let stat = parse_stat(text).unwrap();
        assert_eq!(stat.comm, "mm (odd) name");
        assert_eq!((stat.state, stat.ppid, stat.cpu_ticks), ('S', 7, 175));
    }

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(is_running(pid));
        assert!(cpu_seconds(pid).is_some());
        assert!(rss_bytes(pid).unwrap() > 0);
        // stdin, stdout and stderr at least.
        assert!(open_fds(pid).unwrap() >= 3);
    }
}
