//! Readable Polish subjects for Allegro's reason codes and Message Center subtypes. The raw
//! code is kept on the ticket panel; unknown codes are shown as they come.

/// The Polish label of a post-purchase issue reason code (`/sale/issues` `subject` / `reason.type`).
pub fn issue_reason(code: &str) -> Option<&'static str> {
    Some(match code {
        "NO_PRODUCT_RECEIVED" | "DID_NOT_RECEIVE_GOODS_AFTER_PAYMENT" => {
            "Nie otrzymałem przedmiotu"
        }
        "NO_PRODUCT_IN_PARCEL" => "Brak przedmiotu w paczce",
        "NO_PROOF_OF_PURCHASE_MANUAL_OR_WARRANTY" => {
            "Brak dowodu zakupu, instrukcji lub karty gwarancyjnej"
        }
        "MISSING_PRODUCT_ELEMENT" | "RECEIVED_INCOMPLETE_ORDER" => {
            "Brakuje elementu przedmiotu lub części zamówienia"
        }
        "PRODUCT_AND_PARCEL_DAMAGED_IN_TRANSIT" => "Przedmiot i paczka uszkodzone w transporcie",
        "PRODUCT_DAMAGED_PARCEL_INTACT" | "ITEM_IS_DAMAGED" => "Przedmiot jest uszkodzony",
        "DEFECT_FOUND_DURING_USE" | "DETECT_FOUND_DURING_USE" => "Wada wykryta podczas używania",
        "NOT_AS_DESCRIBED" | "RECEIVED_ITEMS_NOT_MATCHING_DESCRIPTION" => {
            "Przedmiot niezgodny z opisem"
        }
        "SELLER_DOES_NOT_WANT_TO_ACCEPT_RETURN" => "Sprzedający nie chce przyjąć zwrotu",
        "PROBLEM_WITH_SENDING_PRODUCT_BACK" => "Problem z odesłaniem przedmiotu",
        "NO_REFUND_AFTER_RETURNING_PRODUCT" => "Brak zwrotu pieniędzy po odesłaniu przedmiotu",
        "NO_REFUND_AFTER_CANCELING_ORDER" => "Brak zwrotu pieniędzy po anulowaniu zamówienia",
        "PROBLEM_WITH_WITHDRAWAL_CANCELLATION_OF_PURCHASE" => "Problem z odstąpieniem od umowy",
        "PROBLEM_WITH_GOODS_RETURN_CANCELLATION_OF_PURCHASE" => {
            "Problem ze zwrotem towaru po odstąpieniu od umowy"
        }
        "OTHER" => "Inny problem",
        _ => return None,
    })
}

/// The Polish label of a Message Center purchase-problem subtype (`ThreadVBeta1.subType`).
pub fn thread_sub_type(code: &str) -> Option<&'static str> {
    Some(match code {
        "PRODUCT_INCONSISTENT_WITH_THE_OFFER" => "Przedmiot niezgodny z ofertą",
        "PRODUCT_ARRIVED_DAMAGED" => "Przedmiot dotarł uszkodzony",
        "DEFECT_DETECTED_DURING_USE" => "Wada wykryta podczas używania",
        "NO_PRODUCT_IN_THE_SHIPMENT" => "Brak przedmiotu w przesyłce",
        "MISSING_PRODUCT_ELEMENTS" => "Brakuje elementów przedmiotu",
        "OTHER" => "Inny problem z zakupem",
        "NO_REFUND" => "Brak zwrotu pieniędzy",
        "SELLER_DOES_NOT_WANT_TO_ACCEPT_RETURN" => "Sprzedający nie chce przyjąć zwrotu",
        "PROBLEM_WITH_SENDING_PRODUCT_BACK" => "Problem z odesłaniem przedmiotu",
        "NO_DOCUMENTATIONS" => "Brak dokumentów zakupu",
        _ => return None,
    })
}

/// A subject for any code: the label when known, else the code itself, else `fallback`.
pub fn subject(label: Option<&'static str>, code: Option<&str>, fallback: &str) -> String {
    match (label, code) {
        (Some(label), _) => label.to_owned(),
        (None, Some(code)) if !code.trim().is_empty() => code.to_owned(),
        _ => fallback.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_read_as_polish_and_unknown_ones_stay_visible() {
        assert_eq!(
            issue_reason("PRODUCT_DAMAGED_PARCEL_INTACT"),
            Some("Przedmiot jest uszkodzony")
        );
        assert_eq!(
            issue_reason("DETECT_FOUND_DURING_USE"),
            issue_reason("DEFECT_FOUND_DURING_USE"),
            "sandbox typo"
        );
        assert_eq!(
            thread_sub_type("PRODUCT_ARRIVED_DAMAGED"),
            Some("Przedmiot dotarł uszkodzony")
        );
        assert_eq!(
            subject(
                issue_reason("NEW_CODE_2027"),
                Some("NEW_CODE_2027"),
                "Dyskusja"
            ),
            "NEW_CODE_2027"
        );
        assert_eq!(
            subject(None, None, "Pytanie kupującego"),
            "Pytanie kupującego"
        );
    }
}
