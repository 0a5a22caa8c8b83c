//! Refusals of the core services in the page's language. Core errors carry a machine-readable
//! code (`WrongState`) or the field at fault and an English message (`Invalid`); the pages
//! show the code's or the field's words in Polish or English, and the reason recognised from
//! the message (limits keep their numbers). A reason not recognised is said generically in
//! Polish (never an English sentence after a Polish prefix) and as the service wrote it in
//! English.

use super::i18n::Lang;
use marketdesk_core::services::request::RequestError;

/// Why a change was refused, in `lang`: "field: reason" for a validation error, the state's
/// words for a state the change does not fit; `None` for a failure of the service (not a
/// refusal: the page says the service is unavailable).
pub(crate) fn explain(lang: Lang, error: &RequestError) -> Option<String> {
    match error {
        RequestError::Invalid { field, message } => {
            let reason = reason(lang, message);
            Some(match field_label(lang, field) {
                Some(label) => format!("{label}: {reason}"),
                None => reason,
            })
        }
        RequestError::WrongState { code, message } => Some(state(lang, code, message)),
        RequestError::Rule { field, message, .. } => Some(match field_label(lang, field) {
            Some(label) => format!("{label}: {}", reason(lang, message)),
            None => reason(lang, message),
        }),
        RequestError::Conflict(message) => Some(conflict(lang, message)),
        _ => None,
    }
}

/// The words of a state code (`WrongState`).
fn state(lang: Lang, code: &str, message: &str) -> String {
    let pl = lang == Lang::Pl;
    let words = match code {
        "conversation_closed" if pl => {
            "rozmowa na platformie jest zamknięta; można dodać tylko komentarz wewnętrzny"
        }
        "conversation_closed" => {
            "the marketplace conversation is closed; only internal comments are possible"
        }
        "reply_not_failed" if pl => {
            "ponownie wysłać można tylko odpowiedź, której nie udało się wysłać"
        }
        "reply_not_failed" => "only a reply that could not be sent can be sent again",
        "last_admin" if pl => {
            "to ostatni aktywny administrator: najpierw nadaj komuś innemu rolę administratora"
        }
        "last_admin" => "this is the last active admin: make someone else an admin first",
        "last_admin_key" if pl => "to ostatni klucz administratora; najpierw utwórz inny",
        "last_admin_key" => "this is the last admin key; create another one first",
        "user_inactive" if pl => "ta osoba jest nieaktywna",
        "user_inactive" => "this person is deactivated",
        "too_many_saved_replies" if pl => {
            "osiągnięto limit zapisanych odpowiedzi; usuń niepotrzebne"
        }
        "too_many_saved_replies" => "the limit of saved replies is reached; delete some first",
        "too_many_webhooks" if pl => "osiągnięto limit webhooków",
        "too_many_webhooks" => "the limit of webhooks is reached",
        "account_disconnected" if pl => "konto jest rozłączone: połącz je ponownie w ustawieniach",
        "account_disconnected" => "the account is disconnected: connect it again in the settings",
        "attachment_unavailable" if pl => "tego pliku nie można teraz pobrać",
        "attachment_unavailable" => "this file cannot be fetched now",
        "invitation_accepted" if pl => "to zaproszenie zostało już przyjęte",
        "invitation_accepted" => "this invitation was accepted already",
        "invalid_link" if pl => "ten link jest nieważny lub wygasł",
        "invalid_link" => "this link is invalid or has expired",
        "marketplace_not_configured" | "not_configured" if pl => {
            "ta funkcja nie jest skonfigurowana na tym serwerze"
        }
        "marketplace_not_configured" | "not_configured" => "this is not configured on this server",
        _ if pl => "tego nie można teraz zrobić",
        _ => return message.to_owned(),
    };
    words.to_owned()
}

/// The words of a conflict: a value another customer holds, or a change made meanwhile.
fn conflict(lang: Lang, message: &str) -> String {
    let pl = lang == Lang::Pl;
    if message.contains("belongs to customer") {
        return if pl {
            "ta wartość należy już do innego klienta; jeśli to ta sama osoba, połącz karty".into()
        } else {
            "this value belongs to another customer; if it is the same person, merge them".into()
        };
    }
    if message.contains("together the two have") {
        return if pl {
            "razem te karty mają za dużo adresów lub wartości pól; najpierw usuń część".into()
        } else {
            message.to_owned()
        };
    }
    if pl {
        "w międzyczasie coś się zmieniło; spróbuj ponownie".into()
    } else {
        "it changed meanwhile; try again".into()
    }
}

