//! Polish public holidays (dni ustawowo wolne od pracy), the movable ones computed from Easter.

use chrono::{Datelike, Days, NaiveDate};

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian algorithm,
/// also known as Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The public holidays of `year`, in date order: the fixed ones (Christmas Eve since 2025),
/// Easter Sunday and Monday, Pentecost Sunday and Corpus Christi.
pub fn polish_public_holidays(year: i32) -> Vec<NaiveDate> {
    let mut fixed: Vec<(u32, u32)> = vec![
        (1, 1),   // Nowy Rok
        (1, 6),   // Trzech Króli
        (5, 1),   // Święto Pracy
        (5, 3),   // Święto Konstytucji 3 Maja
        (8, 15),  // Wniebowzięcie NMP
        (11, 1),  // Wszystkich Świętych
        (11, 11), // Święto Niepodległości
        (12, 25), // Boże Narodzenie
        (12, 26), // drugi dzień Bożego Narodzenia
    ];
    if year >= 2025 {
        fixed.push((12, 24)); // Wigilia, a public holiday since 2025
    }
    let mut days: Vec<NaiveDate> = fixed
        .into_iter()
        .filter_map(|(month, day)| NaiveDate::from_ymd_opt(year, month, day))
        .collect();
    if let Some(easter) = easter_sunday(year) {
        for offset in [0, 1, 49, 60] {
            // Easter Sunday, Easter Monday, Pentecost (Zielone Świątki), Corpus Christi.
            if let Some(day) = easter.checked_add_days(Days::new(offset)) {
                days.push(day);
            }
        }
    }
    days.sort();
    days.dedup();
    days
}

/// Whether `date` is a Polish public holiday.
pub fn is_polish_public_holiday(date: NaiveDate) -> bool {
    polish_public_holidays(date.year()).contains(&date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn easter_matches_the_published_dates() {
        for (year, expected) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2028, "2028-04-16"),
            (2038, "2038-04-25"),
        ] {
            assert_eq!(easter_sunday(year), Some(date(expected)), "{year}");
        }
    }

    #[test]
    fn the_2026_holidays_include_the_movable_ones_and_christmas_eve() {
        let days = polish_public_holidays(2026);
        assert_eq!(days.len(), 14, "{days:?}");
        for expected in [
            "2026-01-01",
            "2026-01-06",
            "2026-04-05",
            "2026-04-06",
            "2026-05-01",
            "2026-05-03",
            "2026-05-24",
            "2026-06-04",
            "2026-08-15",
            "2026-11-01",
            "2026-11-11",
            "2026-12-24",
            "2026-12-25",
            "2026-12-26",
        ] {
            assert!(days.contains(&date(expected)), "{expected}");
        }
        assert!(!is_polish_public_holiday(date("2026-06-03")));
        assert!(
            !is_polish_public_holiday(date("2024-12-24")),
            "not before 2025"
        );
        assert!(
            is_polish_public_holiday(date("2027-05-27")),
            "Corpus Christi 2027"
        );
    }
}
