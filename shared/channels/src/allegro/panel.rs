//! What a new conversation's ticket learns from its order: the products (with offer links and
//! EANs) for the panel, and the buyer's name and e-mail forms for the CRM.

use super::links;
use marketdesk_allegro::orders::CheckoutForm;
use marketdesk_core::domain::{Environment, PanelProduct};
use std::collections::HashMap;

/// The order behind a new conversation, as far as Allegro still tells it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderContext {
    /// The checkout form; `None` without an order or when Allegro answers 404 (older than 12
    /// months).
    pub checkout_form: Option<CheckoutForm>,
    /// EAN (GTIN) by offer id, for the offers whose EAN could be read.
    pub eans: HashMap<String, String>,
}

impl OrderContext {
    /// The order's products, each linked to its offer; empty without the order.
    pub fn products(&self, environment: Environment) -> Vec<PanelProduct> {
        let Some(form) = &self.checkout_form else {
            return Vec::new();
        };
        form.line_items
            .iter()
            .map(|line| {
                let offer = line.offer.as_ref();
                let offer_id = offer
                    .and_then(|o| o.id.clone())
                    .filter(|id| !id.trim().is_empty());
                let name = offer
                    .and_then(|o| o.name.as_deref())
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .or_else(|| offer_id.as_ref().map(|id| format!("Oferta {id}")))
                    .unwrap_or_else(|| "Przedmiot".to_owned());
                PanelProduct {
                    name,
                    quantity: line
                        .quantity
                        .map_or(1, |q| u32::try_from(q).unwrap_or(u32::MAX)),
                    offer_url: offer_id
                        .as_deref()
                        .and_then(|id| links::offer_url(environment, id)),
                    ean: offer_id.as_ref().and_then(|id| self.eans.get(id).cloned()),
                    offer_id,
                }
            })
            .collect()
    }

    /// The buyer's name from the order (person, else company), when given.
    pub fn buyer_name(&self) -> Option<String> {
        let buyer = self.checkout_form.as_ref()?.buyer.as_ref()?;
        let person = [buyer.first_name.as_deref(), buyer.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !person.is_empty() {
            return Some(person);
        }
        buyer
            .company_name
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
    }

    /// Both e-mail forms that reach the buyer (`alias+hash@…` and `alias@…`).
    pub fn buyer_emails(&self) -> Vec<String> {
        self.checkout_form
            .as_ref()
            .and_then(|f| f.buyer.as_ref())
            .map(|b| b.email_forms())
            .unwrap_or_default()
    }

    /// The buyer's login as the order tells it.
    pub fn buyer_login(&self) -> Option<&str> {
        self.checkout_form
            .as_ref()?
            .buyer
            .as_ref()?
            .login
            .as_deref()
            .filter(|l| !l.is_empty())
    }

    /// The distinct offer ids of the order, in order of appearance.
    pub fn offer_ids(form: &CheckoutForm) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for id in form
            .line_items
            .iter()
            .filter_map(|l| l.offer.as_ref()?.id.clone())
            .filter(|id| !id.trim().is_empty())
        {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> OrderContext {
        let form: CheckoutForm = serde_json::from_str(
            r#"{"id":"c1","buyer":{"id":"1","email":"alias+x1@allegromail.pl","login":"kupujacy",
                "firstName":"Anna","lastName":"Nowak"},
                "lineItems":[{"offer":{"id":"111","name":"Kubek"},"quantity":2},
                             {"offer":{"id":"222","name":null},"quantity":null},
                             {"offer":{"id":"111","name":"Kubek"},"quantity":1},
                             {"offer":null}]}"#,
        )
        .expect("decodes");
        OrderContext {
            checkout_form: Some(form),
            eans: [("111".to_owned(), "5901234123457".to_owned())].into(),
        }
    }

    #[test]
    fn products_link_offers_and_carry_known_eans() {
        let context = context();
        let products = context.products(Environment::Production);
        assert_eq!(products.len(), 4);
        assert_eq!(products[0].name, "Kubek");
        assert_eq!(products[0].quantity, 2);
        assert_eq!(
            products[0].offer_url.as_deref(),
            Some("https://allegro.pl/oferta/111")
        );
        assert_eq!(products[0].ean.as_deref(), Some("5901234123457"));
        assert_eq!(products[1].name, "Oferta 222");
        assert_eq!(products[1].quantity, 1);
        assert_eq!(products[1].ean, None);
        assert_eq!(products[3].name, "Przedmiot");
        assert_eq!(products[3].offer_url, None);
        let form = context.checkout_form.as_ref().expect("form");
        assert_eq!(OrderContext::offer_ids(form), ["111", "222"]);
    }

    #[test]
    fn the_buyer_comes_from_the_order() {
        let context = context();
        assert_eq!(context.buyer_name().as_deref(), Some("Anna Nowak"));
        assert_eq!(
            context.buyer_emails(),
            ["alias+x1@allegromail.pl", "alias@allegromail.pl"]
        );
        assert_eq!(context.buyer_login(), Some("kupujacy"));
        let none = OrderContext::default();
        assert!(none.products(Environment::Sandbox).is_empty());
        assert_eq!(none.buyer_name(), None);
        assert!(none.buyer_emails().is_empty());
    }
}
