//! Failed-authentication throttling per client address.
//!
//! Each address has a budget of [`AuthThrottle::burst`] wrong keys that refills by one every
//! [`AuthThrottle::refill`] (a GCRA "debt": every failure adds one refill interval; the address
//! is refused while its debt exceeds `burst - 1` intervals). A refused address gets 429 with
//! `Retry-After` for every request that needs a key, before the key is even looked up: no
//! guessing continues and no store reads are spent on it. Requests with a good key neither
//! count nor wait, as long as their address is not refused.
//!
//! The table lives in the process (one per `marketdesk serve`, one per Lambda instance) and
//! holds at most [`AuthThrottle::capacity`] addresses: entries whose debt is paid are swept
//! when it is full, and if it is still full an arbitrary entry gives way. IPv6 addresses are
//! grouped by /64, the block one client usually has.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The client's address, put into the request's extensions by whatever serves the router
/// (the Lambda function from API Gateway's `sourceIp`). Without it, axum's
/// `ConnectInfo<SocketAddr>` is used; without either, every request counts as one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The per-address limiter of failed authentications.
#[derive(Debug)]
pub struct AuthThrottle {
    burst: u32,
    refill: Duration,
    capacity: usize,
    table: Mutex<Table>,
}

#[derive(Debug)]
struct Table {
    /// Per address: when its debt is paid off.
    debts: HashMap<IpAddr, Instant>,
    /// When paid-off entries were last swept.
    swept: Option<Instant>,
}

impl Default for AuthThrottle {
    /// 10 wrong keys at once, then one more every 6 seconds (10 a minute); 10 000 addresses.
    fn default() -> Self {
        Self::new(10, Duration::from_secs(6), 10_000)
    }
}

/// The key an address is counted under: IPv4 as is (also when mapped into IPv6), IPv6 by /64.
fn bucket(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl AuthThrottle {
    /// `burst` failures allowed at once (at least 1), one more per `refill`, at most `capacity`
    /// addresses remembered (at least 1).
    pub fn new(burst: u32, refill: Duration, capacity: usize) -> Self {
        Self {
            burst: burst.max(1),
            refill,
            capacity: capacity.max(1),
            table: Mutex::new(Table {
                debts: HashMap::new(),
                swept: None,
            }),
        }
    }

    /// Failures allowed at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Time after which one more failure is allowed.
    pub fn refill(&self) -> Duration {
        self.refill
    }

    /// Most addresses remembered.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        // The table holds plain data; a panic elsewhere cannot leave it inconsistent.
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The debt an address may carry and still be heard.
    fn allowance(&self) -> Duration {
        self.refill * (self.burst - 1)
    }

    /// `Err(wait)` while `addr` is refused at `now`: it may try again after `wait`.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        let table = self.lock();
        let Some(paid_at) = table.debts.get(&bucket(addr)) else {
            return Ok(());
        };
        let debt = paid_at.saturating_duration_since(now);
        if debt > self.allowance() {
            Err(debt - self.allowance())
        } else {
            Ok(())
        }
    }

    /// Counts one failed authentication of `addr` at `now`.
    pub fn record_failure(&self, addr: IpAddr, now: Instant) {
        let key = bucket(addr);
        let mut table = self.lock();
        if !table.debts.contains_key(&key) && table.debts.len() >= self.capacity {
            self.make_room(&mut table, now);
        }
        let paid_at = table.debts.entry(key).or_insert(now);
        *paid_at = (*paid_at).max(now) + self.refill;
    }

    /// Addresses remembered now (paid-off ones included until the next sweep).
    pub fn len(&self) -> usize {
        self.lock().debts.len()
    }

    /// Whether no address is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frees one entry at least: sweeps paid-off debts (at most once a second, as a sweep reads
    /// the whole table), else drops an arbitrary entry.
    fn make_room(&self, table: &mut Table, now: Instant) {
        let sweep_due = table
            .swept
            .is_none_or(|last| now.saturating_duration_since(last) >= Duration::from_secs(1));
        if sweep_due {
            table.debts.retain(|_, paid_at| *paid_at > now);
            table.swept = Some(now);
        }
        if table.debts.len() >= self.capacity {
            if let Some(any) = table.debts.keys().next().copied() {
                table.debts.remove(&any);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn a_burst_is_allowed_then_one_failure_per_refill() {
        let throttle = AuthThrottle::new(3, Duration::from_secs(6), 100);
        let t0 = Instant::now();
        let a = ip("203.0.113.7");
        for _ in 0..3 {
            assert_eq!(throttle.check(a, t0), Ok(()));
            throttle.record_failure(a, t0);
        }
        assert_eq!(throttle.check(a, t0), Err(Duration::from_secs(6)));
        assert_eq!(
            throttle.check(a, t0 + Duration::from_secs(4)),
            Err(Duration::from_secs(2))
        );
        let later = t0 + Duration::from_secs(6);
        assert_eq!(throttle.check(a, later), Ok(()), "one more after a refill");
        throttle.record_failure(a, later);
        assert!(throttle.check(a, later).is_err());
        assert_eq!(
            throttle.check(a, later + Duration::from_secs(18)),
            Ok(()),
            "the whole budget is back after burst × refill"
        );
        // Other addresses are not affected.
        assert_eq!(throttle.check(ip("203.0.113.8"), t0), Ok(()));
    }

    #[test]
    fn ipv6_clients_count_by_64_block_and_mapped_ipv4_as_ipv4() {
        let throttle = AuthThrottle::new(1, Duration::from_secs(60), 100);
        let now = Instant::now();
        throttle.record_failure(ip("2001:db8:1:2::1"), now);
        assert!(throttle.check(ip("2001:db8:1:2:ffff::9"), now).is_err());
        assert!(throttle.check(ip("2001:db8:1:3::1"), now).is_ok());
        throttle.record_failure(ip("::ffff:198.51.100.4"), now);
        assert!(throttle.check(ip("198.51.100.4"), now).is_err());
    }

    #[test]
    fn the_table_stays_within_its_capacity() {
        let throttle = AuthThrottle::new(2, Duration::from_secs(1), 50);
        let t0 = Instant::now();
        for i in 0..200u32 {
            throttle.record_failure(IpAddr::from(i.to_be_bytes()), t0);
        }
        assert!(throttle.len() <= 50, "{}", throttle.len());
        // Paid-off entries are swept first, so an active offender is kept.
        let later = t0 + Duration::from_secs(5);
        let offender = ip("192.0.2.1");
        throttle.record_failure(offender, later);
        throttle.record_failure(offender, later);
        assert!(throttle.check(offender, later).is_err());
        assert_eq!(throttle.len(), 1, "the paid-off entries were swept");
        for i in 0..20u32 {
            throttle.record_failure(IpAddr::from((i + 1000).to_be_bytes()), later);
        }
        assert!(throttle.check(offender, later).is_err());
    }
}
