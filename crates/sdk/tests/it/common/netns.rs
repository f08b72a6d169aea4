//! A client network namespace a test builds for itself (root, `ip` and `nft` from Debian):
//! joined to the test's own namespace by one veth pair on addresses of the test's own, with an
//! nftables firewall that lets the client send only TCP 443 to listed addresses. Tests run in
//! a loopback-only namespace (`unshare -n`), so nothing links either side to any other
//! network. Dropping the guard kills what runs inside and deletes the namespace, so a failing
//! test leaves nothing behind.

use std::process::{Command, Stdio};

/// The test side's address on the veth.
pub(crate) const SERVER_IP: &str = "10.78.0.2";
/// A second test-side address, for coturn.
pub(crate) const TURN_IP: &str = "10.78.0.3";
/// A third, for the cloud proxy's signalling address.
pub(crate) const PROXY_IP: &str = "10.78.0.4";
/// The client side's address.
pub(crate) const CLIENT_IP: &str = "10.78.0.10";

/// The nftables table on this side that forwards the proxy's address to the server.
const FORWARD_TABLE: &str = "chorus_nturn_forward";

/// The client namespace, deleted when dropped.
pub(crate) struct ClientNamespace {
    /// Its name, for `ip netns exec`.
    pub(crate) name: String,
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Whether this process may build namespaces (root, with `ip` and `nft`).
pub(crate) fn can_build() -> bool {
    run("nft", &["--version"]).is_ok()
        && run("ip", &["netns", "add", "chorus-probe-nturn"]).is_ok()
        && run("ip", &["netns", "delete", "chorus-probe-nturn"]).is_ok()
}

impl ClientNamespace {
    /// Builds the client namespace, the veth pair (this side gets the three test-side
    /// addresses), the firewall (the client may send TCP 443 to `allowed` and nothing else)
    /// and, on this side, TCP 443 of [`PROXY_IP`] forwarded to [`SERVER_IP`].
    pub(crate) fn build(allowed: &[&str]) -> Result<ClientNamespace, String> {
        let name = format!("chorus-ncli-{}", std::process::id());
        run("ip", &["netns", "add", &name])?;
        // From here on, dropping the guard cleans up whatever was built.
        let ns = ClientNamespace { name };
        let name = ns.name.as_str();
        run("ip", &["-n", name, "link", "set", "lo", "up"])?;
        run(
            "ip",
            &[
                "link", "add", "vnturn", "type", "veth", "peer", "name", "vc",
            ],
        )?;
        run("ip", &["link", "set", "vc", "netns", name])?;
        for addr in [SERVER_IP, TURN_IP, PROXY_IP] {
            run(
                "ip",
                &["addr", "add", &format!("{addr}/24"), "dev", "vnturn"],
            )?;
        }
        run("ip", &["link", "set", "vnturn", "up"])?;
        let client = format!("{CLIENT_IP}/24");
        run("ip", &["-n", name, "addr", "add", &client, "dev", "vc"])?;
        run("ip", &["-n", name, "link", "set", "vc", "up"])?;
        let rules = format!(
            "table inet chorus_fw {{
  chain output {{
    type filter hook output priority 0; policy accept;
    oif \"lo\" accept
    ct state established,related accept
    ip daddr {{ {} }} tcp dport 443 accept
    meta l4proto tcp reject with tcp reset
    reject
  }}
}}
",
            allowed.join(", ")
        );
        let file = std::env::temp_dir().join(format!("{name}.nft"));
        std::fs::write(&file, rules).map_err(|e| e.to_string())?;
        let file = file.to_string_lossy().into_owned();
        run("ip", &["netns", "exec", name, "nft", "-f", &file])?;
        // The proxy's address forwards TCP 443 to the server's, as a cloud proxy's front does.
        let forward = format!(
            "table ip {FORWARD_TABLE} {{
  chain prerouting {{
    type nat hook prerouting priority -100; policy accept;
    ip daddr {PROXY_IP} tcp dport 443 dnat to {SERVER_IP}:443
  }}
}}
"
        );
        std::fs::write(&file, forward).map_err(|e| e.to_string())?;
        run("nft", &["-f", &file])?;
        let _ = std::fs::remove_file(&file);
        Ok(ns)
    }
}

impl Drop for ClientNamespace {
    fn drop(&mut self) {
        // Processes still inside keep the namespace alive; they are this test's own children.
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = run("kill", &["-9", pid]);
            }
        }
        let _ = run("ip", &["netns", "delete", &self.name]);
        // Deleting the namespace deletes the veth pair; in case it was never moved there:
        let _ = run("ip", &["link", "delete", "vnturn"]);
        let _ = run("nft", &["delete", "table", "ip", FORWARD_TABLE]);
    }
}
