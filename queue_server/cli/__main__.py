"""`python -m queue_server.cli` is the `motcua` command."""
import sys

from queue_server.cli import main

sys.exit(main())
