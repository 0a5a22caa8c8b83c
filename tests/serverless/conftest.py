"""The serverless path on this machine: the six x86_64 release bootstraps (target/lambda, built
by `scripts/test`'s lambda-build step) under an emulated Lambda Runtime API, configured from
infra/template.yaml, against DynamoDB Local and moto (started by `scripts/test`, which exports
MARKETDESK_TEST_DYNAMODB_ENDPOINT / MARKETDESK_TEST_MOTO_ENDPOINT) and the marketplace
simulator (`marketdesk simulator`, target/debug/marketdesk).

Each function gets exactly the variables the template gives it, plus what Lambda itself sets
(AWS_LAMBDA_*, AWS_REGION, credentials) and what only a test needs: the AWS endpoints of the
emulators (AWS_ENDPOINT_URL_*) and the simulator's address for the marketplace URLs
(TEST_ONLY_VARIABLES). Nothing is inherited from this process, so a variable the code reads
under a name the template does not set is missing in the function, as it would be on AWS.

Durations of the template (schedules, visibility timeouts, batching windows) are divided by
TIME_SCALE so the test takes a minute instead of hours.
"""

import base64
import json
import os
import pathlib
import re
import subprocess
import time
import urllib.parse
import uuid

import boto3
import pytest
import requests

import template as cfn
from event_sources import Schedule, SqsMapping
from lambda_runtime import LambdaInstance

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE = pathlib.Path(os.environ.get("MARKETDESK_E2E_TEMPLATE", ROOT / "infra" / "template.yaml"))
LAMBDA_DIR = ROOT / "target" / "lambda"
MARKETDESK = ROOT / "target" / "debug" / "marketdesk"
OUT = ROOT / "target" / "serverless"
REGION = "us-east-1"
ACCOUNT = "123456789012"
TIME_SCALE = 100.0
MIN_SCHEDULE_PERIOD_S = 1.0
NOTIFY_FROM = "helpdesk@e2e-shop.example.com"
# The only MARKETDESK_* variables a function gets that the template does not give it: on AWS
# they are unset, so the real marketplaces are used.
TEST_ONLY_VARIABLES = ("MARKETDESK_ALLEGRO_API_URL", "MARKETDESK_ALLEGRO_AUTH_URL",
                       "MARKETDESK_EMPIK_API_URL")
SIMULATOR_CLIENT = ("simulator-client-id", "simulator-client-secret")  # docs/simulator.md


