"""Two measured cuts in a warm analysis (bench/catalog/run.py, docs/catalog-bench.md).

* Copying parsed YAML (the template before imports are rewritten, each imported file handed
  to tosca-parser) by a pickle round trip instead of `copy.deepcopy`: 3x faster on the
  profile's plain dicts, lists and scalars; anything pickle cannot take falls back.
* tosca-parser (2.12 to 2.15) looks every type name up with `name in list(defs.keys())`,
  building a list of every known type each time: ~700 times per 20-node parse. The same
  lookup as a dict membership test gives the same answer for the string names it is asked
  about; other arguments go to the original code. `enable(False)` restores the original
  (the benchmark measures both in one run).
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

_STATE: dict[str, Any] = {"fast_copy": True}


def tree_copy(value: Any) -> Any:
    """A deep copy of loaded YAML data."""
    if _STATE["fast_copy"]:
        try:
            return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            pass
    return copy.deepcopy(value)


def install(entity_type: Any, unsupported: Any, collector: Any, invalid_type: Any) -> None:
    """Give tosca-parser's StatefulEntityType a lookup by dict membership (see above)."""
    original = entity_type.__init__
    _STATE["original_init"] = original

    def init(self: Any, entitytype: Any, prefix: str, custom_def: Any = None) -> None:
        if not isinstance(entitytype, str) or not isinstance(custom_def, dict | None):
            original(self, entitytype, prefix, custom_def)
            return
        entire = entitytype
        if unsupported.validate_type(entire):
            self.defs = None
        else:
            if entitytype.startswith(self.TOSCA + ":"):
                entitytype = entitytype[len(self.TOSCA) + 1 :]
                entire = prefix + entitytype
            if not entitytype.startswith(self.TOSCA):
                entire = prefix + entitytype
            if custom_def and entitytype in custom_def:
                self.defs = custom_def[entitytype]
            elif entire in self.TOSCA_DEF:
                self.defs = self.TOSCA_DEF[entire]
                entitytype = entire
            else:
                self.defs = None
                collector.appendException(invalid_type(what=entitytype))
        self.type = entitytype

    _STATE["fast_init"] = init
    _STATE["entity_type"] = entity_type
    entity_type.__init__ = init


def enable(on: bool = True) -> None:
    """Switch both cuts on or off (for measuring them; they are on by default)."""
    _STATE["fast_copy"] = on
    if "entity_type" in _STATE:
        _STATE["entity_type"].__init__ = _STATE["fast_init" if on else "original_init"]
