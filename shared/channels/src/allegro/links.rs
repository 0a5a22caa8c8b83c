//! Links shown to agents: the seller-panel and storefront addresses on allegro.pl. Allegro does
//! not publish them in its API, so they live here, in one place, to become settings later.

use marketdesk_core::domain::Environment;
use url::Url;

/// The site of production accounts.
pub const PRODUCTION_SITE: &str = "https://allegro.pl";
/// The site of sandbox (test mode) accounts.
pub const SANDBOX_SITE: &str = "https://allegro.pl.allegrosandbox.pl";
/// Path of a post-purchase issue (dispute, claim) in the seller panel; the issue id follows.
pub const ISSUE_PATH: &[&str] = &["moje-allegro", "sprzedaz", "dyskusje"];
/// Path of an order in the seller panel; the checkout form id follows.
pub const ORDER_PATH: &[&str] = &["moje-allegro", "sprzedaz", "zamowienia"];
/// Path of an offer as buyers see it; the offer id follows.
pub const OFFER_PATH: &[&str] = &["oferta"];

/// The site of an environment.
pub fn site(environment: Environment) -> &'static str {
    match environment {
        Environment::Production => PRODUCTION_SITE,
        Environment::Sandbox => SANDBOX_SITE,
    }
}

/// A post-purchase issue in the seller panel.
pub fn issue_url(environment: Environment, issue_id: &str) -> Option<String> {
    link(environment, ISSUE_PATH, issue_id)
}

/// An order in the seller panel.
pub fn order_url(environment: Environment, checkout_form_id: &str) -> Option<String> {
    link(environment, ORDER_PATH, checkout_form_id)
}

/// An offer as buyers see it.
pub fn offer_url(environment: Environment, offer_id: &str) -> Option<String> {
    link(environment, OFFER_PATH, offer_id)
}

/// `site/path/id`, the id escaped as one path segment; `None` for an empty id.
fn link(environment: Environment, path: &[&str], id: &str) -> Option<String> {
    let id = id.trim();
    if id.is_empty() {
        return None;
    }
    let mut url = Url::parse(site(environment)).ok()?;
    url.path_segments_mut().ok()?.clear().extend(path).push(id);
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_environment_and_escape_ids() {
        assert_eq!(
            issue_url(Environment::Production, "fc2622bf").as_deref(),
            Some("https://allegro.pl/moje-allegro/sprzedaz/dyskusje/fc2622bf")
        );
        assert_eq!(
            order_url(Environment::Sandbox, "ca47fa00").as_deref(),
            Some("https://allegro.pl.allegrosandbox.pl/moje-allegro/sprzedaz/zamowienia/ca47fa00")
        );
        assert_eq!(
            offer_url(Environment::Production, "7778622952").as_deref(),
            Some("https://allegro.pl/oferta/7778622952")
        );
        assert_eq!(
            offer_url(Environment::Production, "a/b?c").as_deref(),
            Some("https://allegro.pl/oferta/a%2Fb%3Fc")
        );
        assert_eq!(offer_url(Environment::Production, " "), None);
    }
}
