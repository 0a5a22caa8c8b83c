"""Stand-ins for what triggers the functions on AWS: EventBridge schedules and SQS event source
mappings, with the template's settings and its durations divided by `time_scale`.

The SQS mapping does what Lambda's poller does: receive a batch (up to BatchSize, waiting up to
MaximumBatchingWindowInSeconds to fill it), invoke the function with an `SqsEvent`, then delete
every record except the ones named in `batchItemFailures` (ReportBatchItemFailures). An answer
Lambda would reject (an unknown or empty itemIdentifier), an error or a crash fails the whole
batch, so every record comes back after the visibility timeout. The queue's own redrive policy
(moto implements maxReceiveCount) moves a record to the DLQ.
"""

import datetime
import hashlib
import math
import threading
import time
import uuid

from lambda_runtime import InvocationFailed

# How long a function hides a record it reports failed (`RETRY_DELAY` in
# shared/core/src/ports/heartbeat.rs), before time is scaled.
RETRY_DELAY_S = 180


class SqsMapping:
    """One `Type: SQS` event of a function, polling its queue on a thread."""

    def __init__(self, sqs, instance, name, props, queue_url, queue_arn, region, time_scale):
        self.sqs = sqs
        self.instance = instance
        self.name = f"{instance.name}/{name}"
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self.batch_size = int(props.get("BatchSize", 10))
        self.window_s = float(props.get("MaximumBatchingWindowInSeconds", 0)) / time_scale
        self.time_scale = time_scale
        # A failed record comes back after this (the function's delay, scaled).
        self.retry_s = max(1, math.ceil(RETRY_DELAY_S / time_scale))
        self.reports_failures = "ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])
        self.log = []  # one entry per record handed to the function
        self.errors = []  # whole-batch failures (function errors, rejected answers)
        self.busy = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self):
        """Starts polling."""
        self._thread.start()

    def stop(self):
        """Stops polling after the batch under way."""
        self._stop.set()
        self._thread.join(30)

    def handled(self, message_id):
        """The log entries of one SQS message, oldest first."""
        return [entry for entry in self.log if entry["message_id"] == message_id]

    def _receive(self, limit, wait_s):
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=min(limit, 10), WaitTimeSeconds=wait_s,
            AttributeNames=["All"], MessageAttributeNames=["All"],
        )
        return answer.get("Messages", [])

    def _run(self):
        while not self._stop.is_set():
            try:
                batch = self._receive(self.batch_size, 1)
                if not batch:
                    continue
                self.busy = True
                window_end = time.monotonic() + self.window_s
                while len(batch) < self.batch_size and time.monotonic() < window_end:
                    more = self._receive(self.batch_size - len(batch), 0)
                    if not more:
                        time.sleep(min(0.05, max(0.0, window_end - time.monotonic())))
                    batch.extend(more)
                self._deliver(batch)
            except Exception as error:  # noqa: BLE001 - recorded, the test fails on it
                if not self._stop.is_set():
                    self.errors.append(f"{self.name}: {error!r}")
                    time.sleep(0.2)
            finally:
                self.busy = False

    def _record(self, message):
        attributes = message.get("Attributes", {})
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                key: attributes[key]
                for key in ["ApproximateReceiveCount", "SentTimestamp", "SenderId",
                            "ApproximateFirstReceiveTimestamp"]
                if key in attributes
            },
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }

    def _deliver(self, batch):
        records = [self._record(m) for m in batch]
        ids = {r["messageId"] for r in records}
        failed = set(ids)
        outcome = "batch failed"
        try:
            answer = self.instance.invoke({"Records": records})
            if not self.reports_failures:
                failed = set()
                outcome = "ok"
            else:
                failures = (answer or {}).get("batchItemFailures") or []
                named = [f.get("itemIdentifier") for f in failures]
                if any(not isinstance(n, str) or n not in ids for n in named):
                    # Lambda treats the whole batch as failed when an identifier is not in it.
                    self.errors.append(f"{self.name}: batchItemFailures Lambda would reject: {failures}")
                else:
                    failed = set(named)
                    outcome = "ok"
        except InvocationFailed as error:
            self.errors.append(str(error))
        for record in records:
            self.log.append({
                "message_id": record["messageId"],
                "body": record["body"],
                "receive_count": int(record["attributes"].get("ApproximateReceiveCount", "0")),
                "failed": record["messageId"] in failed,
                "outcome": outcome,
                "at": time.monotonic(),
            })
        # A function hides each record it reports failed for `heartbeat::RETRY_DELAY` (180 s;
        # longer after a marketplace's Retry-After). Every duration of this emulation runs
        # `time_scale` times faster, so that one does too: the record comes back after
        # RETRY_DELAY_S / time_scale seconds, as the template's timeouts do.
        for record in records:
            if record["messageId"] in failed:
                try:
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"],
                        VisibilityTimeout=self.retry_s)
                except Exception as error:  # noqa: BLE001 - gone meanwhile: nothing to shorten
                    self.errors.append(f"{self.name}: shortening a failed record's delay: {error!r}")
        done = [r for r in records if r["messageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start:start + 10]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)
            ])


class Schedule:
    """One `Type: Schedule` event: invokes the function every `rate / time_scale` seconds."""

    def __init__(self, instance, name, props, period_s, region, account, rule_name):
        self.instance = instance
        self.name = f"{instance.name}/{name}"
        self.period_s = period_s
        self.region = region
        self.account = account
        self.rule_name = rule_name
        self.enabled = props.get("Enabled", True)
        self.failures = []
        self.runs = 0
        self.paused = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def event(self):
        """An EventBridge "Scheduled Event" for now."""
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": self.account, "time": now, "region": self.region,
            "resources": [f"arn:aws:events:{self.region}:{self.account}:rule/{self.rule_name}"],
            "detail": {},
        }

    def start(self):
        """Starts ticking (the first tick after one period, as EventBridge does)."""
        if self.enabled:
            self._thread.start()

    def stop(self):
        """Stops ticking."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(60)

    def fire(self):
        """One tick now; a failure is recorded (the async invocation's failure destination)."""
        try:
            self.instance.invoke(self.event())
            self.runs += 1
        except InvocationFailed as error:
            self.failures.append(str(error))

    def _run(self):
        while not self._stop.wait(self.period_s):
            if not self.paused.is_set():
                self.fire()
