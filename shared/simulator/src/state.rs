//! The simulator's whole state behind one lock (it is a test fixture: simplicity beats
//! concurrency).

use crate::allegro::AllegroWorld;
use crate::clock::SimClock;
use crate::config::SimulatorConfig;
use crate::empik::EmpikWorld;
use crate::faults::Faults;
use crate::requests::RequestLog;
use std::sync::{Arc, Mutex, MutexGuard};

/// Everything the simulator knows.
#[derive(Debug)]
pub struct World {
    /// Fixed configuration.
    pub config: SimulatorConfig,
    /// The simulator's clock.
    pub clock: SimClock,
    /// Allegro: accounts, tokens, orders, offers, issues, threads.
    pub allegro: AllegroWorld,
    /// EmpikPlace (Mirakl): shops, threads, orders.
    pub empik: EmpikWorld,
    /// Injected faults waiting to fire.
    pub faults: Faults,
    /// Marketplace calls answered, oldest first.
    pub requests: RequestLog,
}

/// Shared handle to the simulator's state.
#[derive(Debug, Clone)]
pub struct SimulatorState {
    inner: Arc<Mutex<World>>,
}

impl SimulatorState {
    /// A fresh simulator state.
    pub fn new(config: SimulatorConfig) -> Self {
        let world = World {
            allegro: AllegroWorld::new(&config),
            empik: EmpikWorld::default(),
            clock: SimClock::default(),
            faults: Faults::default(),
            requests: RequestLog::default(),
            config,
        };
        Self {
            inner: Arc::new(Mutex::new(world)),
        }
    }

    /// Locks the state. Never hold the guard across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, World> {
        // A panic in one handler must not wedge the whole simulator for the other tests.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
