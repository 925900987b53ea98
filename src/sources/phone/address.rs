//! The address a phone pushes to: the URL with its secret, on an address
//! of this computer the phone can reach.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Where the phone reaches this computer: the bind address itself, or for
/// "every address" the first private IPv4 address of a network interface
/// that is up (loopback last, if there is nothing else).
pub fn reachable_ip(bind: IpAddr) -> IpAddr {
    if !bind.is_unspecified() {
        return bind;
    }
    let addrs = if_addrs::get_if_addrs().unwrap_or_default();
    let v4: Vec<Ipv4Addr> = addrs
        .iter()
        .filter(|a| !a.is_loopback())
        .filter_map(|a| match a.ip() {
            IpAddr::V4(ip) => Some(ip),
            IpAddr::V6(_) => None,
        })
        .collect();
    v4.iter()
        .find(|ip| ip.is_private())
        .or(v4.first())
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |ip| IpAddr::V4(*ip))
}

/// The URL a phone pushes to, for a listener bound to `bind`.
pub fn push_url(bind: SocketAddr, secret: &str) -> String {
    let ip = reachable_ip(bind.ip());
    let host = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    format!("http://{host}:{}/push/{secret}", bind.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_on_the_bind_address_when_one_is_given() {
        let s: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        assert_eq!(push_url(s, "ab12"), "http://127.0.0.1:9000/push/ab12");
        // Every address: one the phone can reach, never "0.0.0.0".
        let any = push_url("0.0.0.0:8642".parse().unwrap(), "x");
        assert!(!any.contains("0.0.0.0"), "{any}");
    }
}