def wait_for(what, probe, timeout=30.0, every=0.25):
    """Calls probe() until it returns something truthy; fails naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def _endpoint(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run this through `scripts/test --only serverless`, "
                    "which starts DynamoDB Local and moto")
    return value


class Simulator:
    """`marketdesk simulator` in its own process, and its control API."""

    def __init__(self, log_path):
        assert MARKETDESK.exists(), f"{MARKETDESK} is missing (scripts/test builds it)"
        self._log = open(log_path, "w+b")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603
            [str(MARKETDESK), "simulator", "--listen", "127.0.0.1:0"],
            stdout=self._log, stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "RUST_LOG": "warn"},
        )

        def address():
            assert self.process.poll() is None, f"the simulator exited; see {log_path}"
            return re.search(r"listening on (http://\S+)", pathlib.Path(log_path).read_text())

        match = wait_for("the simulator's address", address, timeout=20, every=0.05)
        self.url = match.group(1).rstrip("/")

    def get(self, path):
        answer = requests.get(self.url + "/__simulator" + path, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def post(self, path, body=None):
        answer = requests.post(self.url + "/__simulator" + path, json=body or {}, timeout=10)
        assert answer.status_code < 300, f"POST {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None

    def delete(self, path):
        requests.delete(self.url + "/__simulator" + path, timeout=10).raise_for_status()

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self._log.close()


class Deployment:
    """The emulated stack: resources, functions, event sources and the API as a client sees it."""

    def __init__(self):
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "logs").mkdir(exist_ok=True)
        self.ddb_endpoint = _endpoint("MARKETDESK_TEST_DYNAMODB_ENDPOINT")
        self.moto_endpoint = _endpoint("MARKETDESK_TEST_MOTO_ENDPOINT")
        credentials = dict(region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
        self.dynamodb = boto3.client("dynamodb", endpoint_url=self.ddb_endpoint, **credentials)
        self.sqs = boto3.client("sqs", endpoint_url=self.moto_endpoint, **credentials)
        self.secrets = boto3.client("secretsmanager", endpoint_url=self.moto_endpoint, **credentials)
        self.ses = boto3.client("sesv2", endpoint_url=self.moto_endpoint, **credentials)
        self.kms = boto3.client("kms", endpoint_url=self.moto_endpoint, **credentials)
        # A fresh stack name per run: the emulators may outlive one run (scripts/test --serve).
        self.stack_name = f"md-e2e-{uuid.uuid4().hex[:8]}"
        self.stack = cfn.Stack(cfn.load(TEMPLATE), self.stack_name, REGION, ACCOUNT,
                               {"NotifyFrom": NOTIFY_FROM})
        self.simulator = Simulator(OUT / "logs" / "simulator.log")
        self.instances = {}
        self.mappings = []
        self.schedules = []
        self.queue_urls = {}

    # ------------------------------------------------------------ resources

    def provision(self):
        """Creates what the template's resources would be, with the template's properties."""
        stack = self.stack
        for logical in stack.of_type("AWS::DynamoDB::Table"):
            props = stack.resolve(stack.resources[logical]["Properties"])
            name = f"{self.stack_name}-{logical}"
            self.dynamodb.create_table(
                TableName=name, BillingMode=props["BillingMode"],
                AttributeDefinitions=props["AttributeDefinitions"], KeySchema=props["KeySchema"],
                GlobalSecondaryIndexes=props.get("GlobalSecondaryIndexes", []),
            )
            ttl = props.get("TimeToLiveSpecification")
            if ttl:
                self.dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            stack.refs[logical] = name
        # Queues without a redrive policy first: the others name their DLQ's ARN.
        queues = stack.of_type("AWS::SQS::Queue")
        queues.sort(key=lambda q: "RedrivePolicy" in stack.resources[q]["Properties"])
        for logical in queues:
            props = stack.resolve(stack.resources[logical]["Properties"])
            name = f"{self.stack_name}-{logical}"
            attributes = {}
            if "VisibilityTimeout" in props:
                scaled = max(1, round(int(props["VisibilityTimeout"]) / TIME_SCALE))
                attributes["VisibilityTimeout"] = str(scaled)
            if "RedrivePolicy" in props:
                attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
            url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            stack.refs[logical] = url
            stack.attrs[(logical, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
            stack.attrs[(logical, "QueueName")] = name
            stack.attrs[(logical, "QueueUrl")] = url
            self.queue_urls[logical] = url
        # The KMS key wrapping the data key of the credentials sealed in the table.
        for logical in stack.of_type("AWS::KMS::Key"):
            props = stack.resolve(stack.resources[logical]["Properties"])
            meta = self.kms.create_key(Description=props.get("Description", logical))["KeyMetadata"]
            stack.refs[logical] = meta["KeyId"]
            stack.attrs[(logical, "Arn")] = meta["Arn"]
            stack.attrs[(logical, "KeyId")] = meta["KeyId"]
        for logical in stack.of_type("AWS::SecretsManager::Secret"):
            props = stack.resolve(stack.resources[logical]["Properties"])
            arn = self.secrets.create_secret(Name=props["Name"], SecretString=props["SecretString"])["ARN"]
            stack.refs[logical] = arn
        # After the first deploy the operator puts the Allegro application's credentials into
        # the secret (the template's comment); here: the simulator's registered application.
        client_id, client_secret = SIMULATOR_CLIENT
        self.secrets.put_secret_value(
            SecretId=stack.refs["AllegroClientSecret"],
            SecretString=json.dumps({"client_id": client_id, "client_secret": client_secret}))
        self.ses.create_email_identity(EmailIdentity=NOTIFY_FROM)
        api_id = uuid.uuid4().hex[:10]
        for logical in stack.of_type("AWS::ApiGatewayV2::Api"):
            stack.refs[logical] = api_id
            stack.attrs[(logical, "ApiEndpoint")] = f"https://{api_id}.execute-api.{REGION}.amazonaws.com"
        self.public_url = stack.resolve(stack.template["Outputs"]["PublicUrl"]["Value"])

    # ------------------------------------------------------------ functions

    def lambda_env(self, function):
        """What Lambda sets for every function, plus the emulators' endpoints."""
        env = {
            "AWS_LAMBDA_FUNCTION_NAME": f"{self.stack_name}-{function.logical_id}",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.stack_name}-{function.logical_id}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]e2e",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
            "AWS_EC2_METADATA_DISABLED": "true",
            "LAMBDA_TASK_ROOT": str(LAMBDA_DIR / function.code_dir),
            "_HANDLER": "bootstrap",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "AWS_ENDPOINT_URL_DYNAMODB": self.ddb_endpoint,
            "AWS_ENDPOINT_URL_SQS": self.moto_endpoint,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": self.moto_endpoint,
            "AWS_ENDPOINT_URL_SESV2": self.moto_endpoint,
            "AWS_ENDPOINT_URL_KMS": self.moto_endpoint,
        }
        if function.log_format == "JSON":
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        for name in TEST_ONLY_VARIABLES:
            env[name] = self.simulator.url
        return env

    def function_env(self, function):
        """Exactly the template's variables for `function`, then Lambda's own."""
        template_env = function.environment()
        env = self.lambda_env(function)
        clash = set(template_env) & set(env)
        assert not clash, f"the template sets variables Lambda or the test set: {clash}"
        env.update(template_env)
        if "MARKETDESK_POLL_INTERVAL" in env:
            # The scheduler's tick mirrors its schedule's rate, which runs TIME_SCALE times
            # faster here: the tick does too (polls spread over it, cadences counted in it).
            interval_s = cfn.duration_seconds(env["MARKETDESK_POLL_INTERVAL"])
            env["MARKETDESK_POLL_INTERVAL"] = f"{int(max(MIN_SCHEDULE_PERIOD_S, interval_s / TIME_SCALE) * 1000)}ms"
        return env

    def start_functions(self):
        """Creates one Lambda instance per function (started by its first invocation) and
        the event sources that drive them."""
        stack = self.stack
        for logical, function in stack.functions().items():
            binary = LAMBDA_DIR / function.code_dir / "bootstrap"
            assert binary.exists(), f"{binary} is missing: run `scripts/test --only lambda-build`"
            self.instances[function.code_dir] = LambdaInstance(
                function.code_dir, str(binary), self.function_env(function), function.memory_mb,
                function.timeout_s, OUT / "logs" / f"{function.code_dir}.log",
                f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.stack_name}-{logical}")
            self.instances[function.code_dir].template_env = function.environment()
            for name, props in function.events("SQS"):
                queue = props["QueueLogicalId"]
                self.mappings.append(SqsMapping(
                    self.sqs, self.instances[function.code_dir], name, props,
                    self.queue_urls[queue], stack.get_att(queue, "Arn"), REGION, TIME_SCALE))
            for name, props in function.events("Schedule"):
                period = max(MIN_SCHEDULE_PERIOD_S, cfn.rate_seconds(props["Schedule"]) / TIME_SCALE)
                rule = stack.resolve(props.get("Name", f"{self.stack_name}-{name}"))
                self.schedules.append(Schedule(self.instances[function.code_dir], name, props,
                                               period, REGION, ACCOUNT, rule))
        for source in self.mappings + self.schedules:
            source.start()

    def mapping(self, function, queue_logical_id):
        """The SQS mapping of one function on one queue."""
        url = self.queue_urls[queue_logical_id]
        return next(m for m in self.mappings if m.instance.name == function and m.queue_url == url)

    def schedule(self, function):
        """The schedule of one function."""
        return next(s for s in self.schedules if s.instance.name == function)

    def queue_depth(self, logical):
        """Messages in a queue, visible or in flight."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_urls[logical],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"])

    def dlq_messages(self, logical):
        """Every message in a DLQ (received and made visible again at once)."""
        found = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_urls[logical],
                                              MaxNumberOfMessages=10, VisibilityTimeout=0)
            batch = answer.get("Messages", [])
            new = [m for m in batch if m["MessageId"] not in {f["MessageId"] for f in found}]
            if not new:
                return found
            found.extend(new)

    def quiet(self):
        """True when no queue holds work and no mapping is delivering a batch."""
        work = [q for q in self.queue_urls if not q.endswith("DLQ")]
        return all(self.queue_depth(q) == 0 for q in work) and not any(m.busy for m in self.mappings)

    # ------------------------------------------------------------ the API, as API Gateway calls it

    def api(self, method, path, body=None, key=None, expect=None):
        """Calls the API function with an API Gateway HTTP API (payload 2.0) event."""
        split = urllib.parse.urlsplit(path)
        host = urllib.parse.urlsplit(self.public_url).netloc
        headers = {"host": host, "user-agent": "e2e", "x-forwarded-proto": "https",
                   "x-forwarded-for": "198.51.100.20", "x-forwarded-port": "443"}
        raw = b""
        if body is not None:
            raw = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        headers["content-length"] = str(len(raw))
        if key:
            headers["authorization"] = f"Bearer {key}"
        now = time.time()
        event = {
            "version": "2.0", "routeKey": "ANY /{proxy+}", "rawPath": split.path,
            "rawQueryString": split.query, "headers": headers,
            "requestContext": {
                "accountId": ACCOUNT, "apiId": host.split(".")[0], "domainName": host,
                "domainPrefix": host.split(".")[0],
                "http": {"method": method, "path": split.path, "protocol": "HTTP/1.1",
                         "sourceIp": "198.51.100.20", "userAgent": "e2e"},
                "requestId": uuid.uuid4().hex, "routeKey": "ANY /{proxy+}", "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
            },
            "pathParameters": {"proxy": split.path.lstrip("/")},
            "isBase64Encoded": False,
        }
        if split.query:
            event["queryStringParameters"] = dict(urllib.parse.parse_qsl(split.query))
        if raw:
            event["body"] = raw.decode()
        answer = self.instances["api"].invoke(event)
        status = answer["statusCode"]
        text = answer.get("body") or ""
        if answer.get("isBase64Encoded"):
            text = base64.b64decode(text).decode(errors="replace")
        if expect is not None:
            assert status == expect, f"{method} {path}: {status} {text[:500]}"
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = text
        return status, answer.get("headers") or {}, payload

    # ------------------------------------------------------------ the CLI against the stack

    def cli(self, *args):
        """`marketdesk` with the API function's variables (the CLI reads the same ones)."""
        env = {name: value for name, value in self.function_env(self.stack.functions()["ApiFunction"]).items()
               if not name.startswith(("AWS_LAMBDA_", "LAMBDA_", "_"))}
        env["PATH"] = "/usr/bin:/bin"
        answer = subprocess.run([str(MARKETDESK), *args], env=env, capture_output=True,  # noqa: S603
                                text=True, timeout=60, check=False)
        assert answer.returncode == 0, f"marketdesk {' '.join(args)}: {answer.stderr}"
        return answer.stdout

    def stop(self):
        for source in self.schedules + self.mappings:
            source.stop()
        for instance in self.instances.values():
            instance.stop()
        self.simulator.stop()


@pytest.fixture(scope="session")
def deployment():
    deployed = Deployment()
    try:
        deployed.provision()
        deployed.start_functions()
        yield deployed
    finally:
        deployed.stop()
