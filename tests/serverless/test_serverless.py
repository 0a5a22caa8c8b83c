"""The serverless path end to end: the six Lambda bootstraps, wired by infra/template.yaml,
passing work to each other through (moto's) SQS the way Lambda would. The tests run in file
order and share one deployment (conftest.py); each leaves the stack quiet for the next.
"""

import base64
import json
import time
import urllib.parse

import requests

from conftest import OUT, TIME_SCALE, wait_for

TENANT = "e2e"
AUTORESPONSE = "Dzień dobry {buyer_login}, dziękujemy za wiadomość, odpowiemy wkrótce."
REPLY = "Dzień dobry, w załączniku instrukcja zwrotu."
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FUNCTIONS = ["scheduler", "poller", "ingest", "sender", "api", "token-refresher"]


class State:
    """What one test leaves for the next (tests run in file order)."""

    key = None
    allegro_seller = None
    empik_shop = None
    allegro_thread = None
    empik_thread = None
    tickets = {}


def settings():
    return {"autoresponder": {"enabled": True, "text": AUTORESPONSE, "delay_minutes": 0}}


def wait_quiet(deployment, timeout=30.0):
    """Waits until every work queue is empty and no batch is under way (twice in a row)."""
    wait_for("the queues to drain", lambda: deployment.quiet() and (time.sleep(0.3) or deployment.quiet()),
             timeout=timeout, every=0.2)


def allegro_posted(deployment):
    return deployment.simulator.get(
        f"/allegro/inbox/posted?seller_id={State.allegro_seller}"
        f"&conversation_id={State.allegro_thread}")["posted"]


def empik_posted(deployment):
    return deployment.simulator.get(f"/empik/threads/{State.empik_thread}/posted")["posted"]


def text_of(posted):
    return posted.get("text") or posted.get("body") or json.dumps(posted, ensure_ascii=False)


def ticket_detail(deployment, ticket_id):
    return deployment.api("GET", f"/v1/tickets/{ticket_id}", key=State.key, expect=200)[2]


def test_every_template_variable_is_read_by_the_code(deployment):
    """A variable the template sets under a name the code does not read (renamed or dropped on
    one side) is drift even when the functions still start: a function's own variable must be
    named in its bootstrap, a Globals one (given to all, not all need it) in at least one."""
    contents = {}
    for name, instance in deployment.instances.items():
        with open(instance.binary, "rb") as binary:
            contents[name] = binary.read()
    for logical, function in deployment.stack.functions().items():
        own = function.props.get("Environment", {}).get("Variables", {})
        unread = [n for n in own if n.startswith("MARKETDESK_") and n.encode() not in contents[function.code_dir]]
        assert not unread, f"infra/template.yaml gives {logical} {unread}, which its code never reads"
    shared = deployment.stack.template["Globals"]["Function"]["Environment"]["Variables"]
    unread = [n for n in shared if n.startswith("MARKETDESK_")
              and not any(n.encode() in content for content in contents.values())]
    assert not unread, f"infra/template.yaml's Globals give {unread}, which no function reads"


def test_admin_key_through_the_cli_and_connections_through_the_api(deployment):
    # The operator's first step after a deploy: an admin key in the stack's table.
    key = deployment.cli("api-key", "create", "--backend", "aws", "--tenant", TENANT,
                         "--role", "admin", "--name", "e2e").strip().splitlines()[-1]
    assert key.startswith("mdk_"), key
    State.key = key
    status, _, health = deployment.api("GET", "/v1/health")
    assert status == 200 and health["status"] == "ok", health

    sim = deployment.simulator
    seller = sim.post("/allegro/sellers", {"login": "sklep_e2e", "sign_in": True})
    State.allegro_seller = seller["id"]
    shop_key = "e2e-shop-key-0123456789"
    State.empik_shop = sim.post("/empik/shops", {"name": "Sklep E2E", "api_key": shop_key})["shop_id"]

    _, _, allegro = deployment.api("POST", "/v1/integrations", key=key, expect=201, body={
        "kind": "allegro", "display_name": "Allegro", "environment": "sandbox",
        "settings": settings()})
    _, _, start = deployment.api("POST", f"/v1/integrations/{allegro['id']}/oauth/start",
                                 key=key, expect=200)
    # The seller's browser: Allegro's authorization page redirects back to the public URL.
    authorize = requests.get(start["authorize_url"], allow_redirects=False, timeout=10)
    assert authorize.status_code in (302, 303), authorize.text
    callback = urllib.parse.urlsplit(authorize.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}" == deployment.public_url, callback
    status, _, page = deployment.api("GET", f"{callback.path}?{callback.query}")
    assert status < 400, page
    _, _, connected = deployment.api("GET", f"/v1/integrations/{allegro['id']}", key=key, expect=200)
    assert connected["connection"]["state"] == "connected", connected["connection"]

    _, _, empik = deployment.api("POST", "/v1/integrations", key=key, expect=201, body={
        "kind": "empikplace", "display_name": "Sklep E2E", "api_key": shop_key,
        "settings": settings()})
    _, _, listed = deployment.api("GET", "/v1/integrations", key=key, expect=200)
    assert {i["id"] for i in listed["integrations"]} == {allegro["id"], empik["id"]}


