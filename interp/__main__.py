from interp.cli import run

run()
