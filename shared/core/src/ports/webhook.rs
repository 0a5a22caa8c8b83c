//! Webhook port: resolving a receiver's host and posting a signed event to it.
//!
//! The core decides where a webhook may go ([`AddressPolicy`]) on the addresses the resolver
//! gives, and the transport must connect to exactly those addresses (no second lookup that a
//! DNS rebinding could answer differently) and must not follow redirects.

use async_trait::async_trait;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Why a webhook request could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The host name does not resolve.
    #[error("the host does not resolve: {0}")]
    Unresolvable(String),
    /// No connection, a timeout, or a broken answer.
    #[error("{0}")]
    Failed(String),
}

/// One signed POST to a receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The receiver's URL (http or https).
    pub url: String,
    /// The addresses the host resolved to and that were allowed: connect to these only.
    pub addresses: Vec<SocketAddr>,
    /// Headers to send (signature, timestamp, event, delivery id).
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: String,
    /// Give up after this long.
    pub timeout: Duration,
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    /// The HTTP status.
    pub status: u16,
    /// The start of the answer's body (at most 1 KiB), for the delivery log.
    pub body_excerpt: String,
}

/// Resolves host names (a port so tests and the API can use the system resolver or a fake).
#[async_trait]
pub trait HostResolver: Send + Sync {
    /// The addresses `host` resolves to (an IP literal resolves to itself).
    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, TransportError>;
}

/// Posts webhook requests.
#[async_trait]
pub trait WebhookTransport: HostResolver {
    /// Sends `request` to one of its addresses; any HTTP answer is `Ok`, whatever its status.
    async fn post(&self, request: &WebhookRequest) -> Result<WebhookResponse, TransportError>;
}

/// The operating system's resolver (through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

#[async_trait]
impl HostResolver for SystemResolver {
    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, TransportError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let found = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| TransportError::Unresolvable(format!("{host}: {e}")))?
            .collect::<Vec<_>>();
        if found.is_empty() {
            return Err(TransportError::Unresolvable(host.to_owned()));
        }
        Ok(found)
    }
}

/// Which receiver addresses webhooks may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressPolicy {
    /// Allow private, loopback, link-local and unique-local addresses
    /// (`MARKETDESK_WEBHOOKS_ALLOW_PRIVATE=true`: local setups and tests).
    pub allow_private: bool,
}

impl AddressPolicy {
    /// Whether a webhook may be sent to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }
}

/// Whether `ip` is a public unicast address: not private, loopback, link-local,
/// unique-local, unspecified, multicast, broadcast, shared (CGNAT), documentation or
/// otherwise reserved; IPv4-mapped and NAT64 IPv6 addresses are judged by their IPv4 part.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // 64:ff9b::/96 (NAT64) carries an IPv4 address in its last 32 bits.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let v4 =
                    Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return is_public_v4(v4);
            }
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || v6 == Ipv6Addr::from([0u8; 16])
                || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0))
            // IPv4-compatible, deprecated
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_unique_local_addresses_are_not_public() {
        for private in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "64:ff9b::a9fe:a9fe",
            "ff02::1",
        ] {
            let ip: IpAddr = private.parse().expect("ip");
            assert!(!is_public(ip), "{private}");
            assert!(!AddressPolicy::default().allows(ip), "{private}");
            assert!(
                AddressPolicy {
                    allow_private: true
                }
                .allows(ip),
                "{private}"
            );
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2a00:1450:4001:82b::200e",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
    }
}