def test_buyers_write_tickets_appear_autoresponse_once_reply_with_a_file_once(deployment):
    sim = deployment.simulator
    buyer = sim.post("/allegro/buyers", {"login": "kupujacy_e2e"})
    State.allegro_thread = sim.post("/allegro/inbox/threads", {
        "seller_id": State.allegro_seller, "buyer_id": buyer["id"], "type": "COMMON",
        "text": "Dzień dobry, kiedy wyślecie paczkę?"})["id"]
    customer = sim.post("/empik/customers", {"firstname": "Katarzyna", "lastname": "Lewandowska"})
    empik_shop = State.empik_shop
    order = sim.post("/empik/orders", {"shop_id": empik_shop, "customer_id": customer["customer_id"],
                                        "lines": [{"title": "Kubek", "sku": "KUB-1", "quantity": 1,
                                                   "price": 39.0}]})
    State.empik_thread = sim.post("/empik/threads", {
        "shop_id": empik_shop, "customer_id": customer["customer_id"], "order_id": order["order_id"],
        "topic": {"type": "FREE_TEXT", "value": "Zwrot"}, "body": "Chcę zwrócić kubek."})["thread_id"]

    def tickets():
        page = deployment.api("GET", "/v1/tickets?limit=100", key=State.key, expect=200)[2]
        found = {t["conversation"]["external_id"]: t for t in page["tickets"]}
        return found if {State.allegro_thread, State.empik_thread} <= set(found) else None

    found = wait_for("both tickets (scheduler -> poller -> ingest)", tickets, timeout=90)
    assert len(found) == 2, list(found)
    State.tickets = {"allegro": found[State.allegro_thread]["id"],
                     "mirakl": found[State.empik_thread]["id"]}

    # The autoresponse: queued by ingest or the scheduler, posted by the sender, once each.
    wait_for("the Allegro autoresponse", lambda: allegro_posted(deployment), timeout=30)
    wait_for("the EmpikPlace autoresponse", lambda: empik_posted(deployment), timeout=30)

    # An agent replies with a file; the sender posts it once.
    _, _, reply = deployment.api("POST", f"/v1/tickets/{State.tickets['allegro']}/replies",
                                 key=State.key, expect=202, body={
                                     "text": REPLY, "attachment": {
                                         "filename": "zwrot.pdf", "content_type": "application/pdf",
                                         "data_base64": base64.b64encode(PDF).decode()}})

    def sent():
        messages = ticket_detail(deployment, State.tickets["allegro"])["messages"]
        mine = [m for m in messages if (m.get("delivery") or {}).get("reply_id") == reply["id"]]
        return mine and mine[0]["delivery"]["state"] == "sent" and mine[0]

    delivered = wait_for("the reply to be sent", sent, timeout=30)
    assert delivered["external_id"], delivered
    assert [a.get("filename") or a.get("file_name") for a in delivered["attachments"]] == ["zwrot.pdf"], delivered
    wait_quiet(deployment)
    # A few more scheduler ticks must not post anything again.
    ticks = deployment.schedule("scheduler").runs
    wait_for("three more scheduler ticks", lambda: deployment.schedule("scheduler").runs >= ticks + 3,
             timeout=20)
    wait_quiet(deployment)

    posted = allegro_posted(deployment)
    texts = [text_of(p) for p in posted]
    assert len(posted) == 2, texts
    assert "kupujacy_e2e" in texts[0] and "dziękujemy" in texts[0], texts
    assert texts[1] == REPLY, texts
    assert [a["file_name"] for a in posted[1]["attachments"]] == ["zwrot.pdf"], posted[1]
    assert posted[1]["attachments"][0]["size"] == len(PDF), posted[1]
    mirakl = empik_posted(deployment)
    assert len(mirakl) == 1 and "dziękujemy" in text_of(mirakl[0]), mirakl


