//! A `metrics` recorder that writes CloudWatch Embedded Metric Format (EMF): the functions
//! count into memory and, after each invocation, print one JSON line per label set to stdout;
//! CloudWatch Logs turns those lines into metrics (no API call, no extra permission).
//!
//! Each line's metrics get two dimension sets: their labels, and none (`[]`), so a dashboard
//! can split by channel and an alarm can watch the total. Counters report what was added since
//! the last flush, gauges their last value if set since, histograms every value recorded.

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Namespace of the metrics (the template sets `marketdesk/<stack name>`).
pub const NAMESPACE_VAR: &str = "MARKETDESK_METRICS_NAMESPACE";
/// Namespace when the variable is unset.
pub const DEFAULT_NAMESPACE: &str = "marketdesk";
/// EMF takes at most 100 values per metric in one line.
const MAX_VALUES: usize = 100;

#[derive(Default)]
struct CounterCell(AtomicU64);

impl CounterFn for CounterCell {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct GaugeCell {
    bits: AtomicU64,
    set: AtomicBool,
}

impl GaugeCell {
    fn update(&self, change: impl Fn(f64) -> f64) {
        let mut current = self.bits.load(Ordering::Relaxed);
        loop {
            let next = change(f64::from_bits(current)).to_bits();
            match self.bits.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        self.set.store(true, Ordering::Relaxed);
    }
}

impl GaugeFn for GaugeCell {
    fn increment(&self, value: f64) {
        self.update(|v| v + value);
    }
    fn decrement(&self, value: f64) {
        self.update(|v| v - value);
    }
    fn set(&self, value: f64) {
        self.update(|_| value);
    }
}

#[derive(Default)]
struct HistogramCell(Mutex<Vec<f64>>);

impl HistogramFn for HistogramCell {
    fn record(&self, value: f64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(value);
    }
}

/// A series' labels as sorted (key, value) pairs: one EMF line per distinct set.
type Labels = Vec<(String, String)>;

#[derive(Default)]
struct Registry {
    units: HashMap<String, Unit>,
    counters: HashMap<Key, Arc<CounterCell>>,
    gauges: HashMap<Key, Arc<GaugeCell>>,
    histograms: HashMap<Key, Arc<HistogramCell>>,
}

/// The EMF recorder: install it once per process, flush after each invocation.
#[derive(Clone)]
pub struct EmfRecorder {
    namespace: String,
    registry: Arc<Mutex<Registry>>,
}

impl EmfRecorder {
    /// A recorder writing into `namespace`.
    pub fn new(namespace: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            registry: Arc::default(),
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn describe(&self, key: KeyName, unit: Option<Unit>) {
        if let Some(unit) = unit {
            self.registry().units.insert(key.as_str().to_owned(), unit);
        }
    }

    /// The EMF lines for what was recorded since the last call (`timestamp_ms`: Unix time in
    /// milliseconds), and resets counters, gauges and histograms. Empty when nothing happened.
    pub fn drain(&self, timestamp_ms: i64) -> Vec<String> {
        let mut groups: BTreeMap<Labels, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        let registry = self.registry();
        let mut add = |key: &Key, values: Vec<f64>| {
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            labels.sort();
            groups
                .entry(labels)
                .or_default()
                .entry(key.name().to_owned())
                .or_default()
                .extend(values);
        };
        for (key, cell) in &registry.counters {
            let count = cell.0.swap(0, Ordering::Relaxed);
            if count > 0 {
                add(key, vec![count as f64]);
            }
        }
        for (key, cell) in &registry.gauges {
            if cell.set.swap(false, Ordering::Relaxed) {
                add(key, vec![f64::from_bits(cell.bits.load(Ordering::Relaxed))]);
            }
        }
        for (key, cell) in &registry.histograms {
            let values =
                std::mem::take(&mut *cell.0.lock().unwrap_or_else(PoisonError::into_inner));
            if !values.is_empty() {
                add(key, values);
            }
        }
        let mut lines = Vec::new();
        for (labels, metrics) in groups {
            // Metrics with more than 100 values continue on further lines.
            let mut rest: Vec<(String, Vec<f64>)> = metrics.into_iter().collect();
            while !rest.is_empty() {
                let mut line = Map::new();
                let mut definitions = Vec::new();
                for (name, values) in &mut rest {
                    let take = values.len().min(MAX_VALUES);
                    let chunk: Vec<f64> = values.drain(..take).collect();
                    let unit = registry
                        .units
                        .get(name.as_str())
                        .map_or("None", cloudwatch_unit);
                    definitions.push(json!({"Name": name, "Unit": unit}));
                    let value = match chunk.as_slice() {
                        [one] => json!(one),
                        many => json!(many),
                    };
                    line.insert(name.clone(), value);
                }
                rest.retain(|(_, values)| !values.is_empty());
                let names: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
                let dimensions = if names.is_empty() {
                    json!([[]])
                } else {
                    json!([names, []])
                };
                for (key, value) in &labels {
                    line.insert(key.clone(), Value::String(value.clone()));
                }
                line.insert(
                    "_aws".into(),
                    json!({
                        "Timestamp": timestamp_ms,
                        "CloudWatchMetrics": [{
                            "Namespace": self.namespace,
                            "Dimensions": dimensions,
                            "Metrics": definitions,
                        }],
                    }),
                );
                lines.push(Value::Object(line).to_string());
            }
        }
        lines
    }
}

/// CloudWatch's name of a unit (`None` for those it lacks).
fn cloudwatch_unit(unit: &Unit) -> &'static str {
    match unit {
        Unit::Count => "Count",
        Unit::Percent => "Percent",
        Unit::Seconds => "Seconds",
        Unit::Milliseconds => "Milliseconds",
        Unit::Microseconds => "Microseconds",
        Unit::Bytes => "Bytes",
        Unit::BitsPerSecond => "Bits/Second",
        Unit::CountPerSecond => "Count/Second",
        _ => "None",
    }
}

impl Recorder for EmfRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.describe(key, unit);
    }
    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.describe(key, unit);
    }
    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.describe(key, unit);
    }
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let cell = self
            .registry()
            .counters
            .entry(key.clone())
            .or_default()
            .clone();
        Counter::from_arc(cell)
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        let cell = self
            .registry()
            .gauges
            .entry(key.clone())
            .or_default()
            .clone();
        Gauge::from_arc(cell)
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let cell = self
            .registry()
            .histograms
            .entry(key.clone())
            .or_default()
            .clone();
        Histogram::from_arc(cell)
    }
}

