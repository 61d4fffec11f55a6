"""Compile what every test's app compiles anew only once per test process.

The suite creates about two thousand apps from one code base. Each one compiled its 133 URL rules'
builders (werkzeug writes a Python function per rule and compiles it: ~55 ms of an app's ~75 ms) and
its templates (~30 ms on the first page). Both results depend only on the rule or the template's
source, so one process keeps them: a rule's builder by everything it is built from, a template's
bytecode by its name and source checksum (Jinja's own BytecodeCache). The product creates one app
and does neither."""
from jinja2 import BytecodeCache
from werkzeug.routing import rules


class TemplatesCompiledOnce(BytecodeCache):
    """Jinja's bytecode cache in memory; a changed template has another checksum and compiles anew."""

    def __init__(self):
        self.kept: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.kept:
            bucket.bytecode_from_string(self.kept[bucket.key])

    def dump_bytecode(self, bucket):
        self.kept[bucket.key] = bucket.bytecode_to_string()


def keep_url_rule_builders():
    """Wrap werkzeug's per-rule builder compiler with a memo; returns the function that undoes it.

    The builder is a function of the rule's parsed parts and defaults only: werkzeug executes it with
    empty globals, binds it to the rule afterwards (`__get__(self)`) and calls the rule's own
    converters through `self`, so one function serves every app's copy of a rule."""
    compile_builder = rules.Rule._compile_builder
    builders = {}

    def kept_builder(rule, append_unknown=True):
        key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
               tuple((name, type(converter)) for name, converter in sorted(rule._converters.items())),
               append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    rules.Rule._compile_builder = kept_builder
    return lambda: setattr(rules.Rule, "_compile_builder", compile_builder)