/// The shown name of a field path (`settings.sla.first_response_hours`, `emails[2]`, …);
/// `None` for the text of the form itself (the reason says it all).
fn field_label(lang: Lang, field: &str) -> Option<String> {
    let pl = lang == Lang::Pl;
    // `emails[2]` → `emails`; `custom_fields.Login` → `custom_fields`.
    let base = field.split('[').next().unwrap_or(field);
    let (base, detail) = match base.strip_prefix("custom_fields.") {
        Some(name) => ("custom_fields", Some(name)),
        None => (base, None),
    };
    let base = base.strip_prefix("changes.").unwrap_or(base);
    let known: &[(&str, &str, &str)] = &[
        ("text", "Treść", "Text"),
        ("attachment", "Załącznik", "Attachment"),
        ("attachment.filename", "Nazwa pliku", "File name"),
        ("attachment.content_type", "Rodzaj pliku", "File type"),
        ("attachment.data_base64", "Załącznik", "Attachment"),
        ("ask_to_confirm", "Prośba o potwierdzenie", "Ask to confirm"),
        ("status", "Status", "Status"),
        ("assignee", "Przypisane do", "Assignee"),
        ("priority", "Priorytet", "Priority"),
        ("queue", "Kolejka", "Queue"),
        ("category", "Kategoria", "Category"),
        ("tags", "Etykiety", "Tags"),
        ("snooze_until", "Uśpij do", "Snooze until"),
        ("name", "Imię i nazwisko", "Name"),
        ("emails", "Adresy e-mail", "E-mail addresses"),
        ("email", "Adres e-mail", "E-mail address"),
        ("phone", "Telefon", "Phone"),
        ("custom_fields", "Pola własne", "Custom fields"),
        ("note", "Notatka", "Note"),
        ("from", "Klient do połączenia", "Customer to merge"),
        ("title", "Tytuł", "Title"),
        ("language", "Język", "Language"),
        ("role", "Rola", "Role"),
        ("password", "Hasło", "Password"),
        ("display_name", "Nazwa konta", "Account name"),
        ("api_key", "Klucz API", "API key"),
        ("settings.signature", "Podpis", "Signature"),
        (
            "settings.closure_message",
            "Wiadomość zamykająca",
            "Closure message",
        ),
        (
            "settings.alert_emails",
            "E-maile z alertami",
            "Alert e-mails",
        ),
        (
            "settings.ticket_queue",
            "Kolejka nowych zgłoszeń",
            "Queue of new tickets",
        ),
        (
            "settings.ticket_category",
            "Kategoria nowych zgłoszeń",
            "Category of new tickets",
        ),
        (
            "settings.autoresponder.text",
            "Tekst autorespondera",
            "Autoresponder text",
        ),
        (
            "settings.autoresponder.delay_minutes",
            "Opóźnienie autorespondera",
            "Autoresponder delay",
        ),
        (
            "settings.sla.first_response_hours",
            "SLA: pierwsza odpowiedź",
            "SLA: first answer",
        ),
        (
            "settings.sla.next_response_hours",
            "SLA: kolejna odpowiedź",
            "SLA: next answer",
        ),
        (
            "settings.sla.warn_before_minutes",
            "SLA: ostrzeżenie przed terminem",
            "SLA: warning before the deadline",
        ),
        (
            "settings.sla.business_hours",
            "SLA: godziny pracy",
            "SLA: business hours",
        ),
        (
            "settings.sla.business_hours.days",
            "SLA: dni robocze",
            "SLA: working days",
        ),
        (
            "settings.sla.business_hours.start",
            "SLA: początek pracy",
            "SLA: start of work",
        ),
        (
            "settings.sla.business_hours.end",
            "SLA: koniec pracy",
            "SLA: end of work",
        ),
    ];
    if base == "text" {
        return None;
    }
    let label = known
        .iter()
        .find(|(name, _, _)| *name == base)
        .map(|(_, pl_label, en_label)| if pl { *pl_label } else { *en_label })
        .map(str::to_owned)
        .unwrap_or_else(|| field.to_owned());
    Some(match detail {
        Some(name) => format!("{label} ({name})"),
        None => label,
    })
}

