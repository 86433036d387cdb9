"""interp: render Concourse pipeline templates against AWS Secrets Manager or SSM Parameter Store.

    >>> import interp
    >>> interp.render_text("greeting: Hello, ((name))!\\n", vars={"name": "world"})
    'greeting: Hello, world!\\n'

The names below are imported on first use, so `import interp` stays cheap for
commands (like `interp check`) that never render.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from interp.errors import ConfigError, InterpError, Location, Problem
    from interp.render import render_file, render_files, render_text
    from interp.renderer import Renderer
    from interp.sources.aws_settings import SecretsManagerSettings
    from interp.sources.ssm_settings import SsmSettings
    from interp.static_vars import load_vars_files

__all__ = [
    "ConfigError",
    "InterpError",
    "Location",
    "OutputError",
    "Problem",
    "Renderer",
    "SecretsManagerSettings",
    "SsmSettings",
    "load_vars_files",
    "render_file",
    "render_files",
    "render_text",
    "write_outputs",
]
__version__ = "0.1.0"

_HOMES = {
    "ConfigError": "interp.errors",
    "InterpError": "interp.errors",
    "Location": "interp.errors",
    "Problem": "interp.errors",
    "render_file": "interp.render",
    "render_files": "interp.render",
    "render_text": "interp.render",
    "Renderer": "interp.renderer",
    "SecretsManagerSettings": "interp.sources.aws_settings",
    "SsmSettings": "interp.sources.ssm_settings",
    "load_vars_files": "interp.static_vars",
    "OutputError": "interp.output",
    "write_outputs": "interp.output",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'interp' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
