//! Which proxy a request goes through, by Go's `ProxyFromEnvironment` rules: `HTTPS_PROXY`
//! for https, `HTTP_PROXY` for http, `NO_PROXY` exceptions, and never for `localhost` or a
//! loopback address. In a CGI environment (`REQUEST_METHOD` set) an `http://` request with
//! `HTTP_PROXY` set is refused, as Go does ("httpoxy": a client's `Proxy:` header becomes
//! `HTTP_PROXY` there).

use std::net::IpAddr;

/// The proxy settings read from the environment.
#[derive(Clone, Debug, Default)]
pub struct ProxySettings {
    http: Option<String>,
    https: Option<String>,
    no_proxy: Vec<String>,
    /// `REQUEST_METHOD` is non-empty: this runs as a CGI script.
    cgi: bool,
}

/// Go's words for an `http://` request with `HTTP_PROXY` set in a CGI environment.
pub const CGI_PROXY_REFUSED: &str =
    "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy";

impl ProxySettings {
    /// Reads the variables through `var` (the environment, or a snapshot of it).
    pub fn from_vars<'a>(var: impl Fn(&str) -> Option<&'a str>) -> ProxySettings {
        let any = |names: [&str; 2]| {
            names
                .iter()
                .find_map(|n| var(n).filter(|v| !v.is_empty()))
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
            cgi: var("REQUEST_METHOD").is_some_and(|v| !v.is_empty()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The proxy URL for a request URL, or `None` to connect directly.
    pub fn proxy_for(&self, url: &reqwest::Url) -> Option<String> {
        let proxy = self.configured_for(url)?;
        if proxy.contains("://") {
            Some(proxy.clone())
        } else {
            Some(format!("http://{proxy}"))
        }
    }

    /// Refuses a request whose proxy URL cannot be used (reqwest would silently connect
    /// directly instead). The message shows the proxy as configured, without its password
    /// ("Messages"), cut at 200 characters.
    pub fn check(&self, url: &reqwest::Url) -> Result<(), String> {
        // "httpoxy": whatever the host, loopback included.
        if self.cgi && url.scheme() == "http" && self.http.is_some() {
            return Err(CGI_PROXY_REFUSED.to_string());
        }
        let (Some(configured), Some(proxy)) = (self.configured_for(url), self.proxy_for(url))
        else {
            return Ok(());
        };
        let problem = match reqwest::Url::parse(&proxy) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
                return Ok(());
            }
            Ok(_) => "the scheme must be http or https".to_string(),
            Err(e) => e.to_string(),
        };
        let shown = crate::transport::redact::without_password(configured);
        Err(format!(
            "invalid proxy URL {}: {problem}",
            crate::support::quote::go_quote(&crate::support::quote::shorten(&shown))
        ))
    }

    /// The host of the proxy a request URL goes through, if any (for "cannot resolve proxy
    /// host"), cut at 200 characters.
    pub fn proxy_host_for(&self, url: &reqwest::Url) -> Option<String> {
        let proxy = reqwest::Url::parse(&self.proxy_for(url)?).ok()?;
        let host = proxy.host_str()?;
        Some(crate::support::quote::shorten(host).into_owned())
    }

    /// The configured proxy (as given) that applies to a request URL.
    fn configured_for(&self, url: &reqwest::Url) -> Option<&String> {
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
        Some(proxy)
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
        {
            let env = crate::config::Env::from_pairs(env.iter().copied());
            ProxySettings::from_vars(|name| env.get(name))
        }
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

    #[test]
    fn a_cgi_environment_refuses_http_proxy_for_http_only() {
        let check = |env: &[(&str, &str)], url: &str| {
            let env = crate::config::Env::from_pairs(env.iter().copied());
            ProxySettings::from_vars(|name| env.get(name)).check(&url.parse().unwrap())
        };
        let refused = Err(CGI_PROXY_REFUSED.to_string());
        let cgi = [("REQUEST_METHOD", "GET"), ("http_proxy", "proxy:1")];
        assert_eq!(check(&cgi, "http://127.0.0.1:8080/"), refused);
        assert_eq!(check(&cgi, "http://cloud.mongodb.com/"), refused);
        assert_eq!(check(&cgi, "https://cloud.mongodb.com/"), Ok(()));
        assert_eq!(check(&cgi[1..], "http://cloud.mongodb.com/"), Ok(()));
        let empty = [("REQUEST_METHOD", ""), ("HTTP_PROXY", "proxy:1")];
        assert_eq!(check(&empty, "http://cloud.mongodb.com/"), Ok(()));
    }

    #[test]
    fn unusable_proxies_are_refused_without_showing_a_password() {
        let check = |env: &[(&str, &str)], url: &str| {
            {
                let env = crate::config::Env::from_pairs(env.iter().copied());
                ProxySettings::from_vars(|name| env.get(name))
            }
            .check(&url.parse().unwrap())
        };
        let bad = [("HTTPS_PROXY", "http://user:PASSWORD@proxy:99999")];
        assert_eq!(
            check(&bad, "https://cloud.mongodb.com/"),
            Err("invalid proxy URL \"http://user@proxy:99999\": invalid port number".into())
        );
        assert_eq!(check(&bad, "http://cloud.mongodb.com/"), Ok(()));
        assert_eq!(check(&bad, "https://127.0.0.1:1/"), Ok(()));
        let socks = [("HTTPS_PROXY", "socks5://u:PASSWORD@proxy:1080")];
        assert_eq!(
            check(&socks, "https://cloud.mongodb.com/"),
            Err(
                "invalid proxy URL \"socks5://u@proxy:1080\": the scheme must be http or https"
                    .into()
            )
        );
        let fine = [("HTTPS_PROXY", "user:PASSWORD@proxy:3128")];
        assert_eq!(check(&fine, "https://cloud.mongodb.com/"), Ok(()));
    }
}
