"""interp: render Concourse pipeline templates against AWS Secrets Manager.

    >>> import interp
    >>> interp.render_text("greeting: Hello, ((name))!\\n", vars={"name": "world"})
    'greeting: Hello, world!\\n'
"""

from interp.errors import InterpError, Location, Problem
from interp.render import render_file, render_files, render_text

__all__ = ["InterpError", "Location", "Problem", "render_file", "render_files", "render_text"]
__version__ = "0.1.0"
