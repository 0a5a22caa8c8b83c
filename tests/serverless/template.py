"""infra/template.yaml read the way CloudFormation would, for the serverless end-to-end test.

Only what the test needs: the function definitions (environment, memory, timeout, event
sources), the table and queue properties, and the intrinsic functions those use, resolved
against the emulated stack (DynamoDB Local, moto). Anything the resolver does not know fails
loudly, so a template change the test cannot follow stops the test instead of being ignored.
"""

import re

import yaml

# CloudFormation's short forms, turned into their long forms ({"Ref": x}, {"Fn::Sub": x}, ...).
_SHORT_FORMS = ["Ref", "Condition"] + [
    "Fn::" + name
    for name in ["GetAtt", "Sub", "If", "Not", "Equals", "Select", "Split", "Join", "And", "Or",
                 "FindInMap", "Base64", "GetAZs", "ImportValue", "Cidr"]
]


class _Loader(yaml.SafeLoader):
    """A YAML loader that knows CloudFormation's `!Tag` short forms."""


def _register(tag_name, long_name):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {long_name: value}

    _Loader.add_constructor("!" + tag_name, construct)


for _name in _SHORT_FORMS:
    _register(_name.replace("Fn::", ""), _name)


def load(path):
    """Parses the template file."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Loader)  # noqa: S506 - SafeLoader subclass


class Unresolvable(Exception):
    """The template uses something the emulated stack cannot stand in for."""


class Stack:
    """The template with its parameters and the emulated resources' physical values.

    `refs` maps a logical id to what `!Ref` gives (queue URL, table name, secret ARN);
    `attrs` maps (logical id, attribute) to what `!GetAtt` gives.
    """

    def __init__(self, template, name, region, account, parameters):
        self.template = template
        self.name = name
        self.region = region
        self.account = account
        self.parameters = {}
        for key, spec in template.get("Parameters", {}).items():
            if key in parameters:
                self.parameters[key] = str(parameters[key])
            elif "Default" in spec:
                self.parameters[key] = str(spec["Default"])
            else:
                raise Unresolvable(f"parameter {key} has no default; the test must give it")
        self.refs = {}
        self.attrs = {}
        self._conditions = {}

    @property
    def resources(self):
        """The template's resources by logical id."""
        return self.template["Resources"]

    def of_type(self, kind):
        """Logical ids of the resources of one type, in template order."""
        return [k for k, v in self.resources.items() if v["Type"] == kind]

    def pseudo(self, name):
        """The AWS::* pseudo parameters."""
        values = {
            "AWS::StackName": self.name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name not in values:
            raise Unresolvable(f"pseudo parameter {name}")
        return values[name]

    def condition(self, name):
        """Evaluates a named condition of the template."""
        if name not in self._conditions:
            self._conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self._conditions[name]

    def ref(self, name):
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise Unresolvable(f"!Ref {name}: not a parameter or an emulated resource")

    def get_att(self, logical, attribute):
        if (logical, attribute) in self.attrs:
            return self.attrs[(logical, attribute)]
        raise Unresolvable(f"!GetAtt {logical}.{attribute}: not an emulated attribute")

    def sub(self, text, extra=None):
        def replace(match):
            key = match.group(1)
            if extra and key in extra:
                return str(extra[key])
            if "." in key:
                return str(self.get_att(*key.split(".", 1)))
            return str(self.ref(key))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def resolve(self, value):
        """Resolves every intrinsic function inside `value`."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*arg)
            if key == "Fn::Sub":
                if isinstance(arg, list):
                    return self.sub(arg[0], {k: self.resolve(v) for k, v in arg[1].items()})
                return self.sub(arg)
            if key == "Fn::If":
                name, then, otherwise = arg
                return self.resolve(then if self.condition(name) else otherwise)
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(arg[0])
            if key == "Fn::Join":
                return arg[0].join(str(v) for v in self.resolve(arg[1]))
            if key.startswith("Fn::"):
                raise Unresolvable(f"intrinsic function {key}")
        return {k: self.resolve(v) for k, v in value.items()}

    # ------------------------------------------------------------ functions

    def functions(self):
        """{logical id: Function} for every AWS::Serverless::Function."""
        return {k: Function(self, k) for k in self.of_type("AWS::Serverless::Function")}


class Function:
    """One AWS::Serverless::Function with the Globals applied, as Lambda would run it."""

    def __init__(self, stack, logical_id):
        self.stack = stack
        self.logical_id = logical_id
        props = stack.resources[logical_id]["Properties"]
        globals_ = stack.template.get("Globals", {}).get("Function", {})
        self.props = props
        self.globals = globals_
        self.code_dir = props["CodeUri"].rsplit("/", 1)[-1]  # ../functions/poller -> poller
        self.memory_mb = int(props.get("MemorySize", globals_.get("MemorySize", 128)))
        self.timeout_s = int(props.get("Timeout", globals_.get("Timeout", 3)))
        logging = props.get("LoggingConfig", globals_.get("LoggingConfig", {}))
        self.log_format = logging.get("LogFormat", "Text")

    def environment(self):
        """The function's variables: Globals' merged with its own (its own win), resolved."""
        merged = dict(self.globals.get("Environment", {}).get("Variables", {}))
        merged.update(self.props.get("Environment", {}).get("Variables", {}))
        return {name: str(self.stack.resolve(value)) for name, value in merged.items()}

    def events(self, kind):
        """The function's event sources of one type (Schedule, SQS), resolved: [(name, props)]."""
        found = []
        for name, event in self.props.get("Events", {}).items():
            if event["Type"] == kind:
                # Parameters such as `BatchSize: !Ref PollerBatchSize` resolve to their values;
                # the queue stays a logical id (the driver maps it to the emulated queue).
                props = {
                    key: value if key == "Queue" else self.stack.resolve(value)
                    for key, value in event["Properties"].items()
                }
                if kind == "SQS":
                    queue = props["Queue"]
                    if not (isinstance(queue, dict) and "Fn::GetAtt" in queue):
                        raise Unresolvable(f"{self.logical_id}.{name}: Queue is not !GetAtt X.Arn")
                    props["QueueLogicalId"] = queue["Fn::GetAtt"][0]
                found.append((name, props))
        return found


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


_DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")


def duration_seconds(value):
    """Seconds of a duration variable such as `60s`, `5m` or `250ms` (as marketdesk reads it)."""
    match = _DURATION.match(str(value).strip())
    if not match:
        raise Unresolvable(f"duration {value!r}")
    return int(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def rate_seconds(expression):
    """Seconds between two runs of an EventBridge `rate(...)` expression."""
    match = _RATE.match(expression.strip())
    if not match:
        raise Unresolvable(f"schedule expression {expression!r} (only rate(...) is emulated)")
    unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
    return int(match.group(1)) * unit