def test_a_message_delivered_twice_changes_nothing(deployment):
    before = {name: ticket_detail(deployment, tid) for name, tid in State.tickets.items()}
    allegro_before, empik_before = allegro_posted(deployment), empik_posted(deployment)
    expected = {}
    for function, queue in [("ingest", "InboundQueue"), ("sender", "OutboundQueue")]:
        mapping = deployment.mapping(function, queue)
        done = [e for e in mapping.log if not e["failed"]]
        assert done, f"{function} handled nothing from {queue}"
        expected[mapping] = len(mapping.log) + len(done)
        for entry in done:
            # SQS's at-least-once delivery: the same body once more.
            deployment.sqs.send_message(QueueUrl=deployment.queue_urls[queue], MessageBody=entry["body"])
    wait_for("the duplicates to be handled",
             lambda: all(len(m.log) >= n for m, n in expected.items()), timeout=30)
    wait_quiet(deployment)
    for mapping in expected:
        assert not any(e["failed"] for e in mapping.log), mapping.name
    after = {name: ticket_detail(deployment, tid) for name, tid in State.tickets.items()}
    for name in State.tickets:
        assert [m["id"] for m in after[name]["messages"]] == [m["id"] for m in before[name]["messages"]], name
        assert after[name]["ticket"]["status"] == before[name]["ticket"]["status"], name
    assert allegro_posted(deployment) == allegro_before
    assert empik_posted(deployment) == empik_before


def test_a_failing_record_comes_back_and_then_lands_in_the_dlq(deployment):
    scheduler = deployment.schedule("scheduler")
    scheduler.paused.set()
    try:
        wait_quiet(deployment)
        poller = deployment.mapping("poller", "PollJobsQueue")
        seen = len(poller.log)
        max_receives = deployment.stack.resolve(
            deployment.stack.resources["PollJobsQueue"]["Properties"]["RedrivePolicy"])["maxReceiveCount"]
        # EmpikPlace's inbox answers 500 from now on: the poll job fails every time.
        deployment.simulator.post("/faults", {"path_prefix": "/api/inbox/threads", "method": "GET",
                                              "remaining": 1000, "kind": "server_error"})
        scheduler.fire()

        def dead_letters():
            return deployment.dlq_messages("PollJobsDLQ")

        visibility = int(deployment.sqs.get_queue_attributes(
            QueueUrl=deployment.queue_urls["PollJobsQueue"], AttributeNames=["VisibilityTimeout"],
        )["Attributes"]["VisibilityTimeout"])
        dead = wait_for("the failing poll job in the DLQ", dead_letters,
                        timeout=(int(max_receives) + 2) * (max(visibility, poller.retry_s) + 1.5), every=0.5)
    finally:
        deployment.simulator.delete("/faults")
        scheduler.paused.clear()
    assert len(dead) == 1, [m["Body"] for m in dead]
    body = json.loads(dead[0]["Body"])
    assert body["channel"] == "empik_threads", body
    attempts = poller.handled(dead[0]["MessageId"])
    assert [a["receive_count"] for a in attempts] == list(range(1, int(max_receives) + 1)), attempts
    assert all(a["failed"] and a["outcome"] == "ok" for a in attempts), attempts
    # The Allegro jobs of the same tick went through (deleted, never redelivered).
    others = [e for e in poller.log[seen:] if e["message_id"] != dead[0]["MessageId"]]
    assert others and all(not e["failed"] and e["receive_count"] == 1 for e in others), others
    deployment.sqs.purge_queue(QueueUrl=deployment.queue_urls["PollJobsDLQ"])


def test_nothing_else_failed_and_cold_starts_are_recorded(deployment):
    wait_quiet(deployment)
    for logical in deployment.queue_urls:
        if logical.endswith("DLQ"):
            assert deployment.dlq_messages(logical) == [], f"{logical} holds messages"
    errors = [e for m in deployment.mappings for e in m.errors]
    assert not errors, errors
    failures = [f for s in deployment.schedules for f in s.failures]
    assert not failures, failures
    token_refresher = deployment.schedule("token-refresher")
    if token_refresher.runs == 0:
        token_refresher.fire()
    assert token_refresher.failures == []
    for name in FUNCTIONS:
        instance = deployment.instances[name]
        assert instance.process is not None, f"{name} was never invoked"
        assert instance.process.poll() is None, f"{name} exited; see {instance.log_path}"
    for instance in deployment.instances.values():
        instance.peak_rss_kb = instance.rss_kb("VmHWM")
    figures = [deployment.instances[name].cold_start() for name in FUNCTIONS]
    (OUT / "cold-start.json").write_text(json.dumps(
        {"time_scale": TIME_SCALE, "functions": figures}, indent=2))
    print("\nfunction          init ms  1st invocation ms  start->1st handled ms  RSS init/peak MiB")
    for f in figures:
        print(f"{f['function']:<16} {f['init_ms']:8.1f} {f['first_invocation_ms']:18.1f} "
              f"{f['start_to_first_handled_ms']:22.1f}  {f['rss_after_init_mib']:5.1f} / {f['peak_rss_mib']:5.1f}")
