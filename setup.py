"""Build hook: ship the ((var)) parser compiled, so no process pays for analysing the grammar.

Everything else about the package is declared in pyproject.toml.
"""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCompiledParser(build_py):
    def run(self) -> None:
        super().run()
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from interp.reference import COMPILED_PARSER_NAME, write_compiled_parser

        grammar = Path(self.build_lib) / "interp" / "grammar"
        write_compiled_parser(grammar / "vars.lark", grammar / COMPILED_PARSER_NAME)


setup(cmdclass={"build_py": BuildPyWithCompiledParser})