static RECORDER: OnceLock<EmfRecorder> = OnceLock::new();

/// Installs the EMF recorder as the process's recorder (namespace from
/// `MARKETDESK_METRICS_NAMESPACE`) and describes marketdesk's metrics. Once per process.
pub fn install() {
    RECORDER.get_or_init(|| {
        let namespace = std::env::var(NAMESPACE_VAR)
            .ok()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        let recorder = EmfRecorder::new(namespace);
        if metrics::set_global_recorder(recorder.clone()).is_err() {
            tracing::warn!("another metrics recorder was installed first; no EMF metrics");
        }
        marketdesk_core::metrics::describe();
        recorder
    });
}

/// Writes what was recorded since the last flush to stdout, one EMF line each.
pub fn flush() {
    let Some(recorder) = RECORDER.get() else {
        return;
    };
    let lines = recorder.drain(chrono::Utc::now().timestamp_millis());
    if lines.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    for line in lines {
        // Lost metrics must not fail the invocation.
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}

/// Runs one invocation, then flushes its metrics.
pub async fn flushing<T>(invocation: impl std::future::Future<Output = T>) -> T {
    let output = invocation.await;
    flush();
    output
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::Channel;
    use marketdesk_core::ports::MarketplaceError;
    use std::time::Duration;

    fn lines(recorder: &EmfRecorder) -> Vec<Value> {
        recorder
            .drain(1_700_000_000_000)
            .iter()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    }

    fn line_with<'a>(lines: &'a [Value], metric: &str) -> &'a Value {
        lines
            .iter()
            .find(|line| line.get(metric).is_some())
            .unwrap_or_else(|| panic!("no line with {metric}: {lines:?}"))
    }

    #[test]
    fn services_metrics_come_out_as_embedded_metric_format() {
        let recorder = EmfRecorder::new("marketdesk/test-stack");
        metrics::with_local_recorder(&recorder, || {
            marketdesk_core::metrics::describe();
            marketdesk_core::metrics::ingested(Channel::EmpikThreads, true, 3);
            marketdesk_core::metrics::ingested(Channel::EmpikThreads, false, 1);
            marketdesk_core::metrics::reply_failed();
            marketdesk_core::metrics::marketplace_error(
                Channel::AllegroIssues,
                &MarketplaceError::RateLimited {
                    retry_after: Duration::from_secs(60),
                },
            );
            marketdesk_core::metrics::poll_lag(Channel::AllegroMessaging, Duration::from_secs(42));
            for _ in 0..150 {
                marketdesk_core::metrics::queue_age("inbound", Duration::from_millis(1500));
            }
        });
        let lines = lines(&recorder);

        let ingest = line_with(&lines, "marketdesk_tickets_created_total");
        assert_eq!(ingest["channel"], "empik_threads");
        assert_eq!(ingest["marketdesk_conversations_ingested_total"], 2.0);
        assert_eq!(ingest["marketdesk_messages_ingested_total"], 4.0);
        assert_eq!(ingest["marketdesk_tickets_created_total"], 1.0);
        let directive = &ingest["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(ingest["_aws"]["Timestamp"], 1_700_000_000_000_i64);
        assert_eq!(directive["Namespace"], "marketdesk/test-stack");
        assert_eq!(directive["Dimensions"], json!([["channel"], []]));
        let mut defined: Vec<&str> = directive["Metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .map(|m| {
                assert_eq!(m["Unit"], "Count");
                m["Name"].as_str().expect("name")
            })
            .collect();
        defined.sort_unstable();
        assert_eq!(
            defined,
            [
                "marketdesk_conversations_ingested_total",
                "marketdesk_messages_ingested_total",
                "marketdesk_tickets_created_total"
            ]
        );

        let failed = line_with(&lines, "marketdesk_replies_failed_total");
        assert_eq!(
            failed["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );

        let limited = line_with(&lines, "marketdesk_marketplace_rate_limited_total");
        assert_eq!(limited["marketplace"], "allegro");
        assert_eq!(
            limited["marketdesk_marketplace_blocked_seconds_total"],
            60.0
        );
        let blocked_unit = limited["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["Name"] == "marketdesk_marketplace_blocked_seconds_total")
            .expect("blocked seconds defined")["Unit"]
            .clone();
        assert_eq!(blocked_unit, "Seconds");
        let errors = line_with(&lines, "marketdesk_marketplace_errors_total");
        assert_eq!(errors["kind"], "rate_limited");
        assert_eq!(
            errors["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["kind", "marketplace"], []])
        );

        let lag = line_with(&lines, "marketdesk_poll_lag_seconds");
        assert_eq!(lag["channel"], "allegro_messaging");
        assert_eq!(lag["marketdesk_poll_lag_seconds"], 42.0);

        // 150 queue ages: 100 values on one line, 50 on the next (EMF's limit per metric).
        let ages: Vec<usize> = lines
            .iter()
            .filter_map(|line| line["marketdesk_queue_age_seconds"].as_array())
            .map(Vec::len)
            .collect();
        assert_eq!(ages, [100, 50]);
    }

    #[test]
    fn a_flush_reports_only_what_happened_since_the_last() {
        let recorder = EmfRecorder::new("marketdesk");
        metrics::with_local_recorder(&recorder, || {
            marketdesk_core::metrics::reply_sent(true);
            marketdesk_core::metrics::integrations_disconnected(2);
        });
        let first = lines(&recorder);
        let sent = line_with(&first, "marketdesk_replies_sent_total");
        assert_eq!(sent["marketdesk_replies_sent_total"], 1.0);
        assert_eq!(sent["marketdesk_autoresponses_sent_total"], 1.0);
        assert_eq!(sent["marketdesk_integrations_disconnected"], 2.0);
        // Undescribed metrics have no unit.
        assert!(sent["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .all(|m| m["Unit"] == "None"));
        assert!(recorder.drain(0).is_empty(), "nothing new: no line");
        metrics::with_local_recorder(&recorder, || marketdesk_core::metrics::reply_sent(false));
        let second = lines(&recorder);
        let sent = line_with(&second, "marketdesk_replies_sent_total");
        assert_eq!(sent["marketdesk_replies_sent_total"], 1.0);
        assert!(sent.get("marketdesk_autoresponses_sent_total").is_none());
        assert!(sent.get("marketdesk_integrations_disconnected").is_none());
    }
}
