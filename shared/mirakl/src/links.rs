//! Links for people: the seller back-office page of an order.

use crate::config::normalize_base_url;

/// `{base}/mmp/shop/order/{order_id}`: the order in the Mirakl back office (for EmpikPlace
/// `https://marketplace.empik.com/mmp/shop/order/<id>`). `base` may end in `/` or `/api`.
pub fn order_url(base: &str, order_id: &str) -> String {
    format!(
        "{}/mmp/shop/order/{}",
        normalize_base_url(base),
        encode_segment(order_id)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn encode_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_links_follow_the_back_office_pattern() {
        assert_eq!(
            order_url("https://marketplace.empik.com", "33101411362-A"),
            "https://marketplace.empik.com/mmp/shop/order/33101411362-A"
        );
        assert_eq!(
            order_url("https://marketplace.empik.com/api/", "Order_00010-A"),
            "https://marketplace.empik.com/mmp/shop/order/Order_00010-A"
        );
        assert_eq!(
            order_url("http://127.0.0.1:3001", "a/b c"),
            "http://127.0.0.1:3001/mmp/shop/order/a%2Fb%20c"
        );
    }
}
