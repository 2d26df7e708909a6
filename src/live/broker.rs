//! Where the broker is and how to reach it: `mqtt://HOST[:PORT]` (plain TCP, default port 1883)
//! or `mqtts://HOST[:PORT]` (TLS via rustls, default port 8883, the CA bundle given or the
//! system's), with optional username and password; and the rumqttc options for one client.

use std::time::Duration;

use rumqttc::{MqttOptions, Transport};

/// A parsed `--broker` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerUrl {
    /// Whether to use TLS (`mqtts://`).
    pub tls: bool,
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl BrokerUrl {
    /// Parses `mqtt://HOST[:PORT]` or `mqtts://HOST[:PORT]`; the error says what was wrong.
    pub fn parse(text: &str) -> Result<BrokerUrl, String> {
        let (tls, rest) = if let Some(r) = text.strip_prefix("mqtt://").or_else(|| text.strip_prefix("tcp://")) {
            (false, r)
        } else if let Some(r) = text.strip_prefix("mqtts://").or_else(|| text.strip_prefix("ssl://")) {
            (true, r)
        } else {
            return Err(format!("\"{text}\" is not an MQTT URL: expected mqtt://HOST:PORT or mqtts://HOST:PORT"));
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') || rest.contains('@') || rest.contains('?') {
            return Err(format!(
                "\"{text}\": only a host and a port are allowed (give credentials with --username/--password)"
            ));
        }
        let (host, port) = match rest.rsplit_once(':') {
            // IPv6 literals come bracketed: [::1]:1883.
            Some((h, p)) if !h.ends_with(':') => {
                let port: u16 =
                    p.parse().map_err(|_| format!("\"{text}\": port \"{p}\" is not a number in 1..65535"))?;
                if port == 0 {
                    return Err(format!("\"{text}\": port 0 is not a port to connect to"));
                }
                (h, port)
            }
            _ => (rest, if tls { 8883 } else { 1883 }),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("\"{text}\": the host is missing"));
        }
        Ok(BrokerUrl { tls, host: host.to_string(), port })
    }
}

impl std::fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", if self.tls { "mqtts" } else { "mqtt" }, self.host, self.port)
    }
}

/// How the clients connect.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The broker.
    pub url: BrokerUrl,
    /// Username, if the broker wants one.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// PEM CA bundle for `mqtts://` (default: the system's bundle).
    pub ca_pem: Option<Vec<u8>>,
}

impl Connection {
    /// The options of one client called `id`, with `inflight` unacknowledged QoS 1 publishes
    /// at most; the error (TLS without any CA bundle) says what to do.
    pub fn options(&self, id: &str, inflight: u16) -> Result<MqttOptions, String> {
        let mut o = MqttOptions::new(id, self.url.host.clone(), self.url.port);
        o.set_keep_alive(Duration::from_secs(5));
        o.set_clean_session(true);
        o.set_inflight(inflight.max(1));
        o.set_max_packet_size(1 << 20, 1 << 20);
        if let Some(u) = &self.username {
            o.set_credentials(u.clone(), self.password.clone().unwrap_or_default());
        }
        if self.url.tls {
            let ca = match &self.ca_pem {
                Some(ca) => ca.clone(),
                None => system_ca().ok_or_else(|| {
                    "mqtts:// needs a CA bundle and none was found in SSL_CERT_FILE or /etc/ssl/certs; give one \
                     with --ca FILE.pem"
                        .to_string()
                })?,
            };
            o.set_transport(Transport::tls(ca, None, None));
        }
        Ok(o)
    }
}

fn system_ca() -> Option<Vec<u8>> {
    let mut candidates: Vec<String> = std::env::var("SSL_CERT_FILE").into_iter().collect();
    candidates.extend(
        ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]
            .map(String::from),
    );
    candidates.iter().find_map(|p| std::fs::read(p).ok().filter(|b| !b.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle: the URL grammar, default ports per scheme, and clear errors.
    #[test]
    fn parses_broker_urls() {
        let u = BrokerUrl::parse("mqtt://127.0.0.1:1884").unwrap();
        assert_eq!((u.tls, u.host.as_str(), u.port), (false, "127.0.0.1", 1884));
        assert_eq!(BrokerUrl::parse("mqtts://broker.example").unwrap().port, 8883);
        assert_eq!(BrokerUrl::parse("mqtt://[::1]:1883").unwrap().host, "::1");
        assert!(BrokerUrl::parse("http://x").unwrap_err().contains("not an MQTT URL"));
        assert!(BrokerUrl::parse("mqtt://x:99999").unwrap_err().contains("port"));
        assert!(BrokerUrl::parse("mqtt://:1883").unwrap_err().contains("host"));
        assert!(BrokerUrl::parse("mqtt://u:p@x").unwrap_err().contains("--username"));
    }
}
