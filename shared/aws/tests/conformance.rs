//! The `marketdesk-core` conformance suite against DynamoDB Local and moto.
//!
//! Skipped when the emulator endpoints are not set (see `marketdesk_testkit::aws`).

use marketdesk_testkit::aws as emulators;

mod dynamodb_local {
    marketdesk_core::store_conformance_tests!(crate::emulators::dynamo_store());
}

mod dynamodb_local_people {
    marketdesk_core::people_conformance_tests!(crate::emulators::dynamo_store());
}

mod dynamodb_local_crm {
    marketdesk_core::crm_conformance_tests!(crate::emulators::dynamo_ports());
}

mod dynamodb_local_catalogue {
    marketdesk_core::catalogue_conformance_tests!(crate::emulators::dynamo_ports());
}

mod dynamodb_local_offer_commands {
    marketdesk_core::offer_commands_conformance_tests!(crate::emulators::dynamo_ports());
}

mod dynamodb_local_poll_leases {
    marketdesk_core::polling_conformance_tests!(crate::emulators::dynamo_ports());
}

mod dynamodb_local_erp_feed {
    marketdesk_core::erp_feed_conformance_tests!(crate::emulators::dynamo_store());
}

mod dynamodb_local_views {
    marketdesk_core::views_conformance_tests!(crate::emulators::dynamo_store());
}

mod dynamodb_local_search {
    marketdesk_core::search_conformance_tests!(crate::emulators::dynamo_store());
}

mod dynamodb_local_word_items {
    marketdesk_core::text_index_conformance_tests!(crate::emulators::dynamo_word_index());
}

mod dynamodb_local_budget {
    marketdesk_core::budget_conformance_tests!(crate::emulators::dynamo_budget());
}

mod moto_sqs {
    marketdesk_core::queue_conformance_tests!(crate::emulators::sqs_queues(
        marketdesk_core::conformance::queue::MAX_RECEIVES
    ));
}

mod moto_secrets_manager {
    marketdesk_core::secrets_conformance_tests!(crate::emulators::secrets());
}

mod table_secrets_kms {
    marketdesk_core::secrets_conformance_tests!(crate::emulators::table_secrets_conformance());
}
