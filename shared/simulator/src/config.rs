//! What the simulator is set up with before any control call.

/// The simulator's fixed configuration: the one registered Allegro application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatorConfig {
    /// The registered Allegro application's client id.
    pub allegro_client_id: String,
    /// The registered Allegro application's client secret.
    pub allegro_client_secret: String,
    /// Redirect URIs registered for the application; empty accepts any http(s) URI
    /// (convenient for tests on random ports).
    pub allegro_redirect_uris: Vec<String>,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            allegro_client_id: "simulator-client-id".into(),
            allegro_client_secret: "simulator-client-secret".into(),
            allegro_redirect_uris: Vec::new(),
        }
    }
}