/// The first whole number in `text`.
fn number(text: &str) -> Option<&str> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The reason of a validation message, in `lang`.
fn reason(lang: Lang, message: &str) -> String {
    if lang == Lang::En {
        return message.to_owned();
    }
    let n = number(message).unwrap_or_default();
    let has = |part: &str| message.contains(part);
    if has("HTML") || has("html") {
        "HTML jest niedozwolony: wpisz zwykły tekst".into()
    } else if has("must not be empty") || has("is empty") && !has("file") {
        "nie może być puste".into()
    } else if has("the file is empty") {
        "plik jest pusty".into()
    } else if has("characters long; at most") {
        let max = message
            .rsplit("at most ")
            .next()
            .and_then(number)
            .unwrap_or(n);
        format!("za długie: najwyżej {max} znaków")
    } else if has("at least") && has("characters") {
        format!("za krótkie: co najmniej {n} znaków")
    } else if has("at most") && has("characters") {
        format!("może mieć najwyżej {n} znaków")
    } else if has("one line without control characters") {
        "musi być jednym wierszem bez znaków sterujących".into()
    } else if has("is not an e-mail address") {
        "to nie jest adres e-mail (np. sklep@example.com)".into()
    } else if has("at most") && has("addresses") {
        format!("najwyżej {n} adresów")
    } else if has("at most") && has("tags") {
        format!("najwyżej {n} etykiet")
    } else if has("custom fields") {
        format!("najwyżej {n} pól własnych")
    } else if has("field values") {
        format!("najwyżej {n} wartości pól")
    } else if has("no user of this tenant") {
        "nie ma takiej osoby w zespole".into()
    } else if has("is deactivated and cannot be assigned") {
        "ta osoba jest nieaktywna i nie można jej przypisywać zgłoszeń".into()
    } else if has("only Allegro disputes can ask") {
        "o potwierdzenie rozwiązania można poprosić tylko w dyskusji Allegro".into()
    } else if has("the file is larger than") {
        format!("plik jest większy niż {n} bajtów dopuszczalnych w tej rozmowie")
    } else if has("bytes of attachments in total") {
        format!("ta rozmowa przyjmuje łącznie najwyżej {n} bajtów załączników; ten plik przekroczyłby limit")
    } else if has("is not accepted here") {
        "ten rodzaj pliku nie jest tu przyjmowany".into()
    } else if has("file name without a path") {
        "musi być nazwą pliku bez ścieżki".into()
    } else if has("business hours") && has("must be") {
        format!(
            "musi wynosić od 1 do {} godzin roboczych",
            number(message.rsplit("to ").next().unwrap_or("")).unwrap_or(n)
        )
    } else if has("minutes") && has("must be") && has(" to ") {
        format!(
            "musi wynosić od 0 do {} minut",
            number(message.rsplit("to ").next().unwrap_or("")).unwrap_or(n)
        )
    } else if has("must be a time such as") {
        "podaj godzinę w formacie 08:00".into()
    } else if has("within") && has("days") {
        format!("najwyżej {n} dni naprzód")
    } else if has("in the past") || has("in the future") {
        "musi być czasem w przyszłości".into()
    } else if has("phone number") {
        "to nie jest numer telefonu (np. +48 600 100 200)".into()
    } else if has("was merged into customer") {
        "ta karta została już połączona z inną".into()
    } else if has("no customer") {
        "nie ma takiego klienta".into()
    } else if let Some(rest) = message.strip_prefix("unknown placeholder ") {
        let (unknown, known) = rest.split_once("; use ").unwrap_or((rest, ""));
        format!("nieznane pole do wstawienia {unknown}; dostępne: {known}")
    } else {
        "nieprawidłowa wartość".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(field: &str, message: &str) -> RequestError {
        RequestError::invalid(field, message)
    }

    #[test]
    fn polish_pages_get_polish_reasons_with_the_limits_kept() {
        let cases = [
            (invalid("text", "is 20001 characters long; at most 20000 are allowed"), "za długie: najwyżej 20000 znaków"),
            (invalid("changes.tags", "at most 20 tags"), "Etykiety: najwyżej 20 etykiet"),
            (invalid("emails[1]", "\"x\" is not an e-mail address such as shop@example.com"), "Adresy e-mail: to nie jest adres e-mail (np. sklep@example.com)"),
            (invalid("assignee", "Ola is deactivated and cannot be assigned tickets"), "Przypisane do: ta osoba jest nieaktywna i nie można jej przypisywać zgłoszeń"),
            (invalid("settings.sla.first_response_hours", "must be 1 to 720 business hours"), "SLA: pierwsza odpowiedź: musi wynosić od 1 do 720 godzin roboczych"),
            (invalid("custom_fields.Login", "must be at most 150 characters long"), "Pola własne (Login): może mieć najwyżej 150 znaków"),
            (invalid("something.new", "a brand new rule"), "something.new: nieprawidłowa wartość"),
            (RequestError::WrongState { code: "conversation_closed", message: "the marketplace conversation is closed (CLOSED); only internal comments are possible".into() }, "rozmowa na platformie jest zamknięta; można dodać tylko komentarz wewnętrzny"),
            (RequestError::Conflict("\"jan\" belongs to customer c-1; if it is the same person, merge the two".into()), "ta wartość należy już do innego klienta; jeśli to ta sama osoba, połącz karty"),
        ];
        for (error, expected) in cases {
            assert_eq!(
                explain(Lang::Pl, &error).as_deref(),
                Some(expected),
                "{error:?}"
            );
        }
        assert_eq!(
            explain(Lang::Pl, &RequestError::Unavailable("x".into())),
            None
        );
    }

    #[test]
    fn english_pages_get_english_labels_and_the_services_reason() {
        let error = invalid("changes.snooze_until", "must be within 90 days");
        assert_eq!(
            explain(Lang::En, &error).as_deref(),
            Some("Snooze until: must be within 90 days")
        );
        let closed = RequestError::WrongState {
            code: "reply_not_failed",
            message: "the reply is sent; only failed replies can be retried".into(),
        };
        assert_eq!(
            explain(Lang::En, &closed).as_deref(),
            Some("only a reply that could not be sent can be sent again")
        );
    }
}
