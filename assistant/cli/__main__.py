"""`python -m assistant.cli` runs the same CLI as `lobby`."""

from assistant.cli import main

main()
