//! Which proxy a request goes through, by Go's `ProxyFromEnvironment` rules: `HTTPS_PROXY`
//! for https, `HTTP_PROXY` for http, `NO_PROXY` exceptions, and never for `localhost` or a
//! loopback address.

use std::net::IpAddr;

use crate::config::Env;

/// The proxy settings read from the environment.
#[derive(Clone, Debug, Default)]
pub struct ProxySettings {
    http: Option<String>,
    https: Option<String>,
    no_proxy: Vec<String>,
}

impl ProxySettings {
    pub fn from_env(env: &Env) -> ProxySettings {
        let any = |names: [&str; 2]| {
            names
                .iter()
                .find_map(|n| env.get(n).filter(|v| !v.is_empty()))
                .map(str::to_string)
        };
        ProxySettings {
            http: any(["HTTP_PROXY", "http_proxy"]),
            https: any(["HTTPS_PROXY", "https_proxy"]),
            no_proxy: any(["NO_PROXY", "no_proxy"])
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The proxy URL for a request URL, or `None` to connect directly.
    pub fn proxy_for(&self, url: &reqwest::Url) -> Option<String> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref()?,
            "http" => self.http.as_ref()?,
            _ => return None,
        };
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = url.port_or_known_default();
        if !self.use_proxy(&host.to_ascii_lowercase(), port) {
            return None;
        }
        if proxy.contains("://") {
            Some(proxy.clone())
        } else {
            Some(format!("http://{proxy}"))
        }
    }

    fn use_proxy(&self, host: &str, port: Option<u16>) -> bool {
        if host == "localhost" {
            return false;
        }
        let ip = host.parse::<IpAddr>().ok();
        if ip.is_some_and(|ip| ip.is_loopback()) {
            return false;
        }
        !self
            .no_proxy
            .iter()
            .any(|entry| no_proxy_matches(entry, host, ip, port))
    }
}

/// One `NO_PROXY` entry against a host: `*`, an IP, a CIDR, or a domain (with optional port).
fn no_proxy_matches(entry: &str, host: &str, ip: Option<IpAddr>, port: Option<u16>) -> bool {
    if entry == "*" {
        return true;
    }
    if let Some((net, bits)) = entry.split_once('/') {
        return match (net.parse::<IpAddr>(), bits.parse::<u8>(), ip) {
            (Ok(net), Ok(bits), Some(ip)) => in_cidr(ip, net, bits),
            _ => false,
        };
    }
    if let Ok(entry_ip) = entry
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return ip == Some(entry_ip);
    }
    let (domain, entry_port) = match entry.rsplit_once(':') {
        Some((d, p)) if p.chars().all(|c| c.is_ascii_digit()) => (d, p.parse::<u16>().ok()),
        _ => (entry, None),
    };
    if entry_port.is_some() && entry_port != port {
        return false;
    }
    match domain.strip_prefix('.') {
        Some(suffix) => host.ends_with(&format!(".{suffix}")),
        None => host == domain || host.ends_with(&format!(".{domain}")),
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(env: &[(&str, &str)], url: &str) -> Option<String> {
        ProxySettings::from_env(&Env::from_pairs(env.iter().copied()))
            .proxy_for(&url.parse().unwrap())
    }

    #[test]
    fn follows_go_proxy_rules() {
        let env: &[(&str, &str)] = &[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("http_proxy", "proxy:8080"),
            (
                "NO_PROXY",
                "internal.example, .corp, 10.0.0.0/8, 192.0.2.7, special:9443",
            ),
        ];
        let cases: &[(&str, Option<&str>)] = &[
            ("https://cloud.mongodb.com/", Some("http://proxy:3128")),
            ("http://cloud.mongodb.com/", Some("http://proxy:8080")),
            ("http://localhost:8080/", None),
            ("http://127.0.0.1:8080/", None),
            ("http://127.8.9.10/", None),
            ("http://[::1]:8080/", None),
            ("https://internal.example/", None),
            ("https://api.internal.example/", None),
            ("https://notinternal.example/", Some("http://proxy:3128")),
            ("https://corp/", Some("http://proxy:3128")),
            ("https://x.corp/", None),
            ("https://10.1.2.3/", None),
            ("https://11.1.2.3/", Some("http://proxy:3128")),
            ("https://192.0.2.7/", None),
            ("https://special:9443/", None),
            ("https://special/", Some("http://proxy:3128")),
        ];
        for (url, want) in cases {
            assert_eq!(proxy(env, url).as_deref(), *want, "{url}");
        }
        assert_eq!(
            proxy(&[("NO_PROXY", "*"), ("HTTPS_PROXY", "p:1")], "https://x/"),
            None
        );
        assert_eq!(proxy(&[], "https://x/"), None);
    }
}
